"""Writes to applications and entitlements: submit, decide, pay, issue, renew, change.

Every service is keyword-only, atomic and takes the acting user as `by=`;
each records the audit event and the customer's timeline entry itself, and
queues customer messages through the notify outbox inside its transaction.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Interaction
from oxtom.customers.services import interaction_record

from .models import Application, Entitlement
from .rules import add_months

_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes, readable over the phone


class ApplicationError(ValidationError):
    """A request we will not carry out; the message is written for the person who asked."""


def _actor(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _new_number(prefix: str) -> str:
    while True:
        number = f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
        if not Entitlement.objects.filter(number=number).exists():
            return number


def _timeline(customer, *, kind: str, summary: str, by: Any, subject, reference: str,
              channel: str = Channel.SYSTEM, direction: str = Interaction.Direction.OUTBOUND,
              on_behalf_of: bool = False) -> None:
    interaction_record(customer=customer, kind=kind, summary=summary, channel=channel, direction=direction,
                       by=by, on_behalf_of=on_behalf_of, subject=subject, subject_reference=reference)


@transaction.atomic
def entitlement_issue(*, application: Application, by: Any, starts_on: dt.date | None = None) -> Entitlement:
    """Issue the permit, badge or pass an approved application earned. Issuing twice gives back the first.

    The application row is locked, so a payment return page and the payment
    sweeper finishing at the same moment issue once between them.
    """
    application = Application.objects.select_for_update().select_related("service", "customer").get(
        pk=application.pk)
    existing = (Entitlement.objects.filter(application=application).exclude(status=Entitlement.Status.SUPERSEDED)
                .order_by("-starts_on").first())
    if application.status == Application.Status.ISSUED and existing is not None:
        return existing
    if application.status not in (Application.Status.APPROVED, Application.Status.AWAITING_PAYMENT):
        raise ApplicationError("Only an approved application can be issued.")
    service = application.service
    details = dict(application.details or {})
    if starts_on is None:
        planned = details.get("starts_on")
        starts_on = dt.date.fromisoformat(planned) if planned else timezone.localdate()
    validity = int(details.get("validity_months") or service.validity_months)
    now = timezone.now()
    entitlement = Entitlement.objects.create(
        number=_new_number(service.number_prefix), service=service, customer=application.customer,
        application=application, status=Entitlement.Status.ACTIVE, starts_on=starts_on,
        expires_on=add_months(starts_on, validity) - dt.timedelta(days=1), details=details, issued_at=now,
        created_by=_actor(by), modified_by=_actor(by),
    )
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.ISSUED, version=application.version + 1, modified_at=now, modified_by=_actor(by))
    application.status, application.version = Application.Status.ISSUED, application.version + 1
    audit_record(by=by, action="create", target=entitlement,
                 summary=f"{service.name} {entitlement.number} issued", application=application.reference,
                 expires_on=entitlement.expires_on.isoformat())
    _timeline(application.customer, kind="entitlement.issued",
              summary=f"{service.name} {entitlement.number} issued, valid to {entitlement.expires_on:%-d %B %Y}",
              by=by, subject=entitlement, reference=entitlement.number)
    return entitlement
