"""The offline map (oxtom/places/maps.py): projection, fitting, SVG drawing, caching and query counts."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from oxtom.places import maps
from oxtom.places.models import Division, Street
from oxtom.places.selectors import nearest_street
from oxtom.places.streets import street_key
from tests.factories import square

SVG = "{http://www.w3.org/2000/svg}"
CARFAX = (51.7520, -1.2577)


def _street(name, town, lat, lon):
    return Street.objects.create(ref=f"t:{name}|{town}|{lat}", name=name, search_key=street_key(name), town=town,
                                 town_key=street_key(town), latitude=lat, longitude=lon)


def test_world_pixel_matches_web_mercator():
    assert maps.world_pixel(0, 0, 0) == pytest.approx((128, 128))
    assert maps.world_pixel(0, -180, 1) == pytest.approx((0, 256))
    # The slippy-map tile formula (OpenStreetMap wiki), written differently from ours.
    lat, lon = CARFAX
    n = 2 ** 15
    tile = ((lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    assert maps.world_pixel(lat, lon, 15) == pytest.approx((tile[0] * 256, tile[1] * 256))


@pytest.mark.parametrize("zoom", [8, 12, 17])
def test_project_and_unproject_round_trip(zoom):
    view = maps.MapView(*CARFAX, zoom)
    assert view.project(*CARFAX) == pytest.approx((maps.WIDTH / 2, maps.HEIGHT / 2))
    for x, y in [(0, 0), (10, 290), (339, 1), (170, 150)]:
        lat, lon = view.unproject(x, y)
        assert view.project(lat, lon) == pytest.approx((x, y), abs=0.2)
    south, north, west, east = view.bounds()
    assert south < CARFAX[0] < north and west < CARFAX[1] < east


def test_zoom_is_clamped_and_moves_keep_the_size():
    assert maps.MapView(*CARFAX, 99).zoom == maps.MAX_ZOOM and maps.MapView(*CARFAX, -3).zoom == maps.MIN_ZOOM
    view = maps.MapView(*CARFAX, 14, 340, 440)
    north = view.moved(dy=-220)
    assert north.latitude > view.latitude and north.longitude == pytest.approx(view.longitude)
    assert (north.width, north.height, view.moved(zoom=15).zoom) == (340, 440, 15)


def test_fit_picks_the_closest_zoom_that_shows_the_box():
    box = (51.74, 51.76, -1.27, -1.24)
    view = maps.MapView.fit(*box)
    for lat, lon in [(box[0], box[2]), (box[1], box[3])]:
        assert view.contains(lat, lon)
    closer = maps.MapView(view.latitude, view.longitude, view.zoom + 1)
    assert not (closer.contains(box[0], box[2]) and closer.contains(box[1], box[3]))


def test_division_path_is_simplified_to_the_pixel():
    ring = [[-1.3 + 0.0000001 * i, 51.7] for i in range(1000)] + [[-1.2, 51.7], [-1.2, 51.8], [-1.3, 51.8],
                                                                   [-1.3, 51.7]]
    path, label = maps.division_path({"type": "Polygon", "coordinates": [ring]}, 10)
    assert path.startswith("M") and path.endswith("Z") and path.count("L") <= 6
    assert maps.world_pixel(51.8, -1.3, 10)[1] < label[1] < maps.world_pixel(51.7, -1.3, 10)[1]


def _parse(svg: str):
    return ET.fromstring(str(svg))


def test_county_map_draws_every_division_escaped_and_says_the_boundaries_are_demo(county):
    view = maps.county_view(height=maps.TALL_HEIGHT)
    assert view.zoom == 9
    svg = maps.draw_map(view, title="Map of <Oxfordshire>", description="Where & how")
    root = _parse(svg)  # well-formed XML: names such as "Bloxham & Bodicote" are escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "map-title map-desc"
    assert root.find(f"{SVG}title").text == "Map of <Oxfordshire>"
    assert len(root.findall(f".//{SVG}path")) == Division.objects.filter(boundary_set=county).count() == 69
    assert "Demonstration boundaries, not legal ones" in svg
    assert "style=" not in svg and "<script" not in svg  # CSP: no inline style, nothing that runs


def test_close_map_names_divisions_and_streets_and_draws_markers(county):
    _street("Cornmarket Street", "Oxford", 51.7535, -1.2585)
    _street("Far Lane", "Witney", 51.785, -1.485)
    svg = maps.draw_map(maps.MapView(51.7535, -1.2585, 16), title="t", markers=[
        maps.Marker(51.7536, -1.2586, "7", "Report 7"), maps.Marker(51.9, -1.0, "8", "Far away"),
        maps.Marker(51.7534, -1.2584, kind="point", title="Your point")])
    assert "Cornmarket Street" in svg and "Far Lane" not in svg
    root = _parse(svg)
    assert root.get("data-markers") == "2"  # the one far outside the view is left off
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "7" in texts and "8" not in texts


def test_map_queries_are_constant_and_boundaries_cached(county, django_assert_max_num_queries,
                                                        django_assert_num_queries):
    for n in range(30):
        _street(f"Street {n}", "Oxford", 51.752 + n * 0.0001, -1.258)
    view = maps.MapView(*CARFAX, 15)
    with django_assert_max_num_queries(4):  # set, divisions in view, their geometry, streets in view
        maps.draw_map(view, title="t")
    with django_assert_num_queries(3):  # geometry now cached
        maps.draw_map(view.moved(dx=30), title="t")
    with django_assert_max_num_queries(4):  # a county view: set, divisions, geometry, towns
        maps.draw_map(maps.MapView(*CARFAX, 9), title="t")
    with django_assert_num_queries(2):  # towns cached too
        maps.draw_map(maps.MapView(*CARFAX, 9), title="t")


def test_a_reloaded_boundary_is_drawn_afresh(county):
    view = maps.MapView(*CARFAX, 12)
    before = str(maps.draw_map(view, title="t"))
    division = Division.objects.filter(boundary_set=county, name__icontains="Jericho").first()
    # As a reload outside the loader would: new geometry and its box, same id.
    Division.objects.filter(pk=division.pk).update(geometry=square(51.752, -1.2577, 0.002), min_lat=51.750,
                                                   max_lat=51.754, min_lon=-1.2597, max_lon=-1.2557)
    after = str(maps.draw_map(view, title="t"))
    assert after != before
    assert after == str(maps.draw_map(view, title="t"))


def test_no_boundaries_yet_gives_an_empty_map_not_an_error(db):
    assert maps.county_view() is None
    root = _parse(maps.draw_map(maps.MapView(*CARFAX, 12), title="t"))
    assert not root.findall(f".//{SVG}path")


def test_nearest_street(county):
    _street("Cornmarket Street", "Oxford", 51.7535, -1.2585)
    _street("Broad Street", "Oxford", 51.7545, -1.2563)
    assert nearest_street(51.7536, -1.2584).name == "Cornmarket Street"
    assert nearest_street(51.7546, -1.2560).name == "Broad Street"
    assert nearest_street(51.70, -1.2585) is None  # nothing within 400 m
    for bad in [("x", "y"), (math.nan, 1), (None, None), (1e308, 1)]:
        assert nearest_street(*bad) is None
