"""oxtom.core.answers: every stored value becomes words, by the kind of question that asked it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from oxtom.core.answers import (
    NOT_GIVEN, Row, format_answer, generic_rows, humanise, long_date, long_datetime, number_text, readable, unit_for,
)


@pytest.mark.parametrize("value, kind, choices, unit, expected", [
    ("1990-08-17", "date", None, "", "17 August 1990"),
    (dt.date(2026, 1, 5), "date", None, "", "5 January 2026"),
    ("not a date", "date", None, "", "not a date"),
    ("yes", "yesno", None, "", "Yes"),
    ("no", "yesno", None, "", "No"),
    (True, "yesno", None, "", "Yes"),
    (False, "yesno", None, "", "No"),
    ("road", "singlevaluelist", {"road": "In the road"}, "", "In the road"),
    ("gone", "singlevaluelist", {"road": "In the road"}, "", "gone"),  # a choice since removed: as given
    (["pip", "none"], "multichoice", {"pip": "PIP", "none": "None of these"}, "", "PIP\nNone of these"),
    (["a", "b"], "multivaluelist", {"a": "A", "b": "B"}, "", "A\nB"),
    (60, "number", None, "mm", "60 mm"),
    ("1250", "number", None, "mm", "1,250 mm"),
    (2.5, "number", None, "metres", "2.5 metres"),
    (Decimal("3.10"), "number", None, "", "3.1"),
    ("about ten", "number", None, "mm", "about ten"),
    ("", "text", None, "", NOT_GIVEN),
    (None, "date", None, "", NOT_GIVEN),
    ([], "multichoice", {"a": "A"}, "", NOT_GIVEN),
    ("Deep hole", "string", None, "", "Deep hole"),
])
def test_format_answer(value, kind, choices, unit, expected):
    assert format_answer(value, kind=kind, choices=choices, unit=unit) == expected


def test_readable_never_shows_a_python_value():
    value = {"applying_for": "myself", "awards": ["none"], "nested": {"depth_mm": 60}, "on": True, "off": None}
    text = readable(value)
    for internal in ("{", "}", "[", "]", "'", "_", "None", "True"):
        assert internal not in text, text
    assert text.splitlines() == ["Applying for: myself", "Awards: none", "Nested: Depth (mm): 60", "On: Yes",
                                 f"Off: {NOT_GIVEN}"]
    assert readable("2026-03-01") == "1 March 2026"
    assert readable(12345) == "12,345"
    assert readable((1, 2)) == "1\n2"


def test_dates_and_times_in_gov_uk_style():
    assert long_date(dt.date(1990, 8, 17)) == "17 August 1990"
    assert long_datetime(dt.datetime(2026, 3, 1, 18, 18)) == "1 March 2026 at 6:18pm"
    assert long_datetime(dt.datetime(2026, 3, 1, 9, 0)) == "1 March 2026 at 9am"
    assert long_datetime(dt.datetime(2026, 3, 1, 0, 5)) == "1 March 2026 at 12:05am"
    assert readable("2026-03-01T12:30:00") == "1 March 2026 at 12:30pm"


def test_keys_in_words_and_units_from_codes():
    assert humanise("applying_for") == "Applying for"
    assert humanise("trip_height_mm") == "Trip height (mm)"
    assert humanise("Raised by") == "Raised by"
    assert unit_for("depth_mm") == "mm" and unit_for("width_m") == "metres"
    assert unit_for("depth_mm", "inches") == "inches" and unit_for("count") == ""
    assert number_text(True) == "Yes"  # a boolean is not a number


def test_generic_rows_use_labels_given_and_skip_what_is_asked():
    rows = generic_rows({"Enquiry": "Bins", "uprn": "1", "depth_mm": 4}, labels={"Enquiry": "Details"}, skip={"uprn"})
    assert rows == [Row("Details", "Bins"), Row("Depth (mm)", "4")]
    assert generic_rows(None) == []
