"""Moving a case's dates back, for demo seeding only: history made today, dated as if it happened then.

A demo's year of street reports is made through the real services today;
this moves one case and its timeline back so the queues, the SLA states
and the division figures read as a year's work. Nothing else may rewrite
a case's dates (the engine's writes all go forward from now).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from ..models import Case, CaseEvent


@transaction.atomic
def case_backdate(*, case: Case, received_at: dt.datetime, due_at: dt.date, closed_at: dt.datetime | None,
                  decided_at: dt.datetime | None, expected_date: dt.date | None,
                  events_at: dt.datetime) -> None:
    """Set a demo case's dates (every timeline event to `events_at`); not for real cases: no audit, no version."""
    Case.objects.filter(pk=case.pk).update(received_at=received_at, due_at=due_at, closed_at=closed_at,
                                           decided_at=decided_at, expected_date=expected_date)
    CaseEvent.objects.filter(case_id=case.pk).update(occurred_at=events_at)
