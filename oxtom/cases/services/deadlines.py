"""The clock policy's steps an officer takes: extend the due date, move a case to its next stage."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from oxtom.core.audit import audit_record
from oxtom.core.calendar import add_working_days, is_working_day

from .. import clock, rules
from ..models import Case, ServiceStage, Status
from ._common import Kind, Visibility, _clean_text, _event, _lock, _notify_customer, _require_worker, _save, _timeline


def extension_refusal(case: Case) -> str:
    """Why this case cannot be extended now, or "" when it can (the page offers the step only then)."""
    policy = clock.policy_for(case.service)
    if policy.max_extensions <= 0:
        return "This service does not allow extensions"
    if case.status == Status.CLOSED:
        return "This case is closed: reopen it first"
    if case.extensions_used >= policy.max_extensions:
        return (f"This case has already been extended {case.extensions_used} "
                f"time{'s' if case.extensions_used != 1 else ''}, the most this service allows")
    return ""


@transaction.atomic
def case_extend(*, case: Case, new_due: dt.date, reason: str, expected_version: int, by: Any) -> Case:
    """Extend the due date to `new_due`, with a reason, as far as the service's policy permits.

    The extension is kept as working days (so a later priority change or pause keeps it), put on the
    timeline for the customer (they are entitled to know the new date and why) and audited.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    refusal = extension_refusal(case)
    if refusal:
        raise ValidationError(refusal, code="invalid_transition")
    reason = _clean_text(reason, required_message="Enter why the case needs more time", field="reason")
    if new_due is None:
        raise ValidationError({"new_due": "Enter the new due date"})
    policy = clock.policy_for(case.service)
    if new_due <= case.due_at:
        raise ValidationError({"new_due": f"The new due date must be after {case.due_at:%-d %B %Y}"})
    if not is_working_day(new_due, policy.calendar):
        raise ValidationError({"new_due": "The new due date must be a working day, not a weekend or bank holiday"})
    added = clock.extension_days(case.service, from_due=case.due_at, to_due=new_due)
    if added > policy.max_extension_working_days:
        latest = add_working_days(case.due_at, policy.max_extension_working_days, policy.calendar)
        raise ValidationError({"new_due": f"An extension can add up to {policy.max_extension_working_days} "
                                          f"working days: the latest date is {latest:%-d %B %Y}"})
    previous_due = case.due_at
    case.extension_working_days += added
    case.extensions_used += 1
    case.due_at = new_due  # what due_for(case) gives too, as the extension is kept in working days
    case.escalated_for = None
    _save(case, ["extension_working_days", "extensions_used", "due_at", "escalated_for"], by)
    event = _event(case, Kind.EXTENDED, by, visibility=Visibility.CUSTOMER,
                   text=f"Now due by {case.due_at:%-d %B %Y}: {reason}",
                   previous_due=previous_due.isoformat(), due=case.due_at.isoformat(), working_days_added=added,
                   reason=reason)
    _timeline(case, kind="case.extended", summary=f"Case {case.reference} now due by {case.due_at:%-d %B %Y}", by=by)
    _notify_customer(case, event, by=by, always=True,
                     message=f"We need more time: we now expect to reply by {case.due_at:%-d %B %Y}. {reason}")
    audit_record(by=by, action="update", target=case, summary="Due date extended", reason=reason,
                 previous_due=previous_due.isoformat(), due=case.due_at.isoformat(), working_days_added=added)
    return case


def next_stage(case: Case) -> ServiceStage | None:
    """The stage after the case's current one (None at the last stage, or for a service without stages)."""
    if case.stage_id is None:
        return None
    return (ServiceStage.objects.filter(service_id=case.service_id, position__gt=case.stage.position)
            .order_by("position").first())


@transaction.atomic
def case_next_stage(*, case: Case, note: str = "", expected_version: int, by: Any) -> Case:
    """Move the case to its service's next stage; that stage's target runs from today."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    following = next_stage(case)
    if following is None:
        raise ValidationError("This case is at its last stage", code="invalid_transition")
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": "The note must be 2,000 characters or fewer"})
    previous = case.stage
    case.stage = following
    case.clock_started_on, case.paused_working_days, case.extension_working_days = rules.today(), 0, 0
    case.due_at = clock.due_for(case)
    case.escalated_for = None
    _save(case, ["stage", "clock_started_on", "paused_working_days", "extension_working_days", "due_at",
                 "escalated_for"], by)
    event = _event(case, Kind.STAGE_CHANGED, by, visibility=Visibility.CUSTOMER,
                   text=f"{previous.name} done; {following.name} due by {case.due_at:%-d %B %Y}"
                        + (f". {note}" if note else ""),
                   from_stage=previous.pk, to_stage=following.pk, due=case.due_at.isoformat())
    _timeline(case, kind="case.stage_changed", summary=f"Case {case.reference}: {following.name}", by=by)
    _notify_customer(case, event, by=by,
                     message=f"Your case has moved to: {following.name}. We expect to reply by "
                             f"{case.due_at:%-d %B %Y}.")
    audit_record(by=by, action="update", target=case, summary=f"Moved to stage {following.name}",
                 from_stage=previous.pk, to_stage=following.pk)
    return case
