"""The "Report it" journey through the test client, without JavaScript (postcode route)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from oxtom.cases.models import Case
from oxtom.notify.models import OutboundMessage
from oxtom.places.models import PostcodeCentroid
from portal.models import ReportPhoto, ReportSubscription, StreetReport

from .conftest import HERE, jpeg_bytes
from .test_selectors import north_of, quick_report
from .test_uploads import _gps_exif


@pytest.fixture
def postcode(db, division_a):
    PostcodeCentroid.objects.update_or_create(postcode="OX16 1AA", defaults={
        "kind": "unit", "latitude": HERE[0], "longitude": HERE[1]})
    PostcodeCentroid.objects.update_or_create(postcode="SW1A 1AA", defaults={
        "kind": "unit", "latitude": 51.501, "longitude": -0.1416})
    return "OX16 1AA"


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def walk_to_details(client, code="pothole", postcode="OX16 1AA"):
    assert client.post("/report/new/").status_code == 302
    assert client.post("/report/type/", {"report_type": code})["Location"] == "/report/location/"
    return client.post("/report/location/", {"postcode": postcode, "where": "By the bus stop"})


def test_start_page_states_process_and_timescales(client, catalogue):
    html = client.get("/report/").content.decode()
    assert "working days" in html and "Start now" in html
    for name in ("pothole", "faulty street light", "fly-tipping", "damaged road sign"):
        assert name in html.lower()


def test_whole_journey_signed_out_then_sign_in_keeps_answers(client, catalogue, postcode, resident_a):
    response = walk_to_details(client)
    assert response["Location"] == "/report/already-reported/"
    assert client.get("/report/already-reported/")["Location"] == "/report/details/"  # none nearby: skipped
    html = client.get("/report/details/").content.decode()
    assert "How deep is it" in html
    response = client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road",
                                                "details": "Deep hole"})
    assert response["Location"] == "/report/photos/"
    html = client.get("/report/photos/").content.decode()
    assert "This meets our criteria for a repair" in html and "Add a photo of the problem" in html
    response = client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})
    assert response["Location"] == "/report/check/"
    html = client.get("/report/check/").content.decode()
    assert "Near OX16 1AA" in html and "55" in html and "In the road" in html and "Sign in" in html
    # Sending while signed out goes to sign in, and comes back here.
    response = client.post("/report/check/")
    assert response.status_code == 302 and "next=%2Freport%2Fcheck%2F" in response["Location"]
    client.force_login(resident_a)
    html = client.get("/report/check/").content.decode()
    assert "Send report" in html and "55" in html
    response = client.post("/report/check/")
    assert response["Location"] == "/report/confirmation/"
    report = StreetReport.objects.select_related("case").get()
    assert report.case.customer == resident_a.customer and report.eligible and report.photos.count() == 1
    assert report.location_text == "OX16 1AA By the bus stop"
    html = client.get("/report/confirmation/").content.decode()
    assert report.case.reference in html and "What happens next" in html
    # A second click on "Send report" (double submit) makes no second report or message.
    response = client.post("/report/check/")
    assert response.status_code == 302
    assert StreetReport.objects.count() == 1
    assert OutboundMessage.objects.filter(template_code="report-received").count() == 1


def test_double_submit_with_the_same_draft_gives_one_report(client, catalogue, postcode, resident_a):
    client.force_login(resident_a)
    walk_to_details(client)
    client.post("/report/details/", {"depth_mm": "5", "width_mm": "5", "position": "road"})
    session = client.session
    draft_copy = dict(session["report_draft"])
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    # The same draft posted again (a second tab, or a replayed request): still one report.
    session = client.session
    session["report_draft"] = draft_copy
    session.save()
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert Case.objects.count() == 1


def test_below_threshold_says_why_and_what_happens_instead(client, catalogue, postcode, resident_a):
    client.force_login(resident_a)
    walk_to_details(client)
    response = client.post("/report/details/", {"depth_mm": "10", "width_mm": "100", "position": "road"})
    assert response["Location"] == "/report/criteria/"
    html = client.get("/report/criteria/").content.decode()
    assert "less than 40 mm deep" in html and "less than 150 mm across" in html and "inspectors check" in html
    html = client.get("/report/photos/").content.decode()
    assert "Add photos (optional)" in html
    assert client.post("/report/photos/", {})["Location"] == "/report/check/"
    client.post("/report/check/")
    report = StreetReport.objects.get()
    assert not report.eligible and report.photos.count() == 0


def test_nearby_report_offered_and_following_instead_of_duplicate(client, pothole, postcode, resident_b):
    existing = quick_report(pothole, north_of(40))
    quick_report(pothole, north_of(400))  # outside 250 m
    walk_to_details(client)
    html = client.get("/report/already-reported/").content.decode()
    assert existing.case.reference in html and "about 40 metres away" in html and html.count("govuk-radios__item") == 2
    response = client.post("/report/already-reported/", {"choice": existing.case.reference})
    assert response["Location"] == "/report/follow/"
    assert "login" in client.get("/report/follow/")["Location"]  # sign in first, the choice is kept
    client.force_login(resident_b)
    assert existing.case.reference in client.get("/report/follow/").content.decode()
    response = client.post("/report/follow/")
    assert response["Location"] == f"/reports/{existing.case.reference}/"
    assert ReportSubscription.objects.filter(report=existing, customer=resident_b.customer).exists()
    assert StreetReport.objects.count() == 2  # no new report


def test_not_listed_continues_to_a_new_report(client, pothole, postcode):
    quick_report(pothole, north_of(40))
    walk_to_details(client)
    response = client.post("/report/already-reported/", {"choice": "new"})
    assert response["Location"] == "/report/details/"
    response = client.post("/report/already-reported/", {"choice": "HW-2026-FORGED"})
    assert "Select a report, or that your problem is not listed" in response.content.decode()


def test_photo_gps_replaces_postcode_centre(client, catalogue, postcode, resident_a):
    client.force_login(resident_a)
    walk_to_details(client)
    client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road"})
    gps_point = (HERE[0] + 0.003, HERE[1] + 0.002)
    out = io.BytesIO()
    Image.new("RGB", (200, 200), (1, 2, 3)).save(out, "JPEG", exif=_gps_exif(*gps_point))
    client.post("/report/photos/", {"photo_1": upload(out.getvalue())})
    assert "Where your photo was taken" in client.get("/report/check/").content.decode()
    client.post("/report/check/")
    report = StreetReport.objects.get()
    assert (report.latitude, report.longitude) == pytest.approx(gps_point, abs=1e-4)
    stored = report.photos.get().image.read()
    assert b"PhoneMaker" not in stored and len(Image.open(io.BytesIO(stored)).getexif()) == 0


@pytest.mark.parametrize("data,message", [
    ({"photo_1": ("fake.jpg", b"%PDF-1.4 not a photo", "image/jpeg")}, "must be a JPG, PNG"),
    ({"photo_1": ("empty.jpg", b"", "image/jpeg")}, "The submitted file is empty"),
    ({}, "Select a photo of the problem"),
])
def test_bad_photo_uploads(client, catalogue, postcode, data, message):
    walk_to_details(client)
    client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road"})
    files = {k: upload(v[1], name=v[0], content_type=v[2]) for k, v in data.items()}
    response = client.post("/report/photos/", files)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "govuk-error-summary" in html
    assert "Error:" in html.split("</title>")[0]
    assert not client.session["report_draft"].get("photos")


def test_up_to_three_photos_and_remove(client, catalogue, postcode):
    walk_to_details(client)
    client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road"})
    client.post("/report/photos/", {"photo_1": upload(jpeg_bytes()), "photo_2": upload(jpeg_bytes()),
                                    "photo_3": upload(jpeg_bytes())})
    photos = client.session["report_draft"]["photos"]
    assert len(photos) == 3
    html = client.get("/report/photos/").content.decode()
    assert 'name="photo_1"' not in html  # no room for more
    client.post("/report/photos/", {"remove": photos[0]["token"]})
    assert len(client.session["report_draft"]["photos"]) == 2


@pytest.mark.parametrize("data,message", [
    ({"postcode": ""}, "Enter a postcode"),
    ({"postcode": "<script>alert(1)</script>"}, "Enter a full postcode"),
    ({"postcode": "ZZ99 9ZZ"}, "We could not find that postcode"),
    ({"postcode": "SW1A 1AA"}, "must be in Oxfordshire"),
    ({"postcode": "X" * 5000}, "Enter a full postcode"),
    ({"lat": "51.0", "lon": "-3.0"}, "must be in Oxfordshire"),
    ({"lat": "nan", "lon": "nan"}, "Enter a postcode"),
    ({"postcode": "OX16 1AA", "where": "x" * 201}, "200 characters or fewer"),
])
def test_location_bad_input(client, catalogue, postcode, data, message):
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": "pothole"})
    response = client.post("/report/location/", data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "govuk-error-summary" in html
    assert client.session["report_draft"].get("lat") is None


def test_location_from_device_or_map_point(client, catalogue, division_a):
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": "pothole"})
    response = client.post("/report/location/", {"lat": str(HERE[0]), "lon": str(HERE[1]), "source": "device"})
    assert response.status_code == 302
    assert client.session["report_draft"]["source"] == "device"


@pytest.mark.parametrize("data,message", [
    ({"report_type": ""}, "Select the type of problem"),
    ({"report_type": "nuclear-meltdown"}, "Select the type of problem from the list"),
])
def test_type_bad_input(client, catalogue, data, message):
    client.post("/report/new/")
    assert message in client.post("/report/type/", data).content.decode()


@pytest.mark.parametrize("data,message", [
    ({}, "Enter how deep the pothole is"),
    ({"depth_mm": "deep", "width_mm": "1", "position": "road"}, "The depth must be a number, like 45"),
    ({"depth_mm": "1", "width_mm": "1", "position": "<b>sea</b>"}, "from the list"),
    ({"depth_mm": "1", "width_mm": "1", "position": "road", "details": "y" * 2001}, "2,000 characters"),
])
def test_details_bad_input(client, catalogue, postcode, data, message):
    walk_to_details(client)
    response = client.post("/report/details/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert "answers" not in client.session["report_draft"]


def test_steps_out_of_order_go_back_to_the_first_missing_step(client, catalogue):
    assert client.get("/report/check/")["Location"] == "/report/"
    client.post("/report/new/")
    assert client.get("/report/details/")["Location"] == "/report/type/"
    client.post("/report/type/", {"report_type": "pothole"})
    assert client.get("/report/photos/")["Location"] == "/report/location/"
    assert client.get("/report/confirmation/").status_code == 302


def test_changing_type_forgets_answers(client, catalogue, postcode):
    walk_to_details(client)
    client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road"})
    client.post("/report/type/", {"report_type": "street-light"})
    assert "answers" not in client.session["report_draft"]


def test_journey_pages_query_counts(client, pothole, postcode, django_assert_max_num_queries):
    for i in range(20):
        quick_report(pothole, north_of(i * 10))
    walk_to_details(client)
    with django_assert_max_num_queries(6):
        assert client.get("/report/already-reported/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/report/type/").status_code == 200


def test_sending_is_rate_limited_per_account(client, catalogue, postcode, resident_a):
    from django.core.cache import cache

    from portal.views import journey

    cache.clear()
    client.force_login(resident_a)
    for n in range(journey.REPORTS_PER_HOUR + 1):
        walk_to_details(client, code="street-light")
        client.get("/report/already-reported/")
        client.post("/report/details/", {"fault": "out"})
        client.post("/report/photos/", {})
        response = client.post("/report/check/")
    assert response.status_code == 429
    assert f"You have sent {journey.REPORTS_PER_HOUR} reports in the last hour" in response.content.decode()
    assert StreetReport.objects.count() == journey.REPORTS_PER_HOUR
    cache.clear()
