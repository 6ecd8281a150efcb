"""The status machine and the SLA clock as pure functions."""
from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from django.core.exceptions import ValidationError

from oxtom.cases import rules
from oxtom.cases.models import Status

ALL = list(Status.values)
EXPECTED_ALLOWED = {
    ("new", "accepted"), ("new", "in_progress"), ("new", "closed"),
    ("accepted", "new"), ("accepted", "in_progress"), ("accepted", "awaiting_customer"),
    ("accepted", "decided"), ("accepted", "closed"),
    ("in_progress", "new"), ("in_progress", "awaiting_customer"), ("in_progress", "decided"), ("in_progress", "closed"),
    ("awaiting_customer", "in_progress"), ("awaiting_customer", "closed"),
    ("decided", "closed"),
    ("closed", "accepted"), ("closed", "in_progress"),
}


@pytest.mark.parametrize("current,target", list(product(ALL, ALL)))
def test_every_pair_of_statuses_is_allowed_or_refused_with_a_message(current, target):
    if (current, target) in EXPECTED_ALLOWED:
        assert rules.can_transition(current, target)
        rules.check_transition(current, target)
    else:
        assert not rules.can_transition(current, target)
        with pytest.raises(ValidationError) as exc:
            rules.check_transition(current, target)
        message = exc.value.messages[0]
        assert message and message[0].isupper() and "_" not in message


def test_closing_a_closed_case_says_so():
    with pytest.raises(ValidationError, match="already closed"):
        rules.check_transition("closed", "closed")


# --- clock ---------------------------------------------------------------------------


def test_due_date_skips_weekend():
    friday = dt.date(2026, 3, 13)
    assert rules.due_date(received_on=friday, sla_working_days=1) == dt.date(2026, 3, 16)


def test_due_date_skips_easter_bank_holidays():
    # Good Friday 3 April 2026 and Easter Monday 6 April 2026 are bank holidays in England & Wales.
    thursday = dt.date(2026, 4, 2)
    assert rules.due_date(received_on=thursday, sla_working_days=1) == dt.date(2026, 4, 7)


def test_due_date_skips_christmas_and_substitute_boxing_day():
    # 2026: Christmas Friday 25th, Boxing Day Saturday -> substitute Monday 28th.
    assert rules.due_date(received_on=dt.date(2026, 12, 24), sla_working_days=1) == dt.date(2026, 12, 29)


def test_due_date_counts_scottish_only_holidays_as_working_days():
    # 2 January is a bank holiday in Scotland only: a working day for England & Wales SLAs.
    assert rules.due_date(received_on=dt.date(2026, 1, 1), sla_working_days=1) == dt.date(2026, 1, 2)


def test_paused_days_move_the_due_date_on():
    received = dt.date(2026, 3, 2)  # Monday
    assert rules.due_date(received_on=received, sla_working_days=5) == dt.date(2026, 3, 9)
    assert rules.due_date(received_on=received, sla_working_days=5, paused_working_days=3) == dt.date(2026, 3, 12)


def test_pause_asked_and_answered_same_day_costs_nothing():
    day = dt.date(2026, 3, 4)
    assert rules.paused_days(paused_on=day, resumed_on=day) == 0


def test_pause_over_a_bank_holiday_counts_only_working_days():
    # Paused Thursday 2 April, answered Tuesday 7 April 2026: Good Friday and Easter Monday don't count.
    assert rules.paused_days(paused_on=dt.date(2026, 4, 2), resumed_on=dt.date(2026, 4, 7)) == 1


def test_sla_state_boundaries():
    monday = dt.date(2026, 3, 2)
    state = lambda due, paused=None, status="in_progress": rules.sla_state(  # noqa: E731
        status=status, due_at=due, paused_on=paused, on=monday
    )
    assert state(dt.date(2026, 2, 27)) == rules.SlaState.OVERDUE
    assert state(monday) == rules.SlaState.DUE_SOON
    assert state(dt.date(2026, 3, 4)) == rules.SlaState.DUE_SOON  # two working days ahead
    assert state(dt.date(2026, 3, 5)) == rules.SlaState.ON_TRACK
    assert state(dt.date(2026, 2, 27), paused=monday) == rules.SlaState.PAUSED
    assert state(dt.date(2026, 2, 27), status="closed") == rules.SlaState.CLOSED
