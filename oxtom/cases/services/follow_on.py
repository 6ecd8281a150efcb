"""Follow-on cases: a complaint's stage 2, an FOI internal review, a reconsideration.

A follow-on is a case of its own (its own service, team, clock and decision) that names the case it
follows. Both case pages show the link. A service may say that a follow-on must be decided by someone
who did not decide or work the case it follows (decide.require_different_decider).
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel

from ..models import Case, Service, Status
from ._common import Kind, _clean_text, _event, can_work_case
from .create import case_create

MAX_REASON = 2000


@transaction.atomic
def case_open_follow_on(*, parent: Case, service: Service, reason: str, by: Any, title: str = "",
                        channel: str = Channel.SYSTEM) -> Case:
    """Open a follow-on case of `service` for the same customer (or requesting colleague) as `parent`.

    The parent must have been decided or closed: a follow-on reviews or carries on from an answer.
    One open follow-on of a service per case: a second is refused, naming the first.
    """
    # Lock the case row only: its customer and requester are optional, and PostgreSQL locks no outer join.
    parent = Case.objects.select_for_update(of=("self",)).select_related("service", "customer", "requested_by").get(
        pk=parent.pk)
    if not can_work_case(by, parent):
        raise PermissionDenied("You cannot work on this case")
    return _open(parent=parent, service=service, reason=reason, by=by, title=title, channel=channel)


@transaction.atomic
def case_open_follow_on_for_customer(*, parent: Case, service: Service, reason: str, by: Any, title: str = "",
                                     on_behalf_of: bool = False, channel: str = Channel.WEB,
                                     submission_key: str = "", by_link: bool = False) -> Case:
    """The customer asks for a follow-on themselves (a complaint's stage 2 from the stage 1 response).

    `by` is the customer's own account, or an adviser acting for them (`on_behalf_of`, who must be
    allowed to act for customers). The same rules as an officer's follow-on apply (decided or closed
    parent, one open follow-on of a service); a case that is not the customer's is refused.

    `by_link`: a customer with no account, who opened a signed link we sent them about this case (the
    capability that signed it has checked it, e.g. bas.foi's internal review link). Nobody signed in acts:
    the case, its events and the audit record no actor, and `by` must be anonymous.
    """
    from oxtom.accounts.permissions import Permission

    parent = Case.objects.select_for_update(of=("self",)).select_related("service", "customer", "requested_by").get(
        pk=parent.pk)
    if by_link:
        if parent.customer_id is None or on_behalf_of or getattr(by, "is_authenticated", False):
            raise PermissionDenied("You cannot ask for a follow-on of this case")
        return _open(parent=parent, service=service, reason=reason, by=None, title=title, channel=channel,
                     submission_key=submission_key)
    if not getattr(by, "is_authenticated", False) or parent.customer_id is None:
        raise PermissionDenied("You cannot ask for a follow-on of this case")
    if on_behalf_of:
        if not by.has_permission(Permission.ASSIST_ACT_FOR):
            raise PermissionDenied("You cannot act for customers")
    elif parent.customer.user_id != by.pk:
        raise PermissionDenied("You cannot ask for a follow-on of this case")
    return _open(parent=parent, service=service, reason=reason, by=by, title=title, channel=channel,
                 on_behalf_of=on_behalf_of, submission_key=submission_key)


def _open(*, parent: Case, service: Service, reason: str, by: Any, title: str, channel: str,
          on_behalf_of: bool = False, submission_key: str = "") -> Case:
    if parent.status not in (Status.DECIDED, Status.CLOSED):
        raise ValidationError("Decide or close this case before opening a follow-on case", code="invalid_transition")
    if not service.is_active:
        raise ValidationError({"service": "Choose a service that is taking new cases"})
    reason = _clean_text(reason, required_message="Enter why a follow-on case is needed", field="reason",
                         max_length=MAX_REASON)
    existing = parent.follow_ons.filter(service=service).exclude(status=Status.CLOSED).first()
    if existing is not None:
        raise ValidationError({"service": f"{existing.reference} is already open for this: work that case"})
    title = (title or "").strip() or f"{service.name} following {parent.reference}"
    child = case_create(
        service=service, customer=parent.customer, requested_by=parent.requested_by, parent=parent,
        answers={"follows": parent.reference, "reason": reason}, channel=channel, by=by, title=title[:200],
        priority=parent.priority, division=parent.division, safeguarding=parent.safeguarding,
        vulnerable_customer=parent.vulnerable_customer, special_category=parent.special_category,
        on_behalf_of=on_behalf_of, submission_key=submission_key,
    )
    _event(child, Kind.NOTE, by, text=f"Follows {parent.reference}: {reason}", parent=parent.pk)
    _event(parent, Kind.FOLLOW_ON_OPENED, by, text=f"Follow-on case {child.reference} opened ({service.name})",
           follow_on=child.pk)
    audit_record(by=by, action="create", target=child, summary=f"Follow-on case {child.reference} of {parent.reference}",
                 parent=parent.reference, service=service.code)
    return child


def follow_on_services(parent: Case) -> list[Service]:
    """Services a follow-on of `parent` may be opened on: the same kind of work, taking cases."""
    return list(Service.objects.filter(is_active=True, kind=parent.service.kind).select_related("team").order_by("name"))
