"""The clock policy per service: how a case's due date is worked out and moved.

A service says (oxtom/cases/models.py Service and ServiceStage):
- which calendar counts working days: England and Wales bank holidays for service targets, bank
  holidays in any UK nation for FOI (oxtom/core/calendar.py);
- what waiting for the customer does: nothing (the clock runs), pause it (the due date moves on by
  the working days we waited), or restart it (FOI clarification: the full target again from the day
  the customer answered);
- how many extensions an officer may give, each with a reason and a new due date, up to a limit;
- stages with their own targets (complaints: acknowledge, stage 1, stage 2), each counted from the
  day the stage started.

Pure functions over a case's fields (no queries beyond the service and its stages the caller already
holds), shared by the services that set due dates and the selectors that classify them. A service
that sets none of this keeps the behaviour it always had: England and Wales days, paused while we
wait, no extensions, one target per priority from receipt.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from oxtom.core.calendar import Calendar, add_working_days, working_days_between

PAUSE, RESTART, RUN = "pause", "restart", "run"


@dataclass(frozen=True)
class ClockPolicy:
    calendar: Calendar
    on_customer_wait: str  # PAUSE, RESTART or RUN
    max_extensions: int
    max_extension_working_days: int

    @property
    def stops_for_customer(self) -> bool:
        return self.on_customer_wait != RUN


def policy_for(service: Any) -> ClockPolicy:
    if getattr(service, "clock_restarts_for_customer", False):
        wait = RESTART
    elif service.clock_pauses_for_customer:
        wait = PAUSE
    else:
        wait = RUN
    return ClockPolicy(
        calendar=Calendar(getattr(service, "calendar", "") or Calendar.ENGLAND_AND_WALES.value),
        on_customer_wait=wait,
        max_extensions=int(getattr(service, "max_extensions", 0) or 0),
        max_extension_working_days=int(getattr(service, "max_extension_working_days", 20) or 20),
    )


def calendar_for(service: Any) -> Calendar:
    return policy_for(service).calendar


def _local_date(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def target_days(case: Any, *, service: Any = None, priority: int | None = None) -> int:
    """Working days the current target allows: the stage's, or the service's SLA for the priority."""
    service = service or case.service
    stage = getattr(case, "stage", None) if getattr(case, "stage_id", None) else None
    if stage is not None and stage.service_id == service.pk:
        return stage.working_days
    return service.sla_days(case.priority if priority is None else priority)


def clock_start(case: Any) -> dt.date:
    return case.clock_started_on or _local_date(case.received_at)


def due_for(case: Any, *, service: Any = None, priority: int | None = None) -> dt.date:
    """The due date from the case's clock state under its service's policy.

    Target working days from the day the clock started (receipt, the stage's start or the restart),
    plus the working days it was paused and the working days extensions added.
    """
    service = service or case.service
    days = target_days(case, service=service, priority=priority)
    return add_working_days(clock_start(case), days + case.paused_working_days + case.extension_working_days,
                            calendar_for(service))


def first_due(*, service: Any, priority: int, received_on: dt.date, stage: Any = None) -> dt.date:
    days = stage.working_days if stage is not None else service.sla_days(priority)
    return add_working_days(received_on, days, calendar_for(service))


def paused_days(service: Any, *, paused_on: dt.date, resumed_on: dt.date) -> int:
    """Working days the clock stood still (after the pause day, up to and including the restart day)."""
    return max(0, working_days_between(paused_on, resumed_on, calendar_for(service)))


def extension_days(service: Any, *, from_due: dt.date, to_due: dt.date) -> int:
    """Working days an extension from `from_due` to `to_due` adds, in the service's calendar."""
    return working_days_between(from_due, to_due, calendar_for(service))


DUE_SOON_WORKING_DAYS = 2


def due_soon_limit(on: dt.date, calendar: Calendar = Calendar.ENGLAND_AND_WALES) -> dt.date:
    return add_working_days(on, DUE_SOON_WORKING_DAYS, calendar)
