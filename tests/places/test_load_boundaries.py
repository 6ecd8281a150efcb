"""load_divisions and load_boundaries: good files load, bad files say why and change nothing."""
from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from oxtom.core.models import AuditEvent
from oxtom.places import services
from oxtom.places.models import BoundarySet, Division, Locality


def _demo():
    return json.loads(services.DEMO_BOUNDARIES.read_text())


def _write(tmp_path, data, name="set.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


def _square(lon, lat, half=0.01):
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


def _snapshot():
    return (
        list(BoundarySet.objects.order_by("pk").values_list("slug", "is_current", "geometry_version")),
        list(Division.objects.order_by("pk").values_list("slug", "min_lat", "max_lon")),
    )


@pytest.fixture
def divisions_only(db):
    """The 69 divisions without geometry, as load_divisions leaves them."""
    call_command("load_divisions", stdout=open("/dev/null", "w"))
    return BoundarySet.objects.get(slug=services.COUNTY_SET_SLUG)


def test_load_divisions_creates_districts_and_69_divisions_and_is_idempotent(db, capsys):
    call_command("load_divisions")
    assert "69 divisions (69 created, 0 updated)" in capsys.readouterr().out
    call_command("load_divisions")
    assert "69 divisions (0 created, 0 updated)" in capsys.readouterr().out
    assert Locality.objects.count() == 5
    assert Locality.objects.get(ons_code="E07000180").name == "Vale of White Horse"
    bs = BoundarySet.objects.get()
    assert bs.legislation.startswith("The Oxfordshire (Electoral Changes) Order 2025")
    assert bs.in_force_from == dt.date(2025, 5, 1)
    assert Division.objects.filter(boundary_set=bs, locality__name="Cherwell").count() == 16


@pytest.mark.parametrize(
    "line, message",
    [
        ("Bad Slug,Bad Slug,,Oxford", "not a valid slug"),
        ("Twice,twice,,Oxford\nTwice Again,twice,,Oxford", "appears twice"),
        ("Coded,coded,E99000001,Oxford", "not an ONS electoral division code"),
        ("Nowhere,nowhere,,Atlantis", "unknown district 'Atlantis'"),
        ("<script>alert(1)</script>,script-alert1-script,,Oxford", "cannot contain <, >"),
        ("Kidlington East,kidlington-west,,Cherwell", "should be 'kidlington-east'"),
    ],
)
def test_load_divisions_rejects_bad_rows_and_loads_nothing(db, tmp_path, line, message):
    path = tmp_path / "divisions.csv"
    path.write_text("name,slug,ons_code,district\nGood One,good-one,,Oxford\n" + line + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("load_divisions", str(path))
    assert not Division.objects.exists()
    assert not BoundarySet.objects.exists()


def test_load_boundaries_attaches_geometry_and_bounding_boxes_and_makes_the_set_current(divisions_only, capsys):
    call_command("load_boundaries", str(services.DEMO_BOUNDARIES), "--set", services.COUNTY_SET_SLUG,
                 "--current", "--demo")
    assert "boundaries for 69 divisions (0 created, 69 updated); demo geometry; current" in capsys.readouterr().out
    bs = BoundarySet.objects.get()
    assert bs.is_current and bs.geometry_is_demo and bs.geometry_version == 1
    assert bs.geometry_source == "demo-divisions-2025.geojson"
    thame = Division.objects.get(slug="thame")
    assert thame.geometry["type"] == "Polygon"
    assert thame.min_lat < 51.745 < thame.max_lat and thame.min_lon < -0.975 < thame.max_lon
    assert not Division.objects.filter(geometry__isnull=True).exists()
    assert AuditEvent.objects.filter(target_type="places.boundaryset", target_id=str(bs.pk)).exists()


def test_loading_the_same_boundaries_again_bumps_the_version_and_creates_nothing(divisions_only):
    for _ in range(2):
        call_command("load_boundaries", str(services.DEMO_BOUNDARIES), "--set", services.COUNTY_SET_SLUG,
                     stdout=open("/dev/null", "w"))
    assert Division.objects.count() == 69
    assert BoundarySet.objects.get().geometry_version == 2


def test_a_new_set_creates_a_division_per_feature_and_replaces_the_current_set(divisions_only, tmp_path):
    services.boundary_set_make_current(boundary_set=divisions_only)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": "North", "CODE": "E58000001"}, "geometry": _square(-1.3, 52.0)},
        {"type": "Feature", "properties": {"NAME": "South", "CODE": "E58000002"}, "geometry": _square(-1.3, 51.6)},
    ]}
    call_command("load_boundaries", _write(tmp_path, data), "--set", "future-2029", "--name", "Future divisions",
                 "--in-force-from", "2029-05-03", "--name-property", "NAME", "--code-property", "CODE",
                 "--current", stdout=open("/dev/null", "w"))
    new = BoundarySet.objects.get(slug="future-2029")
    assert new.is_current and sorted(new.divisions.values_list("ons_code", flat=True)) == ["E58000001", "E58000002"]
    old = BoundarySet.objects.get(slug=services.COUNTY_SET_SLUG)
    assert not old.is_current and old.in_force_to == dt.date(2029, 5, 2)


def test_features_match_divisions_by_loose_name_when_they_carry_no_slug(divisions_only, tmp_path):
    data = _demo()
    for feature in data["features"]:
        props = feature["properties"]
        feature["properties"] = {"name": props["name"].replace("&", "and") + " ED"}
    call_command("load_boundaries", _write(tmp_path, data), "--set", services.COUNTY_SET_SLUG,
                 stdout=open("/dev/null", "w"))
    assert not Division.objects.filter(geometry__isnull=True).exists()
    assert Division.objects.count() == 69


def _bowtie(data):
    data["features"][5]["geometry"] = {"type": "Polygon", "coordinates": [[[-1.3, 51.7], [-1.2, 51.8], [-1.2, 51.7],
                                                                           [-1.3, 51.8], [-1.3, 51.7]]]}


def _unknown(data):
    data["features"][0]["properties"] = {"name": "Atlantis Central", "slug": "atlantis-central"}


def _out_of_range(data):
    data["features"][3]["geometry"] = _square(-1.3, 95.0)


def _national_grid(data):
    data["features"][3]["geometry"] = {"type": "Polygon", "coordinates": [[[451000, 206000], [452000, 206000],
                                                                           [452000, 207000], [451000, 206000]]]}


def _point(data):
    data["features"][2]["geometry"] = {"type": "Point", "coordinates": [-1.3, 51.7]}


def _garbage_coordinates(data):
    data["features"][2]["geometry"] = {"type": "Polygon", "coordinates": [["not", "numbers"]]}


def _duplicate(data):
    data["features"].append(copy.deepcopy(data["features"][0]))


def _missing(data):
    del data["features"][10:]


def _hostile_name(data):
    data["features"][0]["properties"] = {"name": "'); DROP TABLE places_division; --", "slug": ""}


@pytest.mark.parametrize(
    "spoil, message",
    [
        (_bowtie, "not a valid polygon (Self-intersection"),
        (_unknown, "does not match any division of 'oxfordshire-2025'"),
        (_out_of_range, "outside the WGS84 range"),
        (_national_grid, "British National Grid"),
        (_point, "must be a Polygon or MultiPolygon"),
        (_garbage_coordinates, "could not be read"),
        (_duplicate, "already has a boundary earlier in the file"),
        (_missing, "59 division(s) have no boundary in the file"),
        (_hostile_name, "does not match any division"),
    ],
)
def test_a_bad_boundary_file_is_refused_with_a_clear_message_and_nothing_is_loaded(
    divisions_only, tmp_path, spoil, message
):
    call_command("load_boundaries", str(services.DEMO_BOUNDARIES), "--set", services.COUNTY_SET_SLUG,
                 "--current", stdout=open("/dev/null", "w"))
    before = _snapshot()
    data = _demo()
    spoil(data)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_boundaries", _write(tmp_path, data), "--set", services.COUNTY_SET_SLUG)
    assert message in str(excinfo.value)
    assert "Nothing was loaded" in str(excinfo.value)
    assert _snapshot() == before
    assert Division.objects.count() == 69


def test_a_partial_file_loads_with_allow_partial(divisions_only, tmp_path):
    data = _demo()
    del data["features"][10:]
    call_command("load_boundaries", _write(tmp_path, data), "--set", services.COUNTY_SET_SLUG, "--allow-partial",
                 stdout=open("/dev/null", "w"))
    assert Division.objects.filter(geometry__isnull=False).count() == 10


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "has no features"),
        ("[1, 2, 3]", "not a GeoJSON FeatureCollection"),
    ],
)
def test_files_that_are_not_feature_collections_are_refused(divisions_only, tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        call_command("load_boundaries", _write(tmp_path, content), "--set", services.COUNTY_SET_SLUG)
    assert not Division.objects.filter(geometry__isnull=False).exists()


def test_a_new_set_needs_a_name_and_start_date(db, tmp_path):
    with pytest.raises(CommandError, match="give --name and --in-force-from"):
        call_command("load_boundaries", _write(tmp_path, _demo()), "--set", "brand-new")
    assert not BoundarySet.objects.exists()


def test_a_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="file not found"):
        call_command("load_boundaries", "/nonexistent/boundaries.geojson", "--set", "x")
