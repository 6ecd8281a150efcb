"""Working a case: accept, start, assign, prioritise, ask the customer, notes and updates, reopen, link, move."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Customer, Interaction

from .. import clock, owners, rules
from ..models import Case, CaseEvent, Outcome, Priority, Service, Status
from ._common import Kind, MAX_TEXT, Visibility, _alert_staff, _clean_text, _event, _lock, _move, _notify_councillor, _notify_customer, _require_worker, _save, _status_event, _timeline, account_case_url, can_take_cases
from .screening import in_intake


@transaction.atomic
def case_accept(*, case: Case, expected_version: int, by: Any) -> Case:
    """The team confirms the case is theirs and valid; it waits in the queue for an officer."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if in_intake(case):
        raise ValidationError("Screen this case first: route it to the team that will work it",
                              code="invalid_transition")
    previous = _move(case, Status.ACCEPTED)
    _save(case, ["status"], by)
    _status_event(case, previous, by, customer_message="We have accepted your request and will work on it.")
    audit_record(by=by, action="update", target=case, summary="Case accepted")
    return case


@transaction.atomic
def case_start_work(*, case: Case, note: str = "", expected_version: int, by: Any) -> Case:
    """Work has started without a named officer taking the case (e.g. a contractor's crew is on site).

    Street reports use it for "in progress"; assigning an officer does the
    same move as a side effect.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if in_intake(case):
        raise ValidationError("Screen this case first: route it to the team that will work it",
                              code="invalid_transition")
    if case.status == Status.IN_PROGRESS:
        raise ValidationError("Work on this case has already started", code="invalid_transition")
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    previous = _move(case, Status.IN_PROGRESS)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"Must be {MAX_TEXT:,} characters or fewer"})
    _save(case, ["status"], by)
    _status_event(case, previous, by, text=note, customer_message="Work on your request has started.")
    audit_record(by=by, action="update", target=case, summary="Work started")
    return case


@transaction.atomic
def case_assign(*, case: Case, assignee: Any, expected_version: int, by: Any) -> Case:
    """Give the case to an officer of its team (or take it back with assignee=None).

    Officers may take a case themselves; giving it to someone else, or taking
    it off someone, needs the team leader's CASE_ASSIGN permission. Taking on
    a new or accepted case starts work on it.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    is_self = assignee is not None and getattr(by, "pk", None) == assignee.pk
    if not is_self and not by.has_team_permission(Permission.CASE_ASSIGN, case.team_id):
        raise PermissionDenied("Only a team leader can give a case to someone else")
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    if assignee is not None:
        if not can_take_cases(assignee, case.team_id):
            raise ValidationError({"assignee": f"Choose an officer in {case.team.name}"})
        if assignee.pk == case.assignee_id:
            raise ValidationError({"assignee": "This case is already assigned to that officer"})
    elif case.assignee_id is None:
        raise ValidationError({"assignee": "This case is not assigned to anyone"})
    previous_assignee = case.assignee
    case.assignee = assignee
    fields = ["assignee"]
    previous_status = case.status
    if assignee is not None and case.status in (Status.NEW, Status.ACCEPTED):
        _move(case, Status.IN_PROGRESS)
        fields.append("status")
    _save(case, fields, by)
    _event(case, Kind.ASSIGNED, by,
           text=f"Assigned to {assignee}" if assignee else f"Taken off {previous_assignee}",
           assignee=getattr(assignee, "pk", None), previous=getattr(previous_assignee, "pk", None))
    if case.status != previous_status:
        _status_event(case, previous_status, by, customer_message="An officer is now working on your request.")
    audit_record(by=by, action="update", target=case, summary="Case assigned",
                 assignee=getattr(assignee, "pk", None), previous=getattr(previous_assignee, "pk", None))
    return case


@transaction.atomic
def case_change_priority(*, case: Case, priority: int, reason: str, expected_version: int, by: Any) -> Case:
    """Re-prioritise; the due date is recomputed from receipt with the new priority's SLA (pauses kept)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = 0
    if priority not in Priority.values:
        raise ValidationError({"priority": "Choose a priority from urgent to low"})
    if priority == case.priority:
        raise ValidationError({"priority": "The case already has this priority"})
    if case.safeguarding and priority != Priority.URGENT:
        raise ValidationError({"priority": "Safeguarding cases must stay urgent"})
    reason = _clean_text(reason, required_message="Enter why the priority is changing", field="reason")
    previous, previous_due = case.priority, case.due_at
    case.priority = priority
    case.due_at = clock.due_for(case, priority=priority)
    _save(case, ["priority", "due_at"], by)
    _event(case, Kind.PRIORITY_CHANGED, by, text=reason, previous=previous, priority=priority,
           previous_due=previous_due.isoformat(), due=case.due_at.isoformat())
    audit_record(by=by, action="update", target=case, summary="Case priority changed",
                 previous=previous, priority=priority)
    return case


MAX_EXPECTED_DAYS_AHEAD = 366


@transaction.atomic
def case_set_expected_date(*, case: Case, expected_date: dt.date, expected_version: int, by: Any) -> Case:
    """Record the date we tell the customer to expect the work done (separate from the SLA due date)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    today = rules.today()
    if expected_date is None:
        raise ValidationError({"expected_date": "Enter the date the customer can expect this done"})
    if expected_date < today:
        raise ValidationError({"expected_date": "The expected date must be today or in the future"})
    if expected_date > today + dt.timedelta(days=MAX_EXPECTED_DAYS_AHEAD):
        raise ValidationError({"expected_date": "The expected date must be within the next year"})
    case.expected_date = expected_date
    _save(case, ["expected_date"], by)
    event = _event(case, Kind.EXPECTED_DATE_SET, by, visibility=Visibility.PUBLIC,
                   text=f"Expected by {expected_date:%-d %B %Y}", expected_date=expected_date.isoformat())
    _timeline(case, kind="case.expected_date", summary=f"Case {case.reference} expected by {expected_date:%-d %B %Y}", by=by)
    _notify_customer(case, event, message=f"We expect to have this done by {expected_date:%-d %B %Y}.", by=by)
    audit_record(by=by, action="update", target=case, summary="Expected date set")
    return case


@transaction.atomic
def case_request_information(*, case: Case, request_text: str, expected_version: int, by: Any) -> Case:
    """Ask the customer for something we need. The SLA clock stops if the service allows it."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.AWAITING_CUSTOMER)
    request_text = _clean_text(request_text, required_message="Enter what you need from the customer", field="request_text")
    fields = ["status"]
    if clock.policy_for(case.service).stops_for_customer:
        case.paused_on = rules.today()
        fields.append("paused_on")
    _save(case, fields, by)
    # The question is between us and the customer: never on a public page or in Open311, and sent
    # even where the service's owner sends its own status messages (street reports).
    _status_event(case, previous, by, text=request_text, clock_paused=case.paused_on is not None,
                  visibility=Visibility.CUSTOMER, notify_always=True,
                  customer_message=f"We need more information from you: {request_text} "
                                   f"Reply at {account_case_url(case)} or contact us quoting your reference.")
    audit_record(by=by, action="update", target=case, summary="Information requested from the customer")
    return case


@transaction.atomic
def case_information_received(*, case: Case, details: str, expected_version: int, by: Any) -> Case:
    """The customer replied: work restarts and the due date moves on by the working days paused."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.IN_PROGRESS)
    details = _clean_text(details, required_message="Enter what the customer sent", field="details")
    added, fields = _resume_clock(case)
    _save(case, ["status", *fields], by)
    _status_event(case, previous, by, text=details, visibility=Visibility.STAFF, notify=False,
                  paused_working_days_added=added, due=case.due_at.isoformat())
    _timeline(case, kind="case.information_received", summary=f"Sent information for case {case.reference}",
              by=by, direction=Interaction.Direction.INBOUND)
    audit_record(by=by, action="update", target=case, summary="Information received from the customer",
                 paused_working_days_added=added)
    return case


def _resume_clock(case: Case) -> tuple[int, list[str]]:
    """Restart a paused SLA clock: the due date moves on by the working days it stood still.

    Returns (working days added, fields changed) for the caller's save.
    """
    if case.paused_on is None:
        return 0, []
    if clock.policy_for(case.service).on_customer_wait == clock.RESTART:
        # FOI clarification: the request is treated as received on the day the customer answered, so the
        # full target runs again from today (earlier pauses and extensions belonged to the old clock).
        case.clock_started_on, case.paused_working_days, case.extension_working_days = rules.today(), 0, 0
        case.due_at = clock.due_for(case)
        case.paused_on = None
        _event(case, Kind.CLOCK_RESTARTED, None, text=f"Clock restarted: now due {case.due_at:%-d %B %Y}",
               due=case.due_at.isoformat())
        return 0, ["clock_started_on", "paused_working_days", "extension_working_days", "due_at", "paused_on"]
    added = clock.paused_days(case.service, paused_on=case.paused_on, resumed_on=rules.today())
    case.paused_working_days += added
    case.due_at = clock.due_for(case)
    case.paused_on = None
    return added, ["paused_working_days", "due_at", "paused_on"]


def outstanding_request(case: Case) -> CaseEvent | None:
    """The request for information the customer has not answered yet (None when we are not waiting)."""
    if case.status != Status.AWAITING_CUSTOMER:
        return None
    return (case.events.filter(kind=Kind.STATUS_CHANGED, to_status=Status.AWAITING_CUSTOMER)
            .order_by("-occurred_at", "-id").first())


@transaction.atomic
def case_customer_reply(*, case: Case, customer: Customer, details: str, by: Any, channel: str = Channel.WEB,
                        on_behalf_of: bool = False) -> Case:
    """The customer answers our request for information from their account: work restarts.

    Only the case's own customer may reply (or an adviser acting for them,
    `on_behalf_of`, whose session the view has checked). No version is asked
    for: an officer changing the case meanwhile must not cost the customer
    their reply; the row lock and the status check are what matter. The clock
    restarts and the due date moves on by the working days we waited. The
    reply is staff-only on the timeline (councillors see public events), and
    the assigned officer is emailed that it arrived. `by=None` with
    channel=SMS is a text message the notify app matched to the customer's
    number (oxtom/cases/inbound.py).
    """
    if by is None and channel == Channel.SMS and not on_behalf_of:
        pass  # a text from the customer's own number, matched to their record by oxtom.notify
    elif not getattr(by, "is_authenticated", False):
        raise PermissionDenied("Sign in to reply")
    elif on_behalf_of:
        if not by.has_permission(Permission.ASSIST_ACT_FOR):
            raise PermissionDenied("You cannot reply for a customer")
    elif customer.user_id != by.pk:
        raise PermissionDenied("Only the customer can reply on their case")
    case = Case.objects.select_for_update().select_related("service").get(pk=case.pk)
    if case.customer_id != customer.pk:
        raise PermissionDenied("Only the customer can reply on their case")
    if case.status != Status.AWAITING_CUSTOMER:
        raise ValidationError("We are not waiting for anything from you on this case", code="invalid_transition")
    details = _clean_text(details, required_message="Enter your reply", field="details")
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose how the reply reached us"})
    previous = _move(case, Status.IN_PROGRESS)
    added, fields = _resume_clock(case)
    _save(case, ["status", *fields], by)
    reply = _event(case, Kind.CUSTOMER_REPLIED, by, text=details, channel=channel, on_behalf_of=on_behalf_of)
    _event(case, Kind.STATUS_CHANGED, by, text="Reply received", visibility=Visibility.CUSTOMER, from_status=previous,
           to_status=case.status, paused_working_days_added=added, due=case.due_at.isoformat())
    owners.status_changed(case, previous)
    _timeline(case, kind="case.customer_replied", summary=f"Replied to a request for information on {case.reference}",
              by=by, direction=Interaction.Direction.INBOUND, channel=channel)
    audit_record(by=by, action="update", target=case, summary="Customer replied to a request for information",
                 paused_working_days_added=added, on_behalf_of=on_behalf_of)
    if case.assignee_id:
        _notify_officer(case, reply)
    return case


def _notify_officer(case: Case, event: CaseEvent) -> None:
    """Email the assigned officer that the customer replied (no personal data in the message)."""
    officer = case.assignee
    if not (officer and officer.is_active and officer.email):
        return
    _alert_staff(case, event, to=officer.email, key=f"case:{case.pk}:event:{event.pk}:officer",
                 subject=f"Reply on case {case.reference}",
                 message=f"The customer has replied on case {case.reference} ({case.service.name}). "
                         "The case is back in progress.",
                 sent="Assigned officer emailed about the reply",
                 failed="The assigned officer could not be emailed about the reply")


@transaction.atomic
def case_add_note(*, case: Case, text: str, expected_version: int, by: Any) -> Case:
    """A private note for staff. The customer never sees it."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    text = _clean_text(text, required_message="Enter a note", field="text")
    # Append-only: checked against the version the officer saw, but not bumping
    # it, so a colleague's note never makes someone else's decision form stale.
    _event(case, Kind.NOTE, by, text=text)
    audit_record(by=by, action="update", target=case, summary="Private note added")
    return case


@transaction.atomic
def case_add_public_update(*, case: Case, text: str, expected_version: int, by: Any) -> Case:
    """An update the customer sees (and is sent, where the service says so)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    text = _clean_text(text, required_message="Enter the update for the customer", field="text")
    # Append-only, like notes: no version bump.
    event = _event(case, Kind.PUBLIC_UPDATE, by, text=text, visibility=Visibility.PUBLIC)
    _timeline(case, kind="case.update", summary=f"Update on case {case.reference}", by=by,
              direction=Interaction.Direction.OUTBOUND)
    _notify_customer(case, event, message=text, by=by)
    _notify_councillor(case, event, what="has an update")
    audit_record(by=by, action="update", target=case, summary="Public update added")
    return case


@transaction.atomic
def case_reopen(*, case: Case, reason: str, expected_version: int, by: Any) -> Case:
    """Reopen a closed case (the problem came back, or it was closed in error).

    The SLA starts again from today with the case's priority: the customer is
    owed a fresh response, and an old due date would make it overdue at once.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    return _reopen(case, reason, by)


@transaction.atomic
def case_reopen_by_customer(*, case: Case, reason: str, expected_version: int, by: Any) -> Case:
    """The customer says the problem is not fixed: they reopen their own closed case.

    Callers decide whether reopening is still allowed (e.g. street reports
    allow it for a set number of days after closure); this checks who is asking.
    """
    case = _lock(case, expected_version)
    if not getattr(by, "is_authenticated", False) or case.customer_id is None or case.customer.user_id != by.pk:
        raise PermissionDenied("Only the person who made the request can reopen it")
    if case.outcome == Outcome.DUPLICATE:
        raise ValidationError("This was a duplicate: follow the original report instead", code="invalid_transition")
    return _reopen(case, reason, by)


def _reopen(case: Case, reason: str, by: Any) -> Case:
    target = Status.IN_PROGRESS if case.assignee_id else Status.ACCEPTED
    if case.status != Status.CLOSED:
        raise ValidationError("Only a closed case can be reopened", code="invalid_transition")
    previous = _move(case, target)
    reason = _clean_text(reason, required_message="Enter why the case is being reopened", field="reason")
    previous_outcome = case.outcome
    case.outcome, case.closed_at, case.decision, case.decision_reasons, case.decided_at = "", None, "", "", None
    case.duplicate_of = None
    # A reopened case gets a fresh clock from today (the current stage's target, or the SLA).
    case.clock_started_on, case.paused_working_days, case.extension_working_days = rules.today(), 0, 0
    case.decided_by = None
    case.due_at = clock.due_for(case)
    case.escalated_for = None
    _save(case, ["status", "outcome", "closed_at", "decision", "decision_reasons", "decided_at", "decided_by",
                 "duplicate_of", "due_at", "escalated_for", "clock_started_on", "paused_working_days",
                 "extension_working_days"], by)
    _status_event(case, previous, by, text=reason, previous_outcome=previous_outcome,
                  customer_message="We have reopened your case.")
    audit_record(by=by, action="update", target=case, summary="Case reopened")
    return case


@transaction.atomic
def case_link_duplicate(*, case: Case, original: Case, expected_version: int, by: Any) -> Case:
    """Close `case` as a duplicate of `original` (which stays open and carries the work)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if original.pk == case.pk:
        raise ValidationError({"original": "A case cannot be a duplicate of itself"})
    if original.duplicate_of_id is not None:
        raise ValidationError({"original": f"{original.reference} is itself a duplicate: link to {original.duplicate_of.reference}"})
    previous = _move(case, Status.CLOSED)
    case.duplicate_of, case.outcome, case.closed_at, case.paused_on = original, Outcome.DUPLICATE, timezone.now(), None
    _save(case, ["duplicate_of", "status", "outcome", "closed_at", "paused_on"], by)
    _event(case, Kind.DUPLICATE_LINKED, by, text=f"Duplicate of {original.reference}", original=original.pk)
    _status_event(case, previous, by, text=f"Duplicate of {original.reference}", outcome=Outcome.DUPLICATE,
                  customer_message=f"This is the same as case {original.reference}, where the work is being done.")
    audit_record(by=by, action="update", target=case, summary=f"Linked as duplicate of {original.reference}")
    return case


@transaction.atomic
def case_recategorise(*, case: Case, service: Service, reason: str, expected_version: int, by: Any) -> Case:
    """Move a case to another service of the same kind (a "pothole" that is really a pavement defect).

    The due date is recomputed from receipt with the new service's SLA. If
    the new service belongs to another team the case goes to that team's
    queue as NEW and unassigned, as a referral would.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if case.status == Status.CLOSED:
        raise ValidationError("This case is closed: reopen it first", code="invalid_transition")
    if service.pk == case.service_id:
        raise ValidationError({"service": "The case is already of this type: choose another"})
    if not service.is_active or service.kind != case.service.kind:
        raise ValidationError({"service": "Choose an active service of the same kind"})
    reason = _clean_text(reason, required_message="Enter why the type is changing", field="reason")
    previous_service = case.service
    case.service = service
    if case.stage_id is not None:
        case.stage = None  # the old service's stage means nothing under the new one
    case.due_at = clock.due_for(case, service=service)
    fields = ["service", "due_at", "stage"]
    previous_team_id, previous_status = case.team_id, case.status
    if service.team_id != case.team_id:
        if case.status != Status.NEW:
            _move(case, Status.NEW)
        case.team_id, case.assignee = service.team_id, None
        fields += ["team", "assignee", "status"]
    _save(case, fields, by)
    _event(case, Kind.REFERRED if case.team_id != previous_team_id else Kind.NOTE, by,
           text=f"Changed from {previous_service.name} to {service.name}: {reason}",
           from_service=previous_service.pk, to_service=service.pk, from_team=previous_team_id,
           to_team=case.team_id, from_status=previous_status, to_status=case.status)
    audit_record(by=by, action="update", target=case,
                 summary=f"Re-categorised from {previous_service.code} to {service.code}",
                 from_service=previous_service.pk, to_service=service.pk)
    return case


@transaction.atomic
def case_refer(*, case: Case, team: Team, reason: str, expected_version: int, by: Any) -> Case:
    """Hand the case to another team. The answers go with it, so the customer is not asked again.

    The case goes back to NEW in the receiving team's queue, unassigned; its
    SLA due date does not restart (the customer has already waited).
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if team.pk == case.team_id:
        raise ValidationError({"team": "The case is already with this team: choose another"})
    reason = _clean_text(reason, required_message="Enter why the case is being referred", field="reason")
    previous_status = case.status
    if case.status != Status.NEW:
        _move(case, Status.NEW)
    previous_team = case.team
    case.team, case.assignee = team, None
    _save(case, ["team", "assignee", "status"], by)
    event = _event(case, Kind.REFERRED, by, text=reason, from_team=previous_team.pk, to_team=team.pk,
                   from_status=previous_status, to_status=case.status)
    _timeline(case, kind="case.referred", summary=f"Case {case.reference} passed to {team.name}", by=by)
    # The reason stays staff-only; the customer hears who has it and that nothing is needed again.
    _notify_customer(case, event, by=by, message=(
        f"We have passed your case to {team.name}, who will deal with it. They have everything you told us, "
        "so you do not need to send it again."))
    audit_record(by=by, action="update", target=case, summary=f"Referred from {previous_team.name} to {team.name}",
                 from_team=previous_team.pk, to_team=team.pk)
    return case
