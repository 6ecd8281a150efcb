"""Placing the report's point on the offline map without JavaScript (no tile server configured),
and the offline map on the public, staff and "reports around" pages."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.http import QueryDict

from oxtom.places import maps
from oxtom.places.models import Street
from oxtom.places.selectors import clear_geometry_cache
from oxtom.places.streets import street_key
from portal.views.location_map import PLACE_ZOOM, next_view

from .conftest import HERE
from .test_selectors import north_of, quick_report

START = maps.MapView(52.0, -1.3, 9, 340, 440)


@pytest.fixture(autouse=True)
def _fresh_map_cache():
    clear_geometry_cache()
    yield
    clear_geometry_cache()


@pytest.fixture
def no_tiles(settings):
    settings.MAP_TILE_URL = ""


@pytest.fixture
def street(division_a):
    return Street.objects.create(ref="t:1", name="Calthorpe Street", search_key=street_key("Calthorpe Street"),
                                 town="Banbury", town_key="banbury", latitude=HERE[0] + 0.0005, longitude=HERE[1])


def q(**params) -> QueryDict:
    query = QueryDict(mutable=True)
    query.update({k.replace("_", "."): str(v) for k, v in params.items()})
    return query


def test_a_click_far_out_zooms_in_on_where_it_landed():
    view, point = next_view(q(lat=52.0, lon=-1.3, z=9, h=440, at_x=300, at_y=40), START)
    assert point is None and view.zoom == 12 and view.height == 440
    assert (view.latitude, view.longitude) == START.unproject(300, 40)


def test_a_click_close_in_places_the_point_and_keeps_the_view():
    view, point = next_view(q(lat=52.0, lon=-1.3, z=PLACE_ZOOM, h=440, at_x=10, at_y=20), START)
    assert view.zoom == PLACE_ZOOM and (view.latitude, view.longitude) == (52.0, -1.3)
    assert point == maps.MapView(52.0, -1.3, PLACE_ZOOM, 340, 440).unproject(10, 20)


@pytest.mark.parametrize("params", [
    dict(at_x=0, at_y=0),            # a keyboard press on the image button: no pointer, no point
    dict(at_x=-5, at_y=10), dict(at_x=9999, at_y=10), dict(at_x="x", at_y="1"), dict(at_x="1e9", at_y="1"),
])
def test_keyboard_and_bad_clicks_change_nothing(params):
    view, point = next_view(q(lat=52.0, lon=-1.3, z=PLACE_ZOOM, h=440, **params), START)
    assert point is None and view.zoom == PLACE_ZOOM and (view.latitude, view.longitude) == (52.0, -1.3)


def test_buttons_pan_zoom_and_use_the_centre():
    here = q(lat=52.0, lon=-1.3, z=PLACE_ZOOM, h=440)
    north, _ = next_view(q(**{**here.dict(), "move": "north"}), START)
    east, _ = next_view(q(**{**here.dict(), "move": "east"}), START)
    assert north.latitude > 52.0 and east.longitude > -1.3
    assert next_view(q(**{**here.dict(), "move": "in"}), START)[0].zoom == PLACE_ZOOM + 1
    assert next_view(q(**{**here.dict(), "move": "out"}), START)[0].zoom == PLACE_ZOOM - 1
    assert next_view(q(**{**here.dict(), "move": "centre"}), START)[1] == (52.0, -1.3)
    far = next_view(q(lat=52.0, lon=-1.3, z=9, move="centre"), START)
    assert far == (maps.MapView(52.0, -1.3, PLACE_ZOOM, 340, 440), None)  # too far out to place: zoom in first
    assert next_view(q(move="teleport"), START) == (START, None)
    assert next_view(q(lat="nan", lon="1", z="3"), START) == (START, None)


def begin(client, code="pothole"):
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": code})


def test_location_step_offers_the_offline_map_only_without_tiles(client, catalogue, division_a, settings):
    begin(client)
    settings.MAP_TILE_URL = ""
    html = client.get("/report/location/").content.decode()
    assert 'id="offline-map"' in html and 'type="image"' in html and "/maps/map.svg?" in html
    assert 'action="/report/location/map/"' in html
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    assert 'id="offline-map"' not in client.get("/report/location/").content.decode()


def test_map_step_needs_a_report_type_first(client, catalogue, division_a):
    assert client.get("/report/location/map/")["Location"] == "/report/"
    client.post("/report/new/")
    assert client.get("/report/location/map/")["Location"] == "/report/type/"


def test_resident_places_and_confirms_a_point(client, catalogue, division_a, street, no_tiles):
    begin(client)
    view = maps.MapView(HERE[0], HERE[1], PLACE_ZOOM, 340, 440)
    html = client.get("/report/location/map/", {"lat": HERE[0], "lon": HERE[1], "z": PLACE_ZOOM, "h": 440,
                                                "at.x": 170, "at.y": 200}).content.decode()
    point = view.unproject(170, 200)
    assert "You chose a point near Calthorpe Street, Banbury, in the Banbury Calthorpe division" in html
    assert f'value="{point[0]}"' in html and "Use this point" in html
    src = html.split('id="map-image"', 1)[1].split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert parse_qs(urlparse(src).query)["plat"] == [f"{point[0]:.6f}"]
    response = client.post("/report/location/", {"lat": point[0], "lon": point[1], "source": "map",
                                                  "where": "By the post box"})
    assert response.status_code == 302
    draft = client.session["report_draft"]
    assert (draft["lat"], draft["lon"], draft["source"], draft["where"]) == (point[0], point[1], "map",
                                                                             "By the post box")


def test_a_point_outside_the_county_is_refused_with_a_message(client, catalogue, division_a, no_tiles):
    begin(client)
    html = client.get("/report/location/map/", {"lat": 51.0, "lon": -3.0, "z": PLACE_ZOOM, "h": 440,
                                                "at.x": 100, "at.y": 100}).content.decode()
    assert "The point must be in Oxfordshire" in html and "Use this point" not in html


def test_map_step_queries_are_constant(client, catalogue, division_a, street, no_tiles,
                                       django_assert_max_num_queries):
    begin(client)
    params = {"lat": HERE[0], "lon": HERE[1], "z": PLACE_ZOOM, "h": 440, "at.x": 170, "at.y": 200}
    with django_assert_max_num_queries(12):
        assert client.get("/report/location/map/", params).status_code == 200


def test_public_and_staff_report_pages_show_the_map_and_say_where(client_for, make_report, street,
                                                                  officer_in_team):
    report = make_report()
    for user, url in [(None, f"/reports/{report.case.reference}/"),
                      (officer_in_team, f"/staff/reports/{report.case.reference}/")]:
        html = client_for(user).get(url).content.decode()
        assert 'id="report-map"' in html and 'role="img"' in html
        assert "Near Calthorpe Street, Banbury" in html
        assert "Map of where the problem was reported near Calthorpe Street, Banbury" in html


def test_reports_around_shows_numbered_markers_matching_the_list(client, pothole, division_a, no_tiles,
                                                                 django_assert_max_num_queries):
    for i in range(3):
        quick_report(pothole, north_of(i * 10))
    url = f"/reports/?lat={HERE[0]}&lon={HERE[1]}"
    html = client.get(url).content.decode()
    assert 'id="around-offline-map"' in html and 'data-markers="4"' in html  # 3 reports and the place searched
    assert "The numbers on the map match the numbers in the list" in html
    for n in (1, 2, 3):
        assert f"{n}<span class=\"govuk-visually-hidden\"> on the map:</span>" in html
    for i in range(30):
        quick_report(pothole, north_of(i * 10 + 5))
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert 'data-markers="26"' in html


def test_reports_around_uses_the_tiled_map_when_configured(client, pothole, division_a, settings):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    quick_report(pothole, north_of(10))
    html = client.get(f"/reports/?lat={HERE[0]}&lon={HERE[1]}").content.decode()
    assert 'id="around-map"' in html and 'id="around-offline-map"' not in html
