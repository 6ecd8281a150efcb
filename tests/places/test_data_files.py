"""The shipped data files: exactly the county's 69 divisions, five districts, a demo map that covers them."""
from __future__ import annotations

import csv
import json

from django.utils.text import slugify
from shapely.geometry import shape
import shapely

from oxtom.places import services

DISTRICT_CODES = {
    "Cherwell": "E07000177",
    "Oxford": "E07000178",
    "South Oxfordshire": "E07000179",
    "Vale of White Horse": "E07000180",
    "West Oxfordshire": "E07000181",
}


def _divisions():
    with services.DIVISIONS_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_division_file_has_exactly_69_unique_divisions_with_valid_slugs():
    rows = _divisions()
    assert len(rows) == 69
    assert len({r["name"] for r in rows}) == 69
    assert len({r["slug"] for r in rows}) == 69
    for row in rows:
        assert row["slug"] == slugify(row["name"]), row
        assert row["district"] in DISTRICT_CODES, row


def test_division_file_ons_codes_are_blank_or_e58_and_never_repeated():
    codes = [r["ons_code"] for r in _divisions() if r["ons_code"]]
    assert all(services.ONS_DIVISION_CODE.match(c) for c in codes)
    assert len(codes) == len(set(codes))


def test_the_sixteen_cherwell_divisions_are_the_published_2025_names():
    cherwell = {r["name"] for r in _divisions() if r["district"] == "Cherwell"}
    assert len(cherwell) == 16
    assert {"Banbury Grimsbury & Castle", "Chesterton & Launton", "Kidlington North & Otmoor"} <= cherwell


def test_districts_file_has_the_five_districts_with_their_ons_codes():
    with services.DISTRICTS_CSV.open(newline="", encoding="utf-8") as fh:
        rows = {r["name"]: r["ons_code"] for r in csv.DictReader(fh)}
    assert rows == DISTRICT_CODES


def test_demo_boundaries_are_labelled_demo_and_give_each_division_one_valid_polygon():
    data = json.loads(services.DEMO_BOUNDARIES.read_text())
    assert "DEMO" in data["description"] and "NOT LEGAL BOUNDARIES" in data["description"]
    slugs = [f["properties"]["slug"] for f in data["features"]]
    assert sorted(slugs) == sorted(r["slug"] for r in _divisions())
    geoms = [shape(f["geometry"]) for f in data["features"]]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    # No overlaps: the polygons' areas add up to the area of their union.
    union = shapely.union_all(geoms)
    assert abs(sum(g.area for g in geoms) - union.area) < 1e-9
    minx, miny, maxx, maxy = union.bounds
    assert -1.8 < minx < maxx < -0.8 and 51.4 < miny < maxy < 52.2


def test_every_shipped_postcode_centroid_is_a_known_postcode_form():
    from oxtom.places.postcodes import normalise_postcode_key, postcode_kind

    with services.POSTCODES_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    districts = {r["postcode"] for r in rows if r["kind"] == "district"}
    assert {f"OX{n}" for n in (1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 25, 26, 27, 28, 29,
                                33, 39, 44, 49)} <= districts
    for row in rows:
        key = normalise_postcode_key(row["postcode"])
        assert key == row["postcode"] and postcode_kind(key) == row["kind"], row
