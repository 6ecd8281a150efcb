"""Opening a case."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Customer, Interaction

from .. import clock, rules
from ..models import Case, Priority, Service
from ..selectors import case_for_submission
from ._common import check_requester, Kind, MAX_ANSWERS_CHARS, Visibility, _actor, _event, _timeline, _unique_reference


class DuplicateSubmission(Exception):
    """The same form was submitted twice; `case` is the one the first submission created."""

    def __init__(self, case: Case):
        self.case = case
        super().__init__(case.reference)


@transaction.atomic
def case_create(
    *,
    service: Service,
    customer: Customer | None,
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
    submission_key: str = "",
    raised_by: Any = None,
    shared_with_councillor: bool = False,
    consent_wording: str = "",
    requested_by: Any = None,
    parent: Case | None = None,
    team: Any = None,
) -> Case:
    """Open a case for `customer` on `service`, in the service's team queue with its SLA due date.

    `on_behalf_of`: an adviser made it for the customer in an acting-for
    session (they must be allowed to act for customers); the customer's
    timeline says so, and their "done for you" page lists it.

    A safeguarding concern is always urgent: it goes to the top of the queue
    whatever priority was asked for.

    `submission_key` (the form's one-time key) makes it idempotent: a key
    already used raises DuplicateSubmission carrying the case the first
    submission made, also when two arrive at once (the unique key decides;
    the loser's transaction rolls back). `raised_by` is the councillor who
    raised an enquiry for the customer, `consent_wording` exactly what they
    confirmed about consent (recorded now), `shared_with_councillor` lets a
    councillor see a special-category case: everything a case is created
    with is passed here, so no caller patches a case after creating it.
    """
    key = (submission_key or "").strip()
    if len(key) > 64:
        raise ValidationError("The form has expired: start again")
    existing = case_for_submission(key)
    if existing is not None:
        raise DuplicateSubmission(existing)
    if not service.is_active:
        raise ValidationError("This service is not taking new cases")
    requested_by = check_requester(customer=customer, requested_by=requested_by)
    if customer is not None and customer.merged_into_id is not None:
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
    consent_wording = (consent_wording or "").strip()
    if raised_by is not None and not getattr(raised_by, "is_authenticated", False):
        raise ValidationError({"raised_by": "An enquiry is raised by a signed-in councillor"})
    received_at = received_at or timezone.now()
    received_on = rules.local_date(received_at)
    try:
        with transaction.atomic():
            case = _insert(key=key, service=service, customer=customer, priority=priority, title=title,
                           safeguarding=safeguarding, vulnerable_customer=vulnerable_customer,
                           special_category=special_category, division=division, answers=answers,
                           channel=channel, received_at=received_at, received_on=received_on, by=by,
                           raised_by=raised_by, shared_with_councillor=shared_with_councillor,
                           consent_wording=consent_wording, requested_by=requested_by, parent=parent,
                           team=team)
    except IntegrityError:
        twin = case_for_submission(key)
        if twin is None:  # not the key that clashed
            raise
        raise DuplicateSubmission(twin) from None
    _event(case, Kind.CREATED, by, visibility=Visibility.PUBLIC, to_status=case.status,
           text=f"{service.name} received", channel=channel)
    audit_record(by=by, action="create", target=case, summary=f"Case {case.reference} created",
                 service=service.code, channel=channel, on_behalf_of=on_behalf_of)
    _timeline(case, kind="case.created", summary=f"{service.name}: case {case.reference} opened", by=by,
              direction=Interaction.Direction.INBOUND, channel=channel, on_behalf_of=on_behalf_of)
    return case


def _insert(*, key: str, service: Service, customer: Customer, priority: int, title: str, safeguarding: bool,
            vulnerable_customer: bool, special_category: bool, division: Any, answers: dict, channel: str,
            received_at: dt.datetime, received_on: dt.date, by: Any, raised_by: Any,
            shared_with_councillor: bool, consent_wording: str, requested_by: Any = None,
            parent: Case | None = None, team: Any = None) -> Case:
    stage = service.stages.order_by("position").first()  # the clock policy's first stage, if it has stages
    return Case.objects.create(
        reference=_unique_reference(service, received_on),
        service=service,
        customer=customer,
        requested_by=requested_by,
        parent=parent,
        stage=stage,
        # Screened services start in the screening team's intake queue.
        team_id=service.triage_team_id or (team.pk if team is not None else service.team_id),
        priority=int(priority),
        title=title,
        safeguarding=safeguarding,
        vulnerable_customer=vulnerable_customer,
        special_category=special_category,
        division=division if division is not None else getattr(customer, "division", None),
        answers=answers,
        channel=channel,
        received_at=received_at,
        due_at=clock.first_due(service=service, priority=int(priority), received_on=received_on, stage=stage),
        submission_key=key,
        raised_by=raised_by,
        shared_with_councillor=bool(shared_with_councillor),
        consent_wording=consent_wording,
        consent_recorded_at=timezone.now() if consent_wording else None,
        created_by=_actor(by),
        modified_by=_actor(by),
    )
