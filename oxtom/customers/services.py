"""Writes to the single customer record. Nothing else writes these tables."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from oxtom.core.audit import audit_record

from .models import Channel, Customer, Interaction

_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B)


def new_customer_reference() -> str:
    """A short reference customers can read over the phone, e.g. CU-7KXM-Q3TA."""
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"CU{body}"


def interaction_record(
    *,
    customer: Customer,
    kind: str,
    summary: str,
    channel: str = Channel.SYSTEM,
    direction: str = Interaction.Direction.INTERNAL,
    by: Any = None,
    on_behalf_of: bool = False,
    subject: models.Model | None = None,
    subject_reference: str = "",
    occurred_at: datetime | None = None,
) -> Interaction:
    """Add one entry to a customer's timeline. Every app records contacts and events through this.

    A tombstoned (merged) customer's entries go to the survivor.
    """
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    return Interaction.objects.create(
        customer=customer,
        occurred_at=occurred_at or timezone.now(),
        channel=channel,
        direction=direction,
        kind=kind,
        actor=by if getattr(by, "is_authenticated", False) else None,
        on_behalf_of=on_behalf_of,
        summary=summary[:500],
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_reference=subject_reference,
    )


@transaction.atomic
def customer_ensure_for_user(*, user: Any, by: Any = None) -> Customer:
    """The customer record linked to an online account, creating it on first need."""
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    first, _, last = (user.full_name or "").partition(" ")
    customer = Customer.objects.create(
        reference=new_customer_reference(),
        first_name=first,
        last_name=last,
        search_first_name=first.lower(),
        search_last_name=last.lower(),
        email=user.email,
        user=user,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit_record(by=by, action="create", target=customer, summary="Customer record created for online account")
    interaction_record(
        customer=customer, kind="account.created", summary="Created an online account",
        channel=Channel.WEB, direction=Interaction.Direction.INBOUND, by=user,
    )
    return customer
