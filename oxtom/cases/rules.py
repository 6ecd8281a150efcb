"""Pure casework rules: which status may follow which, and the SLA clock.

No database access here, so every rule is tested directly and shared by
services (to refuse), selectors (to classify) and templates (to offer only
the actions that can work).
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from oxtom.core.calendar import Calendar, add_working_days, working_days_between

from .models import Status

S = Status

# What may follow what. Reading it as a sentence: a NEW case may be accepted,
# taken on (in progress) or closed (e.g. withdrawn or a duplicate); a closed
# case may only be reopened. Referral to another team puts a case back to NEW.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACCEPTED, S.IN_PROGRESS, S.CLOSED}),
    S.ACCEPTED: frozenset({S.NEW, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.DECIDED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.NEW, S.AWAITING_CUSTOMER, S.DECIDED, S.CLOSED}),
    S.AWAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.DECIDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.ACCEPTED, S.IN_PROGRESS}),
}

# Plain-English refusals for the transitions people most often try by mistake.
_REFUSALS: dict[tuple[str, str], str] = {
    (S.CLOSED, S.CLOSED): "This case is already closed",
    (S.NEW, S.DECIDED): "Accept this case before recording a decision",
    (S.NEW, S.AWAITING_CUSTOMER): "Accept this case before asking the customer for information",
    (S.AWAITING_CUSTOMER, S.DECIDED): "Record the customer's reply before making a decision",
    (S.AWAITING_CUSTOMER, S.NEW): "Record the customer's reply before referring this case",
    (S.DECIDED, S.DECIDED): "A decision has already been recorded on this case",
    (S.DECIDED, S.AWAITING_CUSTOMER): "A decision has been recorded: close the case or reopen it later",
    (S.AWAITING_CUSTOMER, S.AWAITING_CUSTOMER): "We are already waiting for the customer on this case",
    (S.ACCEPTED, S.ACCEPTED): "This case has already been accepted",
    (S.IN_PROGRESS, S.ACCEPTED): "This case has already been accepted",
    (S.DECIDED, S.NEW): "A decision has been recorded: this case can no longer be referred",
}


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    """Raise ValidationError with a message a person can act on when `current` → `target` is not allowed."""
    if can_transition(current, target):
        return
    message = _REFUSALS.get((current, target))
    if message is None:
        if current == S.CLOSED:
            message = "This case is closed: reopen it first"
        else:
            message = (
                f"A case that is {S(current).label.lower()} cannot be moved to "
                f"{S(target).label.lower()}"
            )
    raise ValidationError(message, code="invalid_transition")


# --- the SLA clock -------------------------------------------------------------------

def local_date(moment: dt.datetime) -> dt.date:
    """The Europe/London calendar date of an aware datetime (SLAs count local days)."""
    return timezone.localtime(moment).date()


def today() -> dt.date:
    return timezone.localdate()


def due_date(*, received_on: dt.date, sla_working_days: int, paused_working_days: int = 0) -> dt.date:
    """The SLA due date: `sla` working days after receipt, plus any working days the clock was paused.

    The day of receipt does not count, so a case received on a Friday with a
    one-day SLA is due on Monday (or Tuesday after a bank holiday Monday).
    """
    return add_working_days(received_on, sla_working_days + paused_working_days)


def paused_days(*, paused_on: dt.date, resumed_on: dt.date) -> int:
    """Working days the clock stood still: after the pause day up to and including the day it restarted.

    Asked and answered the same day costs nothing; asked on Monday, answered
    on Wednesday, gives back two working days.
    """
    return max(0, working_days_between(paused_on, resumed_on))


DUE_SOON_WORKING_DAYS = 2


class SlaState:
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"
    CLOSED = "closed"

    LABELS = {
        ON_TRACK: "On track",
        DUE_SOON: "Due soon",
        OVERDUE: "Overdue",
        PAUSED: "Waiting for the customer",
        CLOSED: "Closed",
    }
    FILTERABLE = (ON_TRACK, DUE_SOON, OVERDUE, PAUSED)


def due_soon_limit(on: dt.date, calendar: Calendar = Calendar.ENGLAND_AND_WALES) -> dt.date:
    """Cases due on or before this date (and not yet overdue) are 'due soon' (in the service's calendar)."""
    return add_working_days(on, DUE_SOON_WORKING_DAYS, calendar)


def sla_state(*, status: str, due_at: dt.date, paused_on: dt.date | None, on: dt.date | None = None,
              calendar: Calendar | str = Calendar.ENGLAND_AND_WALES) -> str:
    """Where a case stands against its SLA on date `on` (today by default), counting working days in
    `calendar` (the service's clock policy: oxtom/cases/clock.py)."""
    on = on or today()
    calendar = Calendar(calendar) if isinstance(calendar, str) else calendar
    if status == S.CLOSED:
        return SlaState.CLOSED
    if paused_on is not None:
        return SlaState.PAUSED
    if due_at < on:
        return SlaState.OVERDUE
    if due_at <= due_soon_limit(on, calendar):
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def case_sla_state(case, *, on: dt.date | None = None) -> str:
    """sla_state for a case under its service's calendar (the service is usually already loaded)."""
    return sla_state(status=case.status, due_at=case.due_at, paused_on=case.paused_on, on=on,
                     calendar=getattr(case.service, "calendar", "") or Calendar.ENGLAND_AND_WALES)
