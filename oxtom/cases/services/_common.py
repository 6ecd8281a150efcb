"""Shared pieces of the case services: locking, events, messages to the customer and staff."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from oxtom.accounts.models import TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.core.actors import actor as _actor
from oxtom.core.references import REFERENCE_ALPHABET, random_code
from oxtom.core.versioning import lock_current, save_versioned
from oxtom.customers.models import Channel, Interaction
from oxtom.customers.services import interaction_record

from .. import owners, rules
from ..models import Case, CaseEvent, Service, Status


logger = logging.getLogger(__name__)

MAX_TEXT = 5000  # notes, updates, reasons: long enough for a real explanation, short enough to read
MAX_ANSWERS_CHARS = 50_000
_REFERENCE_ALPHABET = REFERENCE_ALPHABET  # no look-alikes, readable over the phone (oxtom/core/references.py)
Kind = CaseEvent.Kind


class StaleCaseError(ValidationError):
    """Someone changed the case after this person loaded it. Nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this case while you were working on it. "
            "Your change has not been saved: check the latest details and try again.",
            code="stale",
        )


def _is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("administrator")


def is_team_member(user: Any, team_id: int) -> bool:
    return TeamMembership.objects.filter(user=user, team_id=team_id).exists()


def can_work_case(user: Any, case: Case) -> bool:
    """Officers work their own teams' cases; administrators any case.

    "Officer" is either a role the person holds everywhere, or a role their membership of the
    case's team carries for that team only (TeamMembership.team_role).
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if _is_admin(user):
        return True
    return user.has_team_permission(Permission.CASE_WORK, case.team_id) and is_team_member(user, case.team_id)


def can_take_cases(user: Any, team_id: int) -> bool:
    """Whether `user` may be given `team_id`'s cases: an active officer of the team, or an administrator.

    The same people who may work the team's cases (can_work_case), so a step that
    assigns the person acting (taking a case, deciding an unassigned one) never
    refuses someone the page let act.
    """
    if not bool(getattr(user, "is_active", False)):
        return False
    if _is_admin(user):
        return True
    return user.has_team_permission(Permission.CASE_WORK, team_id) and is_team_member(user, team_id)


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
    return random_code(6, prefix=f"{service.reference_prefix}-{when.year}-")


def _unique_reference(service: Service, when: dt.date) -> str:
    while True:
        reference = new_case_reference(service, when)
        if not Case.objects.filter(reference=reference).exists():
            return reference


def _lock(case: Case, expected_version: int) -> Case:
    """Re-read the case under a row lock and refuse if it moved since the person saw it."""
    return lock_current(Case.objects, case.pk, expected_version, stale=StaleCaseError)


def _save(case: Case, fields: list[str], by: Any) -> Case:
    """Write `fields` only if the version is still the one we read, and bump it.

    The conditional UPDATE is what makes the lock hold on databases without
    row locks: two writers from the same version cannot both succeed.
    """
    return save_versioned(case, fields, by=by, stale=StaleCaseError)


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
    if case.customer_id is None:
        return  # a request from a member of staff: no customer record, so no customer timeline
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
    if not always and (not case.service.notify_customer_on_change or owners.owner_messages_customer(case)):
        return  # the service says not to, or the record's owner tells the customer itself
    if case.customer_id is None:
        _notify_requester(case, event, message=message)
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


def _notify_requester(case: Case, event: CaseEvent, *, message: str) -> None:
    """A member of staff asked for this: they hear by email, with a link to their request."""
    requester = case.requested_by if case.requested_by_id else None
    if not (requester and requester.is_active and requester.email):
        return
    link = _site_url("casework:case", case)
    _alert_staff(case, event, to=requester.email, key=f"case:{case.pk}:event:{event.pk}:requester",
                 subject=f"Your request {case.reference}", message=f"{message} See your request at {link}",
                 sent="Member of staff who asked for this emailed",
                 failed="The member of staff who asked for this could not be emailed")


def check_requester(*, customer: Any, requested_by: Any) -> Any:
    """A case is for a customer or for a member of staff who asked for it, never neither.

    Returns the requester to store (None when there is none). The database holds the same rule
    (constraint case_has_customer_or_requester); this says it in words first.
    """
    if requested_by is not None and not getattr(requested_by, "pk", None):
        requested_by = None
    if customer is None and requested_by is None:
        raise ValidationError("Say who this case is for: a customer, or the member of staff asking for it")
    if requested_by is not None and not (requested_by.is_active and requested_by.can_enter_staff_area):
        raise ValidationError({"requested_by": "Only an active member of staff can ask for something as staff"})
    return requested_by


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
        from oxtom.notify.services import staff_alert_queue
    except ImportError:  # the engine runs without a notification app
        queued = False
    else:
        queued = staff_alert_queue(to=to, key=key, subject=subject, message=message)
    if not queued:
        logger.warning("case %s: staff alert %s not queued", case.pk, key)
        _event(case, Kind.NOTIFICATION_FAILED, None, text=failed, reason="not queued", about_event=event.pk, **data)
        return
    _event(case, Kind.NOTIFICATION_SENT, None, text=sent, about_event=event.pk, **data)


def _site_url(url_name: str, case: Case) -> str:
    """The absolute address of a page about `case` (for messages read outside the site)."""
    from oxtom.core.links import absolute_reverse

    return absolute_reverse(url_name, reference=case.reference)
