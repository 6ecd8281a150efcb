"""Applications' bulk services: many entitlements renewed, many renewal applications made, set-based.

The renewal run (applications/renewals) acts on thousands of "nothing has
changed" replies a batch. entitlement_renew and application_submit write
one row at a time with their checks; these write a batch in a handful of
statements, with the same guarantees held by the database rather than by
a lock per row (docs/adr/0004-renewals-by-one-reply.md):

* a new term is unique per (application, starts_on) and goes in with
  INSERT ... ON CONFLICT DO NOTHING, so a term renewed twice (a resumed
  run, two runs at once) is issued once;
* an old term is superseded by a conditional UPDATE on the terms still
  active, linked to its successor through a subquery (bulk_update's CASE
  per row is ten times slower at this size);
* a renewal application's submission key (`renewal:<entitlement>:<due>`)
  is unique, so the same reply acted on twice makes one application.

The caller writes the audit events, timeline entries and messages for the
batch (through audit_record_many, interaction_record_many and
notification_queue_many), because only it knows what the resident was told.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from oxtom.core.actors import actor as _actor
from oxtom.core.bulk import insert_many
from oxtom.core.references import random_code

from .models import Application, Entitlement
from .rules import add_months



def renewal_starts_on(old: Entitlement) -> dt.date:
    """As entitlement_renew: the day after the old expiry, or today if that has passed."""
    return max(old.expires_on + dt.timedelta(days=1), timezone.localdate())


def new_entitlement_numbers(prefix: str, count: int) -> list[str]:
    """Random entitlement numbers; the few that collide with an existing one are drawn again."""
    numbers: set[str] = set()
    while len(numbers) < count:
        wanted = count - len(numbers)
        fresh = {random_code(8, prefix=f"{prefix}-") for _ in range(wanted)}
        taken = set(Entitlement.objects.filter(number__in=fresh).values_list("number", flat=True))
        numbers |= fresh - taken
    return list(numbers)[:count]


def entitlement_renew_many(*, entitlements: list[Entitlement], by: Any) -> dict[int, Entitlement]:
    """Renew many terms for a new term each, keeping their details; {old id: new term} for each renewed.

    `entitlements` are active terms with `service` loaded, whose service may
    renew automatically (the caller has checked). Terms already renewed for
    the same start are not issued again: their existing successor is returned.
    """
    if not entitlements:
        return {}
    now = timezone.now()
    actor = _actor(by)
    by_prefix: dict[str, list[Entitlement]] = defaultdict(list)
    for old in entitlements:
        by_prefix[old.service.number_prefix].append(old)
    new_rows: list[Entitlement] = []
    for prefix, olds in by_prefix.items():
        for old, number in zip(olds, new_entitlement_numbers(prefix, len(olds))):
            starts = renewal_starts_on(old)
            validity = int((old.details or {}).get("validity_months") or old.service.validity_months)
            new_rows.append(Entitlement(
                number=number, service_id=old.service_id, customer_id=old.customer_id,
                application_id=old.application_id, status=Entitlement.Status.ACTIVE, starts_on=starts,
                expires_on=add_months(starts, validity) - dt.timedelta(days=1), details=old.details,
                issued_at=now, created_by=actor, modified_by=actor, payment_agreement_id=old.payment_agreement_id,
            ))
    # (application, starts_on) is unique: a term renewed twice cannot be issued twice.
    insert_many(Entitlement, new_rows, ignore_conflicts=True)
    issued = {
        (e.application_id, e.starts_on): e
        for e in Entitlement.objects.filter(
            application_id__in={r.application_id for r in new_rows},
            starts_on__in={r.starts_on for r in new_rows}).select_related("service")
    }
    renewed: dict[int, Entitlement] = {}
    for old in entitlements:
        new = issued.get((old.application_id, renewal_starts_on(old)))
        if new is not None:  # always, after the INSERT above
            renewed[old.pk] = new
    # One set-based UPDATE links each old term to its successor through the shared application
    # (the new term is the one that starts after the old expiry).
    successor = (Entitlement.objects.filter(application_id=OuterRef("application_id"),
                                            starts_on__gt=OuterRef("expires_on"))
                 .order_by("starts_on").values("pk")[:1])
    Entitlement.objects.filter(pk__in=list(renewed), status=Entitlement.Status.ACTIVE).update(
        status=Entitlement.Status.SUPERSEDED, superseded_by=Subquery(successor), version=F("version") + 1,
        modified_at=now, modified_by=actor)
    return renewed


ENDINGS = (Entitlement.Status.LAPSED, Entitlement.Status.EXPIRED)


def entitlement_end_many(*, entitlement_ids: list[int] | set[int], status: str, by: Any) -> int:
    """End many active terms as `lapsed` (no renewal reply) or `expired`: one conditional UPDATE.

    Only terms still active move (one renewed or revoked meanwhile is left
    alone), each with its version bumped so a page open on it is told it
    changed. Returns how many moved.
    """
    if status not in ENDINGS:
        raise ValueError(f"An entitlement ends as lapsed or expired, not {status!r}")
    ids = list(entitlement_ids)
    if not ids:
        return 0
    return Entitlement.objects.filter(pk__in=ids, status=Entitlement.Status.ACTIVE).update(
        status=status, version=F("version") + 1, modified_at=timezone.now(), modified_by=_actor(by))


@dataclass
class RenewalToPay:
    """A term to renew once paid for: the renewal application the reply makes."""

    entitlement: Entitlement
    channel: str
    submission_key: str
    fee_pence: int
    reasons: list[str] = field(default_factory=list)


def renewal_application_create_many(*, renewals: list[RenewalToPay], by: Any) -> dict[str, int]:
    """A renewal application per term, approved by the reply and waiting for payment: {submission key: id}.

    Each keeps the term's answers and details (the rules are not re-run for
    "nothing has changed") with the new term's start; a key already used
    makes nothing new and its existing application's id is returned.
    """
    if not renewals:
        return {}
    now = timezone.now()
    actor = _actor(by)
    rows = []
    for item in renewals:
        old = item.entitlement
        details = dict(old.details or {})
        details["starts_on"] = renewal_starts_on(old).isoformat()
        rows.append(Application(
            reference=_new_application_reference(), service_id=old.service_id, customer_id=old.customer_id,
            channel=item.channel, kind=Application.Kind.RENEWAL,
            answers=dict(old.application.answers or {}) if old.application_id else {},
            status=Application.Status.AWAITING_PAYMENT, reasons=list(item.reasons), decided_automatically=True,
            decided_at=now, fee_pence=item.fee_pence, details=details, previous_entitlement_id=old.pk,
            submission_key=item.submission_key, submitted_at=now, created_by=actor, modified_by=actor,
        ))
    insert_many(Application, rows, ignore_conflicts=True)
    return dict(Application.objects.filter(submission_key__in=[r.submission_key for r in rows])
                .values_list("submission_key", "pk"))


def _new_application_reference() -> str:
    return random_code(10, prefix="RN")
