"""The "Report it" location step by street name search, without JavaScript."""
from __future__ import annotations

import pytest

from oxtom.places.models import Street
from oxtom.places.streets import street_key
from portal.models import StreetReport

from .conftest import HERE, POTHOLE_OK, jpeg_bytes
from .test_journey import upload
from .test_selectors import north_of, quick_report


def _street(name, town, lat, lon):
    return Street.objects.create(ref=f"t:{name}|{town}", name=name, search_key=street_key(name), town=town,
                                 town_key=street_key(town), latitude=lat, longitude=lon)


@pytest.fixture
def streets(db, division_a):
    return {
        "parsons": _street("Parsons Street", "Banbury", HERE[0] + 0.001, HERE[1] + 0.001),
        "high": _street("High Street", "Banbury", HERE[0], HERE[1] - 0.002),
        # Outside every division of the test boundaries: never offered.
        "swindon": _street("High Street", "Swindon", 51.56, -1.78),
    }


def walk_to_location(client, code="pothole"):
    assert client.post("/report/new/").status_code == 302
    assert client.post("/report/type/", {"report_type": code})["Location"] == "/report/location/"


def test_the_location_page_offers_a_street_search(client, catalogue, streets):
    walk_to_location(client)
    html = client.get("/report/location/").content.decode()
    assert "Or search for a street" in html and 'action="/report/location/street/"' in html
    assert 'name="street"' in html and "not available yet" not in html


def test_search_choose_and_continue_with_the_street_point(client, catalogue, streets):
    walk_to_location(client)
    html = client.get("/report/location/street/", {"street": "parsons st"}).content.decode()
    assert "Parsons Street, Banbury" in html and "Swindon" not in html
    assert 'type="radio"' in html and 'action="/report/location/street/?street=parsons+st"' in html
    response = client.post("/report/location/street/?street=parsons+st",
                           {"choice": str(streets["parsons"].pk), "where": "Outside number 12"})
    assert response.status_code == 302 and response["Location"] == "/report/already-reported/"
    draft = client.session["report_draft"]
    assert (draft["lat"], draft["lon"], draft["source"], draft["street"], draft["where"]) == (
        streets["parsons"].latitude, streets["parsons"].longitude, "street", "Parsons Street, Banbury",
        "Outside number 12")
    assert client.get("/report/already-reported/")["Location"] == "/report/details/"  # nothing nearby


def test_a_street_report_carries_the_street_point_and_name(client, catalogue, streets, resident_a):
    walk_to_location(client)
    client.post("/report/location/street/?street=high+st%2C+banbury",
                {"choice": str(streets["high"].pk), "where": "By the bank"})
    client.post("/report/details/", POTHOLE_OK)
    client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})
    html = client.get("/report/check/").content.decode()
    assert "High Street, Banbury" in html and "By the bank" in html
    client.force_login(resident_a)
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    report = StreetReport.objects.get()
    assert (report.latitude, report.longitude) == pytest.approx((streets["high"].latitude, streets["high"].longitude))
    assert report.location_text == "High Street, Banbury By the bank"


def test_a_street_with_an_open_report_nearby_shows_it_first(client, catalogue, pothole, streets):
    existing = quick_report(pothole, north_of(0))
    walk_to_location(client)
    response = client.post("/report/location/street/?street=high+street",
                           {"choice": str(streets["high"].pk)})
    assert response["Location"] == "/report/already-reported/"
    assert existing.case.reference in client.get("/report/already-reported/").content.decode()


def test_choosing_a_postcode_afterwards_forgets_the_street(client, catalogue, streets, resident_a):
    from oxtom.places.models import PostcodeCentroid

    PostcodeCentroid.objects.create(postcode="OX16 1AA", kind="unit", latitude=HERE[0], longitude=HERE[1])
    walk_to_location(client)
    client.post("/report/location/street/?street=parsons", {"choice": str(streets["parsons"].pk)})
    client.post("/report/location/", {"postcode": "OX16 1AA"})
    client.post("/report/details/", POTHOLE_OK)
    client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})
    html = client.get("/report/check/").content.decode()
    assert "Near OX16 1AA" in html and "Parsons Street" not in html


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Enter the name of the street"),
        ("   ", "Enter the name of the street"),
        ("x", "Enter at least 2 letters of the street name"),
        ("Nowhere Boulevard", "We could not find a street with that name in Oxfordshire"),
        ("high street, swindon", "We could not find a street with that name in Oxfordshire"),
        ("<script>alert(1)</script>", "A street name can only contain letters"),
        ("Parsons\x07Street", "A street name can only contain letters"),
        ("a" * 101, "The street name must be 100 characters or fewer"),
    ],
)
def test_bad_searches_get_a_clear_error_and_the_postcode_alternative(client, catalogue, streets, text, message):
    walk_to_location(client)
    response = client.get("/report/location/street/", {"street": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Search for a street" in html
    assert 'class="govuk-error-summary"' in html and 'href="#id_street"' in html and message in html
    assert "give a postcode<span data-js-only=\"geolocation\" hidden> or use your location</span> instead" in html
    assert "<script>alert(1)</script>" not in html and 'type="radio"' not in html


def test_choosing_nothing_or_a_street_not_offered_is_an_error_and_saves_nothing(client, catalogue, streets):
    walk_to_location(client)
    for data in ({}, {"choice": str(streets["swindon"].pk)}, {"choice": "<b>1</b>"}, {"choice": "1" * 500}):
        response = client.post("/report/location/street/?street=high+street", data)
        html = response.content.decode()
        assert response.status_code == 200 and "<title>Error: Search for a street" in html
        assert "Select the street where the problem is" in html and 'href="#id_choice_0"' in html
    response = client.post("/report/location/street/?street=high+street",
                           {"choice": str(streets["high"].pk), "where": "w" * 201})
    assert "must be 200 characters or fewer" in response.content.decode()
    assert client.get("/report/details/")["Location"] == "/report/location/"  # still no location


def test_a_post_without_a_search_asks_for_the_street(client, catalogue, streets):
    walk_to_location(client)
    html = client.post("/report/location/street/", {"choice": str(streets["high"].pk)}).content.decode()
    assert "Enter the name of the street" in html
    assert client.get("/report/details/")["Location"] == "/report/location/"


def test_the_street_step_needs_a_report_type_first(client, catalogue, streets):
    assert client.get("/report/location/street/", {"street": "high"})["Location"] in ("/report/", "/report/type/")


def test_the_search_costs_a_constant_number_of_queries(client, catalogue, division_a, django_assert_max_num_queries):
    Street.objects.bulk_create([
        Street(ref=f"bulk{i}", name=f"Mill Lane {i}", search_key=f"mill lane {i}", town="Banbury",
               town_key="banbury", latitude=HERE[0], longitude=HERE[1]) for i in range(300)
    ])
    walk_to_location(client)
    client.get("/report/location/street/", {"street": "mill lane"})  # warm the polygon cache
    with django_assert_max_num_queries(12):
        html = client.get("/report/location/street/", {"street": "mill ln"}).content.decode()
    assert html.count('type="radio"') == 10


def test_a_photo_taken_on_the_street_places_the_report_more_exactly(client, catalogue, streets, resident_a):
    """One point stands for a whole street, so a photo's own GPS position (in the county) replaces it."""
    import io

    from PIL import Image

    from .test_uploads import _gps_exif

    walk_to_location(client)
    client.post("/report/location/street/?street=parsons", {"choice": str(streets["parsons"].pk)})
    client.post("/report/details/", POTHOLE_OK)
    gps_point = (HERE[0] + 0.003, HERE[1] + 0.002)
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (1, 2, 3)).save(out, "JPEG", exif=_gps_exif(*gps_point))
    client.post("/report/photos/", {"photo_1": upload(out.getvalue())})
    client.force_login(resident_a)
    client.post("/report/check/")
    report = StreetReport.objects.get()
    assert (report.latitude, report.longitude) == pytest.approx(gps_point, abs=1e-4)
    assert report.location_text == "Parsons Street, Banbury"
