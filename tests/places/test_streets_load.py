"""load_streets: OS Open Names rows (British National Grid), the shipped demo list, and bad files."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from oxtom.places import services
from oxtom.places.models import Street
from oxtom.places.selectors import streets_matching

HEADER = ("ID,NAMES_URI,NAME1,NAME1_LANG,NAME2,NAME2_LANG,TYPE,LOCAL_TYPE,GEOMETRY_X,GEOMETRY_Y,"
          "POPULATED_PLACE,DISTRICT_BOROUGH,COUNTY_UNITARY\n")


def _row(id_, name, local_type, x, y, place="Oxford", district="Oxford"):
    kind = "transportNetwork" if "Road" in local_type else "populatedPlace"
    return (f"{id_},http://data.os.uk/id/{id_},{name},,,,{kind},{local_type},{x},{y},"
            f"{place},{district},Oxfordshire\n")


ROWS = (
    _row("osgbTEST0001", "Cornmarket Street", "Named Road", 451300, 206300)  # by Carfax
    + _row("osgbTEST0002", "Banbury Road", "Named Road", 450800, 208000)
    + _row("osgbTEST0003", "A34", "Numbered Road", 447000, 206000)
    + _row("osgbTEST0004", "Oxford", "City", 451300, 206200)
    + _row("osgbTEST0005", "Commercial Road", "Named Road", 415000, 185000, "Swindon", "Swindon")  # Swindon
)


def _run(*args):
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("load_streets", *args, stdout=Sink())
    return "".join(out)


def test_named_roads_are_converted_from_the_national_grid_and_others_are_skipped(county, tmp_path):
    path = tmp_path / "SP_test.csv"
    path.write_text(HEADER + ROWS)
    out = _run(str(path), "--source", "OS Open Names test")
    assert "2 streets loaded (2 new, 0 updated) from 3 street rows; 1 outside the county skipped" in out
    assert "2 entries that are not named roads skipped" in out
    street = Street.objects.get(name="Cornmarket Street")
    # Carfax is at about E 451300 N 206200: 51.752, -1.258.
    assert street.latitude == pytest.approx(51.7530, abs=0.0005)
    assert street.longitude == pytest.approx(-1.2582, abs=0.0005)
    assert (street.ref, street.town, street.district, street.source) == (
        "osopennames:osgbTEST0001", "Oxford", "Oxford", "OS Open Names test")
    assert not Street.objects.filter(name__in=["A34", "Oxford", "Commercial Road"]).exists()
    assert [str(s) for s in streets_matching("cornmarket st")] == ["Cornmarket Street, Oxford"]


def test_reloading_updates_instead_of_duplicating(county, tmp_path):
    path = tmp_path / "SP_test.csv"
    path.write_text(HEADER + ROWS)
    _run(str(path))
    path.write_text(HEADER + ROWS.replace("Banbury Road", "Banbury Rd North"))
    out = _run(str(path))
    assert "2 streets loaded (0 new, 2 updated)" in out
    assert Street.objects.count() == 2
    assert Street.objects.get(ref="osopennames:osgbTEST0002").search_key == "banbury road north"


def test_data_files_without_a_header_line_take_the_header_file(county, tmp_path):
    header, data = tmp_path / "OS_Open_Names_Header.csv", tmp_path / "SP50.csv"
    header.write_text(HEADER)
    data.write_text(ROWS)
    assert "2 streets loaded" in _run("--header", str(header), str(data))
    data2 = tmp_path / "SP51.csv"
    data2.write_text(ROWS)
    with pytest.raises(CommandError, match="--header"):
        _run(str(data2))


def test_the_shipped_demo_streets_are_all_in_the_county_and_load_idempotently(county):
    first = _run("--demo")
    rows = services.DEMO_STREETS_CSV.read_text().count("\n") - 1
    assert f"{rows} streets loaded ({rows} new, 0 updated) from {rows} street rows; 0 outside the county" in first
    assert rows >= 60
    assert f"0 new, {rows} updated" in _run("--demo")
    assert Street.objects.count() == rows
    assert [str(s) for s in streets_matching("hart st")] == ["Hart Street, Henley-on-Thames"]
    assert Street.objects.filter(source="demo").count() == rows


@pytest.mark.parametrize(
    "row, message",
    [
        (_row("osgbBAD1", "<script>alert(1)</script>", "Named Road", 451300, 206300), "cannot contain markup"),
        (_row("osgbBAD2", "Broad Street", "Named Road", "east", 206300), "are not numbers"),
        (_row("osgbBAD3", "Broad Street", "Named Road", 451300, 9_999_999), "is not a British National Grid point"),
        (_row("osgbBAD4", "", "Named Road", 451300, 206300), "has no name"),
        (_row("osgbBAD5", "B" * 121, "Named Road", 451300, 206300), "longer than 120"),
        (_row("", "Broad Street", "Named Road", 451300, 206300), "the ID is missing"),
        ("osgbSHORT,x,Broad Street\n", "values where the header has"),
    ],
)
def test_a_bad_row_stops_the_load_and_nothing_is_written(county, tmp_path, row, message):
    path = tmp_path / "SP_bad.csv"
    path.write_text(HEADER + ROWS + row)
    with pytest.raises(CommandError, match=message):
        _run(str(path))
    assert not Street.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("pc,lat\nOX1,51\n", "not a header with OS Open Names columns"),
        (b"ID,NAME1\n\xff\xfe\x00bad", "not a .*UTF-8 CSV"),
    ],
)
def test_a_file_that_is_not_a_street_file_is_refused(county, tmp_path, content, message):
    path = tmp_path / "streets.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CommandError, match=message):
        _run(str(path))
    assert not Street.objects.exists()


def test_a_missing_file_or_no_file_is_a_clear_error(county, tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        _run(str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="--demo"):
        _run()


def test_without_boundaries_streets_cannot_be_placed(db):
    with pytest.raises(CommandError, match="load_boundaries"):
        _run("--demo")
