"""CSV import: a good file is stored whole; any bad row rejects the whole file with a row-by-row report."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from performance.imports import ImportRejected, check, values_import
from performance.models import Comparator, ComparatorGroup, ImportBatch, Period, Value

from .factories import MeasureFactory, PeriodFactory

HEADER = "measure_code,period,area_type,area_code,value,base\n"


@pytest.fixture
def measure(db):
    return MeasureFactory(code="adult-social-care-reviews", unit="percent", source="imported")


@pytest.fixture
def group(db):
    g = ComparatorGroup.objects.create(name="CIPFA nearest neighbours", slug="cipfa-2025", as_of=dt.date(2025, 4, 1))
    Comparator.objects.create(group=g, name="Buckinghamshire", code="E06000060")
    Comparator.objects.create(group=g, name="Gloucestershire", code="E10000013")
    return g


def run(text: str, user, group=None):
    return values_import(data=text.encode(), file_name="partner.csv", comparator_group=group, by=user)


def problems(text: str, user, group=None) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as exc:
        run(text, user, group)
    assert not Value.objects.exists() and not ImportBatch.objects.exists()  # nothing half-imported
    return [(p.row, p.message) for p in exc.value.report.problems]


def test_a_good_file_is_stored_whole(measure, group, analyst, division_a):
    report = run(HEADER
                 + "adult-social-care-reviews,2026-03,county,,81.5,400\n"
                 + f"adult-social-care-reviews,2026-03,division,{division_a.ons_code},79,20\n"
                 + f"adult-social-care-reviews,2026-03,division,{division_a.slug.upper()},79,20\n".replace(
                     "2026-03", "2026-02")
                 + "adult-social-care-reviews,2026-03,comparator,E06000060,\"1,084.25\",\n", analyst, group)
    assert report.stored == 4
    assert Value.objects.filter(source="imported").count() == 4
    assert Value.objects.get(area_type="comparator").value == D("1084.25")
    assert Value.objects.get(area_key="county", period__start=dt.date(2026, 3, 1)).base == 400
    assert set(Period.objects.values_list("start", flat=True)) == {dt.date(2026, 2, 1), dt.date(2026, 3, 1)}
    # importing again replaces, never duplicates
    run(HEADER + "adult-social-care-reviews,2026-03,county,,82,400\n", analyst, group)
    assert Value.objects.get(area_key="county", period__start=dt.date(2026, 3, 1)).value == D("82")
    assert Value.objects.count() == 4


def test_wrong_columns_are_rejected(measure, analyst):
    found = problems("measure,month,value\nx,2026-03,1\n", analyst)
    assert found[0][0] == 1
    assert "missing measure_code, period, area_type, area_code" in found[0][1]
    assert "unexpected measure, month" in found[0][1]


def test_every_bad_row_is_reported_by_row(measure, group, analyst, division_a):
    text = (HEADER
            + "adult-social-care-reviews,2026-03,county,,81.5,\n"  # row 2: fine
            + "adult-social-care-reviews,2026-03,county,,eighty,\n"  # row 3: non-numeric
            + "adult-social-care-reviews,2026-03,division,E99999999,70,\n"  # row 4: unknown division
            + "adult-social-care-reviews,2026-03,county,,82,\n"  # row 5: duplicate of row 2
            + "no-such-measure,2026-03,county,,1,\n"  # row 6
            + "adult-social-care-reviews,March 2026,county,,1,\n"  # row 7: bad period
            + "adult-social-care-reviews,2026-13,county,,1,\n"  # row 8
            + "adult-social-care-reviews,2026-03,parish,X,1,\n"  # row 9
            + "adult-social-care-reviews,2026-03,comparator,E00000000,1,\n"  # row 10
            + "adult-social-care-reviews,2026-02,county,,1,-3\n"  # row 11: negative base
            + "adult-social-care-reviews,2026-02,county,,NaN,\n"  # row 12
            + "adult-social-care-reviews,2099-01,county,,1,\n")  # row 13: future
    found = problems(text, analyst, group)
    rows = {row for row, _ in found}
    assert rows == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    messages = dict(found)
    assert messages[3] == "Value 'eighty' is not a number"
    assert messages[4] == "Unknown division code 'E99999999'"
    assert messages[5] == "Duplicate: row 2 already has adult-social-care-reviews for 2026-03 in this area"
    assert messages[6] == "Unknown measure code 'no-such-measure'"
    assert "must be a month like 2026-04" in messages[7]
    assert messages[9] == "Area type must be county, division or comparator"
    assert "is not a council in CIPFA nearest neighbours (2025)" in messages[10]
    assert "whole number" in messages[11]
    assert "future" in messages[13]


def test_locked_periods_and_non_imported_measures_are_refused(measure, analyst):
    PeriodFactory(start=dt.date(2026, 3, 1), status="closed")
    MeasureFactory(code="computed-x", source="computed")
    found = problems(HEADER + "adult-social-care-reviews,2026-03,county,,1,\ncomputed-x,2026-02,county,,1,\n", analyst)
    assert found == [(2, "Period 2026-03 is closed: its figures are locked"),
                     (3, "computed-x is not an imported measure (its figures are computed from the platform's data)")]


def test_comparator_rows_need_a_group(measure, analyst):
    found = problems(HEADER + "adult-social-care-reviews,2026-03,comparator,E06000060,1,\n", analyst)
    assert found == [(2, "Choose the comparator group before importing comparator rows")]


@pytest.mark.parametrize("data,message", [
    (b"", "The file is empty"),
    (b"\xff\xfe\x00bad", "The file must be a CSV saved as UTF-8"),
    (HEADER.encode(), "The file has a header but no rows"),
    (HEADER.encode() + b"x,2026-01,county,,1,\n" * 20_001, "The file must have 20,000 rows or fewer"),
    (b"a" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2MB"),
    (b"measure_code,period,area_type,area_code,value,value\nx,1,2,3,4,5\n", None),
])
def test_unreadable_or_oversized_files(measure, data, message):
    rows, report = check(data)
    assert rows == [] and not report.ok
    if message:
        assert report.problems[0].message == message


def test_hostile_text_is_reported_not_executed(measure, analyst):
    found = problems(HEADER + "<script>alert(1)</script>,=cmd|' /C calc'!A0,county,,1,\n", analyst)
    assert any("Unknown measure code '<script>" in m for _, m in found)


def test_only_analysts_import(measure, officer_in_team):
    with pytest.raises(PermissionDenied):
        run(HEADER + "adult-social-care-reviews,2026-03,county,,1,\n", officer_in_team)
