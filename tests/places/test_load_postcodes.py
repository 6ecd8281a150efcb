"""load_postcodes: the shipped table, an ONSPD-shaped file, and bad rows."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from oxtom.places.models import PostcodeCentroid
from oxtom.places.selectors import locate_postcode


def test_the_shipped_table_loads_and_reloading_it_changes_nothing(db, capsys):
    call_command("load_postcodes")
    first = capsys.readouterr().out
    call_command("load_postcodes")
    assert capsys.readouterr().out == first
    assert PostcodeCentroid.objects.filter(kind="district", postcode__startswith="OX").count() >= 26
    assert PostcodeCentroid.objects.get(postcode="OX14 4SB").kind == "unit"
    assert PostcodeCentroid.objects.get(postcode="SN7").post_town == "Faringdon"


def test_an_onspd_shaped_file_loads_through_the_same_command(db, tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text(
        "pcd,pcds,lat,long,oscty\n"
        "OX1 1AA,OX1 1AA,51.750000,-1.260000,E10000025\n"
        "OX1 9ZZ,OX1 9ZZ,99.999999,0.000000,E10000025\n"  # ONSPD's mark for an unlocated postcode
    )
    call_command("load_postcodes", str(path), "--postcode-column", "pcds", "--latitude-column", "lat",
                 "--longitude-column", "long", "--source", "ONSPD test", stdout=open("/dev/null", "w"))
    assert locate_postcode("OX1 1AA") == (51.75, -1.26)
    assert not PostcodeCentroid.objects.filter(postcode="OX1 9ZZ").exists()
    assert PostcodeCentroid.objects.get(postcode="OX1 1AA").source == "ONSPD test"


@pytest.mark.parametrize(
    "row, message",
    [
        ("NOTAPOSTCODE,51.7,-1.2,1", "is not a postcode, sector or district"),
        ("OX1 1AA,north,-1.2,1", "are not numbers"),
        ("OX1 1AA,40.0,-1.2,1", "is not in Great Britain"),
        ("<script>,51.7,-1.2,1", "is not a postcode"),
    ],
)
def test_a_bad_row_stops_the_load_and_nothing_is_written(db, tmp_path, row, message):
    path = tmp_path / "postcodes.csv"
    path.write_text("postcode,latitude,longitude,weight\nOX2 6AA,51.76,-1.27,1\n" + row + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("load_postcodes", str(path))
    assert not PostcodeCentroid.objects.exists()


def test_a_file_without_the_named_columns_is_refused(db, tmp_path):
    path = tmp_path / "postcodes.csv"
    path.write_text("pc,lat\nOX1 1AA,51.7\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("load_postcodes", str(path))
