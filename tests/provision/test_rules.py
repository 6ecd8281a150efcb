"""The provision cycle's rules: months, the runway, extensions, thresholds."""
from __future__ import annotations

import datetime as dt

import pytest

from provision import rules
from provision.rules import Runway

D = dt.date


@pytest.mark.parametrize("day, months, want", [
    (D(2026, 1, 31), 1, D(2026, 2, 28)), (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 3, 15), -12, D(2025, 3, 15)), (D(2026, 3, 31), -1, D(2026, 2, 28)), (D(2026, 5, 1), 0, D(2026, 5, 1)),
])
def test_add_months_keeps_the_day_or_the_months_last(day, months, want):
    assert rules.add_months(day, months) == want


@pytest.mark.parametrize("on, decided, state", [
    (D(2026, 12, 31), False, Runway.NOT_YET),
    (D(2027, 1, 1), False, Runway.ENTERED),
    (D(2027, 7, 2), False, Runway.ENTERED),
    (D(2027, 7, 3), False, Runway.HALFWAY),
    (D(2027, 10, 2), False, Runway.QUARTER_LEFT),
    (D(2028, 1, 1), False, Runway.QUARTER_LEFT),
    (D(2028, 1, 2), False, Runway.ENDED_UNDECIDED),
    (D(2028, 1, 2), True, Runway.ENDED),
])
def test_runway_milestones_for_a_12_month_runway(on, decided, state):
    result = rules.runway(end_date=D(2028, 1, 1), runway_months=12, decided=decided, on=on)
    assert result.state == state
    assert result.starts_on == D(2027, 1, 1)
    assert result.label == Runway.LABELS[state]


def test_runway_milestone_numbers_count_up_to_three():
    end = D(2028, 1, 1)
    seen = [rules.runway(end_date=end, runway_months=12, decided=False, on=on).milestone
            for on in (D(2026, 6, 1), D(2027, 2, 1), D(2027, 8, 1), D(2027, 12, 1), D(2028, 3, 1))]
    assert seen == [0, 1, 2, 3, 3]


def _check(**overrides):
    params = dict(end_date=D(2027, 3, 31), max_end_date=D(2029, 3, 31), options_left=2, extension_months=12,
                  current_value_pence=1_000_000_00, new_value_pence=1_100_000_00, max_value_change_percent=20,
                  ended_on=D(2026, 12, 1))
    return rules.extension_check(**{**params, **overrides})


def test_an_extension_within_options_date_and_value_is_permitted():
    check = _check()
    assert check.permitted and check.new_end_date == D(2028, 3, 31) and check.reasons == ()


@pytest.mark.parametrize("overrides, reason", [
    ({"options_left": 0}, "no extension options left"),
    ({"max_end_date": D(2028, 1, 1)}, "maximum end date"),
    ({"new_value_pence": 1_300_000_00}, "more than the 20%"),
    ({"new_value_pence": 900_000_00}, "cannot lower"),
    ({"ended_on": D(2027, 4, 1)}, "already ended"),
    ({"extension_months": 0}, "no extension options left"),
])
def test_an_extension_is_refused_with_the_reason(overrides, reason):
    check = _check(**overrides)
    assert not check.permitted
    assert any(reason in r for r in check.reasons), check.reasons
    assert check.new_end_date is None


@pytest.mark.parametrize("total, label", [
    (4_999_99, ""), (5_000_00, ""), (5_000_01, "Quotation threshold (£5,000)"),
    (100_000_01, "Tender threshold (£100,000)"), (300_000_00, "Procurement Act threshold (£214,904)"),
])
def test_thresholds(total, label):
    assert rules.threshold_crossed(total) == label
