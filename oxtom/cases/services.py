"""Writes to cases: create, work, decide, close, and claim the next case.

Every service is keyword-only, atomic, and takes the acting user as `by=`.
Each records the audit event, the case timeline event and (for what the
customer would recognise) an entry on the customer's timeline itself.

Optimistic locking: every change to an existing case takes the version the
person saw (`expected_version`). The row is re-read under a lock and the
write is a conditional UPDATE on that version, so a second officer working
from a stale page is told instead of silently overwriting the first.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Customer, Interaction
from oxtom.customers.services import interaction_record

from . import owners, rules
from .models import Case, CaseEvent, Decision, Outcome, Priority, QaCheck, Service, Status

logger = logging.getLogger(__name__)

MAX_TEXT = 5000  # notes, updates, reasons: long enough for a real explanation, short enough to read
MAX_ANSWERS_CHARS = 50_000
_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes, readable over the phone
Kind = CaseEvent.Kind


class StaleCaseError(ValidationError):
    """Someone changed the case after this person loaded it. Nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this case while you were working on it. "
            "Your change has not been saved: check the latest details and try again.",
            code="stale",
        )


# --- helpers -----------------------------------------------------------------------------

def _actor(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("administrator")


def is_team_member(user: Any, team_id: int) -> bool:
    return TeamMembership.objects.filter(user=user, team_id=team_id).exists()


def can_work_case(user: Any, case: Case) -> bool:
    """Officers work their own teams' cases; administrators any case."""
    if not getattr(user, "is_authenticated", False) or not user.has_permission(Permission.CASE_WORK):
        return False
    return _is_admin(user) or is_team_member(user, case.team_id)


def can_take_cases(user: Any, team_id: int) -> bool:
    """Whether `user` may be given `team_id`'s cases: an active officer of the team, or an administrator.

    The same people who may work the team's cases (can_work_case), so a step that
    assigns the person acting (taking a case, deciding an unassigned one) never
    refuses someone the page let act.
    """
    return (bool(getattr(user, "is_active", False)) and user.has_permission(Permission.CASE_WORK)
            and (_is_admin(user) or is_team_member(user, team_id)))


def _require_worker(case: Case, by: Any) -> None:
    if not can_work_case(by, case):
        raise PermissionDenied("You cannot work on this case")


def _clean_text(value: str | None, *, required_message: str, field: str, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: required_message})
    if len(text) > max_length:
        raise ValidationError({field: f"Must be {max_length:,} characters or fewer"})
    return text


def new_case_reference(service: Service, when: dt.date) -> str:
    """A short reference people can read over the phone, e.g. HW-2026-7KXM3Q."""
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"{service.reference_prefix}-{when.year}-{body}"


def _unique_reference(service: Service, when: dt.date) -> str:
    while True:
        reference = new_case_reference(service, when)
        if not Case.objects.filter(reference=reference).exists():
            return reference


def _lock(case: Case, expected_version: int) -> Case:
    """Re-read the case under a row lock and refuse if it moved since the person saw it."""
    try:
        fresh = Case.objects.select_for_update().get(pk=case.pk)
    except Case.DoesNotExist:
        raise StaleCaseError() from None
    if expected_version is None or int(expected_version) != fresh.version:
        raise StaleCaseError()
    return fresh


def _save(case: Case, fields: list[str], by: Any) -> Case:
    """Write `fields` only if the version is still the one we read, and bump it.

    The conditional UPDATE is what makes the lock hold on databases without
    row locks: two writers from the same version cannot both succeed.
    """
    now = timezone.now()
    values = {name: getattr(case, name) for name in fields}
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        **values, version=F("version") + 1, modified_at=now, modified_by=_actor(by)
    )
    if updated != 1:
        raise StaleCaseError()
    case.version += 1
    case.modified_at = now
    case.modified_by = _actor(by)
    return case


Visibility = CaseEvent.Visibility


def _event(case: Case, kind: str, by: Any, *, text: str = "", visibility: str = Visibility.STAFF,
           from_status: str = "", to_status: str = "", **data: Any) -> CaseEvent:
    """One timeline entry. `visibility` is decided here, by the step that makes the event, never by the page
    that shows it: anything between us and the customer (questions, replies, decisions) is CUSTOMER."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=_actor(by), occurred_at=timezone.now(), visibility=visibility,
        from_status=from_status, to_status=to_status, text=text, data=data,
    )


def _timeline(case: Case, *, kind: str, summary: str, by: Any,
              direction: str = Interaction.Direction.INTERNAL, channel: str = Channel.SYSTEM,
              on_behalf_of: bool = False) -> None:
    interaction_record(
        customer=case.customer, kind=kind, summary=summary, channel=channel, direction=direction,
        by=by, on_behalf_of=on_behalf_of, subject=case, subject_reference=case.reference,
    )


def _move(case: Case, target: str) -> str:
    """Check and apply a status change; returns the status it came from."""
    rules.check_transition(case.status, target)
    previous = case.status
    case.status = target
    return previous


# Long enough for a decision's gist, short enough that a text message (918 characters with
# the template's own words) always fits; the rest is on the customer's case page.
MAX_MESSAGE_CHARS = 600


def account_case_url(case: Case) -> str:
    """Where the customer reads their case and answers our questions (absolute, for messages)."""
    return _site_url("casework_account:case", case)


def customer_message_text(case: Case, message: str) -> str:
    """The words every customer message about a case carries: cut at a word with a link when long."""
    message = (message or "").strip()
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    cut = " ".join(message.split())[:MAX_MESSAGE_CHARS].rsplit(" ", 1)[0].rstrip(".,;:")
    return f"{cut}... Read the whole message at {account_case_url(case)}"


def _notify_customer(case: Case, event: CaseEvent, *, message: str, by: Any, always: bool = False) -> None:
    """Queue a message to the customer through the outbox if the service says to (or `always`).

    `always` is for messages the customer must get whatever the service's
    setting, because we are waiting for them (a request for information):
    `notify_customer_on_change` is off where the owner sends its own status
    messages (street reports), which must not silence a question.

    The message is written in this transaction (the outbox's guarantee). If
    the notification app cannot take it (no template yet, or its tables are
    not there) the case change still stands and the timeline says why no
    message went: losing the officer's work over a message would be worse.
    """
    if not (always or case.service.notify_customer_on_change):
        return
    message = customer_message_text(case, message)
    try:
        from oxtom.notify.services import notification_queue

        with transaction.atomic():
            outbound = notification_queue(
                customer=case.customer,
                template="generic-update",
                context={
                    "name": case.customer.display_name,
                    "subject": f"Your {case.service.name.lower()} case {case.reference}",
                    "message": message,
                    "reference": case.reference,
                },
                by=by,
                idempotency_key=f"case:{case.pk}:event:{event.pk}",
            )
    except (ImportError, LookupError, ValueError, DatabaseError) as exc:
        logger.warning("case %s: customer notification not queued (%s)", case.pk, type(exc).__name__)
        _event(case, Kind.NOTIFICATION_FAILED, None, text="The customer could not be sent a message about this change",
               reason=type(exc).__name__, about_event=event.pk)
        return
    from oxtom.notify.models import MessageChannel

    how = MessageChannel(outbound.channel).label.lower()  # "text message", not the channel's code "sms"
    _event(case, Kind.NOTIFICATION_SENT, None, text=f"Message to the customer queued by {how}",
           channel=outbound.channel, message_id=str(outbound.pk), about_event=event.pk)


def _status_event(case: Case, previous: str, by: Any, *, text: str = "", visibility: str = Visibility.PUBLIC,
                  notify: bool = True, notify_always: bool = False, customer_message: str = "",
                  **data: Any) -> CaseEvent:
    event = _event(case, Kind.STATUS_CHANGED, by, text=text, visibility=visibility,
                   from_status=previous, to_status=case.status, **data)
    # The record behind the case (a street report's public status) moves with it: one status, not two.
    owners.status_changed(case, previous)
    label = Status(case.status).label.lower()
    _timeline(case, kind="case.status_changed", summary=f"Case {case.reference} is now {label}", by=by)
    if notify:
        _notify_customer(case, event, message=customer_message or f"Your case is now {label}.", by=by,
                         always=notify_always)
    if visibility != Visibility.STAFF:  # the councillor's message names the status only, never the text
        _notify_councillor(case, event, what=f"is now {label}")
    return event


def _notify_councillor(case: Case, event: CaseEvent, *, what: str) -> None:
    """Tell the councillor who raised an enquiry that it moved (reference and status only, and a link).

    The constituent hears from us directly; this keeps the councillor from
    being surprised when the constituent calls them.
    """
    councillor = case.raised_by if case.raised_by_id else None
    if not (councillor and councillor.is_active and councillor.email):
        return
    link = _site_url("casework_members:case", case)
    _alert_staff(case, event, to=councillor.email, key=f"case:{case.pk}:event:{event.pk}:councillor",
                 subject=f"Your enquiry {case.reference} {what}",
                 message=f"Your enquiry {case.reference} ({case.service.name}) {what}. See the latest at {link}",
                 sent="Councillor who raised the enquiry emailed",
                 failed="The councillor who raised this could not be emailed")


def _alert_staff(case: Case, event: CaseEvent, *, to: str, key: str, subject: str, message: str,
                 sent: str, failed: str, **data: Any) -> None:
    """Email a member of staff (or a team mailbox) through the outbox, template 'staff-alert'.

    Staff messages carry the reference and a link, never the customer's
    details. A notification app that cannot take the message leaves the case
    change standing; the timeline records `failed` instead of `sent`.
    """
    try:
        from oxtom.notify.services import notification_queue

        with transaction.atomic():
            notification_queue(customer=None, template="staff-alert", to=to, by=None, idempotency_key=key,
                               context={"subject": subject, "message": message})
    except (ImportError, LookupError, ValueError, DatabaseError) as exc:
        logger.warning("case %s: staff alert %s not queued (%s)", case.pk, key, type(exc).__name__)
        _event(case, Kind.NOTIFICATION_FAILED, None, text=failed, reason=type(exc).__name__,
               about_event=event.pk, **data)
        return
    _event(case, Kind.NOTIFICATION_SENT, None, text=sent, about_event=event.pk, **data)


def _site_url(url_name: str, case: Case) -> str:
    """The absolute address of a page about `case` (for messages read outside the site)."""
    from oxtom.core.links import absolute_reverse

    return absolute_reverse(url_name, reference=case.reference)


# --- create --------------------------------------------------------------------------------

@transaction.atomic
def case_create(
    *,
    service: Service,
    customer: Customer,
    answers: dict,
    channel: str,
    by: Any,
    title: str = "",
    priority: int = Priority.NORMAL,
    division: Any = None,
    safeguarding: bool = False,
    vulnerable_customer: bool = False,
    special_category: bool = False,
    received_at: dt.datetime | None = None,
    on_behalf_of: bool = False,
) -> Case:
    """Open a case for `customer` on `service`, in the service's team queue with its SLA due date.

    `on_behalf_of`: an adviser made it for the customer in an acting-for
    session (they must be allowed to act for customers); the customer's
    timeline says so, and their "done for you" page lists it.

    A safeguarding concern is always urgent: it goes to the top of the queue
    whatever priority was asked for.
    """
    if not service.is_active:
        raise ValidationError("This service is not taking new cases")
    if customer.merged_into_id is not None:
        raise ValidationError("This customer record was merged into another: use the current record")
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Answers must be a set of questions and replies"})
    if len(repr(answers)) > MAX_ANSWERS_CHARS:
        raise ValidationError({"answers": f"Answers must be {MAX_ANSWERS_CHARS:,} characters or fewer in all"})
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose how the request reached us"})
    if on_behalf_of and not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.ASSIST_ACT_FOR)):
        raise PermissionDenied("You cannot act for a customer")
    if int(priority) not in Priority.values:
        raise ValidationError({"priority": "Choose a priority from urgent to low"})
    title = (title or "").strip()
    if len(title) > 200:
        raise ValidationError({"title": "Title must be 200 characters or fewer"})
    if safeguarding:
        priority = Priority.URGENT
    received_at = received_at or timezone.now()
    received_on = rules.local_date(received_at)
    case = Case.objects.create(
        reference=_unique_reference(service, received_on),
        service=service,
        customer=customer,
        # Screened services start in the screening team's intake queue.
        team_id=service.triage_team_id or service.team_id,
        priority=int(priority),
        title=title,
        safeguarding=safeguarding,
        vulnerable_customer=vulnerable_customer,
        special_category=special_category,
        division=division if division is not None else customer.division,
        answers=answers,
        channel=channel,
        received_at=received_at,
        due_at=rules.due_date(received_on=received_on, sla_working_days=service.sla_days(priority)),
        created_by=_actor(by),
        modified_by=_actor(by),
    )
    _event(case, Kind.CREATED, by, visibility=Visibility.PUBLIC, to_status=case.status,
           text=f"{service.name} received", channel=channel)
    audit_record(by=by, action="create", target=case, summary=f"Case {case.reference} created",
                 service=service.code, channel=channel, on_behalf_of=on_behalf_of)
    _timeline(case, kind="case.created", summary=f"{service.name}: case {case.reference} opened", by=by,
              direction=Interaction.Direction.INBOUND, channel=channel, on_behalf_of=on_behalf_of)
    return case


# --- work ------------------------------------------------------------------------------------

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
    if not is_self and not by.has_permission(Permission.CASE_ASSIGN):
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
    case.due_at = rules.due_date(
        received_on=rules.local_date(case.received_at),
        sla_working_days=case.service.sla_days(priority),
        paused_working_days=case.paused_working_days,
    )
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
    if case.service.clock_pauses_for_customer:
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
    added = rules.paused_days(paused_on=case.paused_on, resumed_on=rules.today())
    case.paused_working_days += added
    case.due_at = rules.due_date(
        received_on=rules.local_date(case.received_at),
        sla_working_days=case.service.sla_days(case.priority),
        paused_working_days=case.paused_working_days,
    )
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
def case_decide(*, case: Case, decision: str, reasons: str, expected_version: int, by: Any) -> Case:
    """Record the assessment's decision. Reasons are required: the customer is entitled to know why."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.DECIDED)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision"})
    reasons = _clean_text(reasons, required_message="Enter the reasons for the decision", field="reasons")
    case.decision, case.decision_reasons, case.decided_at = decision, reasons, timezone.now()
    if case.paused_on is not None:
        case.paused_on = None
    _save(case, ["status", "decision", "decision_reasons", "decided_at", "paused_on"], by)
    label = Decision(decision).label
    _status_event(case, previous, by, text=reasons, decision=decision, visibility=Visibility.CUSTOMER,
                  customer_message=f"Decision: {label}. {reasons}")
    audit_record(by=by, action="update", target=case, summary=f"Decision recorded: {label}", decision=decision)
    return case


MAX_RULE_CHARS = 100


@transaction.atomic
def case_decide_automatically(*, case: Case, decision: str, reasons: str, rule: str,
                              expected_version: int) -> Case:
    """The system decides a case by a published rule (e.g. a renewal that meets every criterion).

    No person is the actor. The reasons are still required and sent to the
    customer, and the decision is sampled for a quality check at the
    service's QA rate, so someone looks at a share of what no one looked at.
    A new case is accepted on the way (both steps are on the timeline).
    """
    case = _lock(case, expected_version)
    if in_intake(case):
        raise ValidationError("Screen this case first: route it to the team that will work it",
                              code="invalid_transition")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision"})
    rule = (rule or "").strip()
    if not rule or len(rule) > MAX_RULE_CHARS:
        raise ValidationError({"rule": f"Name the decision rule in 1 to {MAX_RULE_CHARS} characters"})
    reasons = _clean_text(reasons, required_message="Enter the reasons for the decision", field="reasons")
    if case.status == Status.NEW:
        previous = _move(case, Status.ACCEPTED)
        _save(case, ["status"], None)
        _status_event(case, previous, None, notify=False, automatic=True, rule=rule)
    previous = _move(case, Status.DECIDED)
    case.decision, case.decision_reasons, case.decided_at = decision, reasons, timezone.now()
    _, clock_fields = _resume_clock(case)
    _save(case, ["status", "decision", "decision_reasons", "decided_at", *clock_fields], None)
    label = Decision(decision).label
    _status_event(case, previous, None, text=reasons, decision=decision, automatic=True, rule=rule,
                  visibility=Visibility.CUSTOMER, customer_message=f"Decision: {label}. {reasons}")
    audit_record(by=None, action="update", target=case, summary=f"Automatic decision: {label}",
                 decision=decision, rule=rule)
    if qa_should_sample(case):
        QaCheck.objects.create(case=case, team_id=case.team_id, kind=QaCheck.Kind.AUTOMATIC_DECISION,
                               sampled_at=timezone.now())
        _event(case, Kind.QA_SAMPLED, None, text="Automatic decision sampled for a quality check", rule=rule)
    return case


@transaction.atomic
def case_close(*, case: Case, outcome: str, note: str = "", expected_version: int, by: Any) -> Case:
    """Close with an outcome. Closing a closed case is refused (reopen it instead)."""
    case = _lock(case, expected_version)
    _require_worker(case, by)
    previous = _move(case, Status.CLOSED)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome"})
    if outcome == Outcome.DUPLICATE and case.duplicate_of_id is None:
        raise ValidationError({"outcome": "Use 'link as duplicate' to close a case as a duplicate"})
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"Must be {MAX_TEXT:,} characters or fewer"})
    case.outcome, case.closed_at, case.paused_on = outcome, timezone.now(), None
    _save(case, ["status", "outcome", "closed_at", "paused_on"], by)
    label = Outcome(outcome).label
    _status_event(case, previous, by, text=note or label, outcome=outcome,
                  customer_message=f"We have closed your case. Outcome: {label}.")
    audit_record(by=by, action="update", target=case, summary=f"Case closed: {label}", outcome=outcome)
    if qa_should_sample(case):
        QaCheck.objects.create(case=case, team_id=case.team_id, sampled_at=timezone.now(), closed_by=_actor(by))
        _event(case, Kind.QA_SAMPLED, None, text="Sampled for a quality check")
    return case


def qa_should_sample(case: Case) -> bool:
    """Sample a closed case at its service's QA rate (0 never, 1 always)."""
    rate = float(case.service.qa_sample_rate or 0)
    return rate > 0 and secrets.randbelow(1_000_000) < rate * 1_000_000


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
    if not getattr(by, "is_authenticated", False) or case.customer.user_id != by.pk:
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
    case.due_at = rules.due_date(received_on=rules.today(), sla_working_days=case.service.sla_days(case.priority))
    case.escalated_for = None
    _save(case, ["status", "outcome", "closed_at", "decision", "decision_reasons", "decided_at",
                 "duplicate_of", "due_at", "escalated_for"], by)
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
    case.due_at = rules.due_date(
        received_on=rules.local_date(case.received_at),
        sla_working_days=service.sla_days(case.priority),
        paused_working_days=case.paused_working_days,
    )
    fields = ["service", "due_at"]
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


# --- get next -------------------------------------------------------------------------------

CLAIMABLE_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)


def _claimable(team: Team):
    # The redundant "not closed" term repeats the partial index's condition word for
    # word, which is what lets SQLite's planner use case_team_unassigned.
    return (
        Case.objects.filter(team=team, assignee__isnull=True, status__in=CLAIMABLE_STATUSES)
        .exclude(status=Status.CLOSED)
        .order_by("priority", "due_at", "id")
    )


def case_claim_next(*, officer: Any, team: Team) -> Case | None:
    """Give `officer` the most urgent unassigned open case of `team` (priority, then due date).

    Returns None when there is nothing to claim. Two officers claiming at the
    same moment never get the same case:
    - PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent claimers
      each lock a different row without waiting on one another;
    - elsewhere (SQLite): a conditional UPDATE "set assignee where still
      unassigned"; a loser moves on to the next candidate.
    """
    if not (getattr(officer, "is_authenticated", False) and officer.has_permission(Permission.CASE_WORK)):
        raise PermissionDenied("You cannot work on cases")
    if not can_take_cases(officer, team.pk):
        raise PermissionDenied("You are not in this team")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            case = _claimable(team).select_for_update(skip_locked=True).first()
            if case is None:
                return None
            return _record_claim(case, officer)
    for _attempt in range(5):
        candidate_ids = list(_claimable(team).values_list("id", flat=True)[:20])
        if not candidate_ids:
            return None
        for case_id in candidate_ids:
            with transaction.atomic():
                current = Case.objects.filter(
                    pk=case_id, assignee__isnull=True, status__in=CLAIMABLE_STATUSES
                ).values_list("status", flat=True).first()
                if current is None:
                    continue
                # The claim itself: only one UPDATE can find the row still unassigned.
                won = Case.objects.filter(pk=case_id, assignee__isnull=True, status=current).update(
                    assignee=officer, status=Status.IN_PROGRESS, version=F("version") + 1,
                    modified_at=timezone.now(), modified_by=officer,
                )
                if won:
                    case = Case.objects.get(pk=case_id)
                    _record_claim_events(case, officer, previous_status=current)
                    return case
    return None


def _record_claim(case: Case, officer: Any) -> Case:
    previous_status = case.status
    case.assignee = officer
    fields = ["assignee"]
    if case.status != Status.IN_PROGRESS:
        _move(case, Status.IN_PROGRESS)
        fields.append("status")
    _save(case, fields, officer)
    _record_claim_events(case, officer, previous_status=previous_status)
    return case


def _record_claim_events(case: Case, officer: Any, *, previous_status: str) -> None:
    _event(case, Kind.ASSIGNED, officer, text=f"Taken by {officer} (get next case)", assignee=officer.pk, previous=None)
    if case.status != previous_status:
        _status_event(case, previous_status, officer, customer_message="An officer is now working on your request.")
    audit_record(by=officer, action="update", target=case, summary="Case claimed with get next")


# --- SLA escalation -------------------------------------------------------------------------

def overdue_unescalated(on: dt.date | None = None):
    """Open, running (not paused) cases past their due date that have not been escalated for that date."""
    on = on or rules.today()
    return (
        Case.objects.filter(status__in=[Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS],
                            paused_on__isnull=True, due_at__lt=on)
        .exclude(status=Status.CLOSED)  # the partial index's condition, for SQLite's planner
        .exclude(escalated_for=F("due_at"))
    )


@transaction.atomic
def case_escalate_overdue(*, case_id: int, on: dt.date | None = None, by: Any = None) -> bool:
    """Record that one case went overdue and tell its team leaders. Idempotent.

    The claim is a conditional UPDATE on escalated_for, so a double run (two
    beat ticks, a retried task) escalates each case once per due date.
    Returns True if this call did the escalation.
    """
    on = on or rules.today()
    claimed = (
        Case.objects.filter(pk=case_id, paused_on__isnull=True, due_at__lt=on)
        .exclude(status__in=[Status.CLOSED, Status.DECIDED, Status.AWAITING_CUSTOMER])
        .exclude(escalated_for=F("due_at"))
        .update(escalated_for=F("due_at"))
    )
    if not claimed:
        return False
    case = Case.objects.select_related("team", "service").get(pk=case_id)
    leaders = list(
        TeamMembership.objects.filter(team_id=case.team_id, is_leader=True, user__is_active=True)
        .select_related("user").order_by("user_id")
    )
    event = _event(case, Kind.ESCALATED, by, text=f"Overdue since {case.due_at:%-d %B %Y}: team leaders told",
                   due=case.due_at.isoformat(), leaders=[m.user_id for m in leaders])
    audit_record(by=by, action="update", target=case, summary="Escalated as overdue", due=case.due_at.isoformat())
    for membership in leaders:
        _notify_leader(case, event, membership.user)
    if not leaders and case.team.email:
        # No leader named (yet): the team's shared mailbox hears instead, so an overdue case is never silent.
        _notify_leader(case, event, None, mailbox=case.team.email)
    return True


def _notify_leader(case: Case, event: CaseEvent, leader: Any, *, mailbox: str = "") -> None:
    """Email a team leader (or, with `mailbox`, the team's shared address) about an overdue case."""
    who = f"leader:{leader.pk}" if leader is not None else "team-mailbox"
    _alert_staff(case, event, to=mailbox or leader.email,
                 key=f"case:{case.pk}:escalation:{case.due_at.isoformat()}:{who}",
                 subject=f"Overdue case {case.reference}",
                 message=f"Case {case.reference} ({case.service.name}) in {case.team.name} was due on "
                         f"{case.due_at:%-d %B %Y} and is now overdue.\n\nOpen the case: "
                         f"{_site_url('casework:case', case)}",
                 sent="Team mailbox emailed about the escalation" if leader is None
                 else "Team leader emailed about the escalation",
                 failed="A team leader could not be emailed about this escalation",
                 leader=getattr(leader, "pk", None))


# --- team leaders: bulk reassignment ----------------------------------------------------------

MAX_BULK_CASES = 200


@transaction.atomic
def case_bulk_reassign(*, team: Team, items: list[tuple[int, int]], assignee: Any, by: Any) -> int:
    """Give several of `team`'s open cases to one officer of the team. All or nothing.

    `items` are (case id, version the leader saw) pairs. If any case has moved
    on since (someone else changed it), nothing is reassigned and the leader is
    told how many changed, so they can look again. Cases already with that
    officer are left alone. Returns how many cases changed hands.
    """
    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.CASE_ASSIGN)
            and (_is_admin(by) or is_team_member(by, team.pk))):
        raise PermissionDenied("Only a team leader of this team can reassign its cases")
    if not items:
        raise ValidationError({"cases": "Select at least one case to reassign"})
    if len(items) > MAX_BULK_CASES:
        raise ValidationError({"cases": f"Select {MAX_BULK_CASES} cases or fewer at a time"})
    if assignee is None or not can_take_cases(assignee, team.pk):
        raise ValidationError({"assignee": f"Choose an officer in {team.name}"})
    wanted = dict(items)
    cases = list(Case.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(cases) != len(wanted) or any(c.team_id != team.pk for c in cases):
        raise ValidationError({"cases": "Some of the selected cases are no longer in this team's queue: look again"})
    closed = [c for c in cases if c.status == Status.CLOSED]
    if closed:
        raise ValidationError({"cases": f"{len(closed)} of the selected cases are closed: look again"})
    moved = [c for c in cases if c.version != wanted[c.pk]]
    if moved:
        raise ValidationError(
            f"{len(moved)} of the selected cases changed while you were looking. Nothing has been reassigned: "
            "check the queue and try again.",
            code="stale",
        )
    changed = 0
    for case in cases:
        if case.assignee_id == assignee.pk:
            continue
        case_assign(case=case, assignee=assignee, expected_version=case.version, by=by)
        changed += 1
    return changed


# --- councillors' enquiries --------------------------------------------------------------------

CONSENT_WORDING = (
    "The constituent asked me to raise this with the council, agreed that the council may use the "
    "details I have given to deal with it, and agreed that the council may share its reply with me."
)
CONSTITUENT_FIELDS = ("first_name", "last_name", "email", "phone", "address_line_1", "postcode")


class DuplicateSubmission(Exception):
    """The same form was submitted twice; `case` is the one the first submission created."""

    def __init__(self, case: Case):
        self.case = case
        super().__init__(case.reference)


def _constituent_customer(*, data: dict, by: Any) -> Customer:
    """The constituent's customer record: an existing live record with the same email or
    phone, else a new one. The councillor never sees which (they cannot browse records)."""
    from oxtom.customers.selectors import find_possible_duplicates
    from oxtom.customers.services import PossibleDuplicateError, customer_create

    try:
        return customer_create(data=data, by=by, channel=Channel.WEB)
    except PossibleDuplicateError:
        # Only a match on a contact detail the councillor typed is trusted; a name-only
        # match could attach the enquiry to a stranger's record.
        strong = [c for c in find_possible_duplicates(email=data.get("email", ""), phone=data.get("phone", ""))]
        if len(strong) == 1:
            return strong[0]
        return customer_create(data=data, by=by, channel=Channel.WEB, allow_duplicate=True)


@transaction.atomic
def member_enquiry_raise(
    *,
    service: Service,
    title: str,
    details: str,
    location: str = "",
    constituent: dict | None,
    consent_given: bool,
    submission_key: str,
    by: Any,
) -> Case:
    """A councillor raises an enquiry, for a constituent (with their consent) or about a place.

    The case goes to the enquiry service's team with the service's response
    target (an administrator sets it, e.g. 10 working days for every priority)
    and is always visible to the councillor who raised it. For an enquiry
    about a place, the councillor is the customer (their own record).
    Raises ValidationError (field -> message) for bad input and
    DuplicateSubmission when the same form arrives twice.
    """
    from oxtom.customers.services import customer_ensure_for_user

    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.MEMBER_ENQUIRY_RAISE)):
        raise PermissionDenied("Only councillors can raise members' enquiries")
    if not by.member_division_id:
        raise ValidationError("You are not the member for a division yet: ask member services to set it")
    if service.kind != Service.Kind.ENQUIRY or not service.is_active:
        raise ValidationError({"service": "Choose an enquiry service from the list"})
    key = (submission_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError("The form has expired: start again")
    existing = Case.objects.filter(submission_key=key).first()
    if existing is not None:
        raise DuplicateSubmission(existing)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    details = (details or "").strip()
    location = (location or "").strip()
    if not title:
        errors["title"] = "Enter a subject for the enquiry"
    elif len(title) > 200:
        errors["title"] = "The subject must be 200 characters or fewer"
    if not details:
        errors["details"] = "Enter the details of the enquiry"
    elif len(details) > MAX_TEXT:
        errors["details"] = f"The details must be {MAX_TEXT:,} characters or fewer"
    if len(location) > 200:
        errors["location"] = "The place must be 200 characters or fewer"
    if constituent is not None and not consent_given:
        errors["consent"] = "Confirm that the constituent has given their consent"
    if constituent is None and not location:
        errors["location"] = "Enter the place the enquiry is about"
    if errors:
        raise ValidationError(errors)
    if constituent is not None:
        unknown = set(constituent) - set(CONSTITUENT_FIELDS)
        if unknown:
            raise ValueError(f"Unexpected constituent fields {sorted(unknown)}")
        data = {k: v for k, v in constituent.items() if v not in (None, "")}
        if not data.get("email") and not data.get("phone") and not data.get("address_line_1"):
            raise ValidationError({"email": "Enter an email address, phone number or address for the constituent"})
        data.setdefault("preferred_channel", "email" if data.get("email") else ("sms" if data.get("phone") else "post"))
        customer = _constituent_customer(data=data, by=by)
    else:
        customer = customer_ensure_for_user(user=by, by=by)
    answers = {"Enquiry": details}
    if location:
        answers["Place"] = location
    answers["Raised by"] = f"{by} (councillor for {by.member_division})"
    case = case_create(
        service=service, customer=customer, answers=answers, channel=Channel.WEB, by=by, title=title,
        division=by.member_division,
    )
    case.raised_by = by
    case.submission_key = key
    case.shared_with_councillor = True
    if constituent is not None:
        case.consent_wording, case.consent_recorded_at = CONSENT_WORDING, timezone.now()
    try:
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(
                raised_by=by, submission_key=key, shared_with_councillor=True,
                consent_wording=case.consent_wording, consent_recorded_at=case.consent_recorded_at,
            )
    except IntegrityError:
        # A simultaneous second submission won the unique key: this one rolls back, pointing at that one.
        raise DuplicateSubmission(Case.objects.get(submission_key=key)) from None
    audit_record(by=by, action="create", target=case, summary="Members' enquiry raised",
                 for_constituent=constituent is not None)
    return case


# --- councillors' weekly digest ("no surprises") ----------------------------------------------

DIGEST_LIST_LIMIT = 10


def member_digest_send(*, councillor: Any, on: dt.date | None = None) -> bool:
    """Email a councillor what is new and what is overdue in their division this week.

    Counts and references only (no names or addresses: email is not the place
    for constituents' details). Queued through the outbox with one key per
    councillor per ISO week, so a re-run or a retried task sends nothing more.
    Returns True if a message was queued by this call, False if there was
    nothing to say or it had already gone.
    """
    from oxtom.notify.models import OutboundMessage
    from oxtom.notify.services import notification_queue

    if not (councillor.is_active and councillor.has_role("councillor") and councillor.member_division_id
            and councillor.email):
        return False
    on = on or rules.today()
    year, week, _ = on.isocalendar()
    key = f"member-digest:{councillor.pk}:{year}-W{week:02d}"
    if OutboundMessage.objects.filter(idempotency_key=key).exists():
        return False
    week_start = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=7), dt.time.min))
    visible = Case.objects.for_user(councillor).filter(division_id=councillor.member_division_id)
    new = list(visible.filter(received_at__gte=week_start).select_related("service")
               .order_by("-received_at", "-id")[:DIGEST_LIST_LIMIT])
    new_count = visible.filter(received_at__gte=week_start).count() if len(new) == DIGEST_LIST_LIMIT else len(new)
    from .selectors import sla_q

    overdue_q = visible.exclude(status=Status.CLOSED).filter(sla_q(rules.SlaState.OVERDUE, on))
    overdue = list(overdue_q.select_related("service").order_by("due_at", "id")[:DIGEST_LIST_LIMIT])
    overdue_count = overdue_q.count() if len(overdue) == DIGEST_LIST_LIMIT else len(overdue)
    if not new_count and not overdue_count:
        return False
    lines = [f"Your division, {councillor.member_division}: the week to {on:%-d %B %Y}.", ""]
    lines.append(f"New cases: {new_count}")
    lines += [f"- {c.reference}: {c.service.name}" for c in new]
    lines.append("")
    lines.append(f"Overdue cases: {overdue_count}")
    lines += [f"- {c.reference}: {c.service.name}, due {c.due_at:%-d %B}" for c in overdue]
    with transaction.atomic():
        notification_queue(
            customer=None, template="staff-alert", to=councillor.email, by=None, idempotency_key=key,
            context={"subject": f"Your division this week: {new_count} new, {overdue_count} overdue",
                     "message": "\n".join(lines)},
        )
    return True


# --- quality checks --------------------------------------------------------------------------------


@transaction.atomic
def qa_check_record(*, check: QaCheck, result: str, feedback: str, by: Any) -> QaCheck:
    """A team leader records a quality check: pass, or fail with feedback for the officer.

    Reviewers never check a case they closed themselves. Recording is a
    conditional UPDATE on a pending check, so two leaders reviewing the same
    case at once cannot both record a result.
    """
    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.CASE_ASSIGN)
            and (_is_admin(by) or is_team_member(by, check.team_id))):
        raise PermissionDenied("Only a team leader of this team can record quality checks")
    if check.closed_by_id is not None and check.closed_by_id == getattr(by, "pk", None):
        raise ValidationError("You closed this case: another team leader must check it")
    if result not in (QaCheck.Result.PASSED, QaCheck.Result.FAILED):
        raise ValidationError({"result": "Choose whether the case passed or failed"})
    feedback = (feedback or "").strip()
    if result == QaCheck.Result.FAILED and not feedback:
        raise ValidationError({"feedback": "Enter feedback for the officer: what should have been done differently"})
    if len(feedback) > MAX_TEXT:
        raise ValidationError({"feedback": f"The feedback must be {MAX_TEXT:,} characters or fewer"})
    now = timezone.now()
    updated = QaCheck.objects.filter(pk=check.pk, result=QaCheck.Result.PENDING).update(
        result=result, feedback=feedback, reviewer=by, reviewed_at=now
    )
    if not updated:
        raise ValidationError("This check has already been recorded", code="stale")
    check.refresh_from_db()
    label = QaCheck.Result(result).label
    event = _event(check.case, Kind.QA_RECORDED, by, text=f"{label}. {feedback}".strip(), result=result,
                   check=check.pk)
    audit_record(by=by, action="update", target=check, summary=f"Quality check {label.lower()}", result=result)
    _notify_qa_result(check, event)
    return check


def _notify_qa_result(check: QaCheck, event: CaseEvent) -> None:
    """Tell the officer who closed the case how its quality check went (feedback stays on the case page)."""
    officer = check.closed_by
    if not (officer and officer.is_active and officer.email):
        return
    case = check.case
    link = _site_url("casework:case", case)
    label = QaCheck.Result(check.result).label.lower()
    _alert_staff(case, event, to=officer.email, key=f"qa:{check.pk}:result",
                 subject=f"Quality check of case {case.reference}: {label}",
                 message=f"The quality check of case {case.reference}, which you closed, {label}. "
                         f"Read the feedback on the case page: {link}",
                 sent="Officer emailed the quality check result",
                 failed="The officer could not be emailed the quality check result")


# --- triage / screening -------------------------------------------------------------------------


def in_intake(case: Case) -> bool:
    """An open case still in its service's screening (intake) queue (a screener may have claimed it)."""
    return case.status in CLAIMABLE_STATUSES and case.service.triage_team_id is not None \
        and case.team_id == case.service.triage_team_id


@transaction.atomic
def case_screen(
    *, case: Case, team: Team, priority: int, safeguarding: bool, vulnerable_customer: bool,
    special_category: bool, note: str, expected_version: int, by: Any,
) -> Case:
    """A screener routes a referral from the intake queue to the team that will work it.

    Flags fast-track: a safeguarding concern is always urgent, a vulnerable
    customer at least high priority, so the case is at the top of the
    receiving team's "get next". The due date follows the new priority. The
    answers go with the case, so the customer is not asked again.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if not in_intake(case):
        raise ValidationError("This case is not waiting for screening", code="invalid_transition")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = 0
    if priority not in Priority.values:
        raise ValidationError({"priority": "Choose a priority from urgent to low"})
    if team.pk == case.team_id:
        raise ValidationError({"team": "Choose the team that will work the case, not the screening team"})
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"The note must be {MAX_TEXT:,} characters or fewer"})
    if safeguarding:
        priority = Priority.URGENT
    elif vulnerable_customer:
        priority = min(priority, Priority.HIGH)
    previous_team, previous_priority, previous_status = case.team, case.priority, case.status
    if case.status != Status.NEW:
        _move(case, Status.NEW)  # the receiving team accepts it from its own queue
    case.team, case.assignee, case.priority = team, None, priority
    case.safeguarding, case.vulnerable_customer, case.special_category = safeguarding, vulnerable_customer, special_category
    case.due_at = rules.due_date(received_on=rules.local_date(case.received_at),
                                 sla_working_days=case.service.sla_days(priority),
                                 paused_working_days=case.paused_working_days)
    _save(case, ["status", "team", "assignee", "priority", "safeguarding", "vulnerable_customer", "special_category",
                 "due_at"], by)
    flags = [name for name, on in (("safeguarding", safeguarding), ("vulnerable customer", vulnerable_customer),
                                   ("special category", special_category)) if on]
    _event(case, Kind.SCREENED, by, text=note or f"Routed to {team.name}", from_team=previous_team.pk, to_team=team.pk,
           from_status=previous_status, to_status=case.status,
           priority=priority, previous_priority=previous_priority, flags=flags)
    _timeline(case, kind="case.screened", summary=f"Case {case.reference} passed to {team.name}", by=by)
    audit_record(by=by, action="update", target=case, summary=f"Screened and routed to {team.name}",
                 to_team=team.pk, priority=priority, flags=flags)
    return case
