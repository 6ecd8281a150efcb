"""A permit, badge or pass ended before its term was up: cancelled by its holder, or revoked by an officer.

Either way it stops at once (today), the saved-card agreement that paid its renewals is released,
and, when money is due back (refunds.refund_due: the unused days of what was paid), a "Refund due"
case is opened in the service team's queue through the case engine, so an officer finds it and
refunds from the application's page. The holder is told through the outbox, with the amount the
refund is expected to be, never "contact us".
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from oxtom.core.actors import actor as _actor
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Interaction

from .models import Application, Entitlement
from .services import (
    ApplicationError, _date, _link, _notify, _refund_case, _timeline, payment_agreements_release, renewal_withdraw,
)

MAX_REASON = 500


def can_revoke(user: Any, entitlement: Entitlement) -> bool:
    """Officers of the service's team (or administrators) may revoke its permits, badges and passes."""
    from oxtom.cases.services import can_take_cases

    if not getattr(user, "is_authenticated", False):
        return False
    return can_take_cases(user, entitlement.service.case_service.team_id)


@transaction.atomic
def entitlement_cancel(*, entitlement: Entitlement, by: Any, channel: str = Channel.WEB) -> Entitlement:
    """The holder (or an adviser acting for them) hands back a permit, badge or pass in force.

    Cancelling one already cancelled gives it back unchanged (a double click); one that has
    otherwise ended (expired, replaced, revoked) is refused.
    """
    locked = _locked(entitlement)
    if locked.status == Entitlement.Status.CANCELLED:
        return locked
    return _end(locked, status=Entitlement.Status.CANCELLED, by=by, channel=channel,
                reason="Cancelled by the holder", direction=Interaction.Direction.INBOUND)


@transaction.atomic
def entitlement_revoke(*, entitlement: Entitlement, reason: str, by: Any) -> Entitlement:
    """An officer of the service's team ends a permit, badge or pass in force, saying why (told to the holder)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError("Say why it is being revoked")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise ApplicationError(f"Keep the reason to {MAX_REASON} characters or fewer, as plain text")
    locked = _locked(entitlement)
    if not can_revoke(by, locked):
        raise PermissionDenied("You cannot revoke this")
    if locked.status == Entitlement.Status.REVOKED:
        return locked
    return _end(locked, status=Entitlement.Status.REVOKED, by=by, channel=Channel.SYSTEM, reason=reason,
                direction=Interaction.Direction.OUTBOUND)


def _locked(entitlement: Entitlement) -> Entitlement:
    return (Entitlement.objects.select_for_update(of=("self",))
            .select_related("service__case_service", "customer", "application__payment", "application__case")
            .get(pk=entitlement.pk))


def _end(old: Entitlement, *, status: str, by: Any, channel: str, reason: str, direction: str) -> Entitlement:
    from .refunds import refund_due_for

    if old.status != Entitlement.Status.ACTIVE:
        raise ApplicationError(f"This has {old.get_status_display().lower()} already, so it cannot be ended.")
    today = timezone.localdate()
    details = {**(old.details or {}), "ended_on": today.isoformat(), "ended_reason": reason[:MAX_REASON]}
    if status == Entitlement.Status.REVOKED:
        details.update(revoked_on=today.isoformat(), revoked_reason=reason[:MAX_REASON])
    Entitlement.objects.filter(pk=old.pk, status=Entitlement.Status.ACTIVE).update(
        status=status, details=details, version=F("version") + 1, modified_at=timezone.now(),
        modified_by=_actor(by))
    old.refresh_from_db()
    service = old.service
    word = "cancelled" if status == Entitlement.Status.CANCELLED else "revoked"
    audit_record(by=by, action="update", target=old, summary=f"{service.name} {old.number} {word}",
                 ended_on=today.isoformat(), reason=reason[:MAX_REASON])
    _timeline(old.customer, kind=f"entitlement.{word}", summary=f"{service.name} {old.number} {word}", by=by,
              subject=old, reference=old.number, channel=channel, direction=direction)
    # A renewal still waiting for its fee is withdrawn: the task that takes it under the saved card, and the
    # payment link, find nothing to pay; a fee already on its way is refunded when it settles (renewal_stopped).
    for pending in Application.objects.filter(previous_entitlement=old, kind=Application.Kind.RENEWAL,
                                              status=Application.Status.AWAITING_PAYMENT):
        renewal_withdraw(pending, by=by, reason=f"{old.number} {word}")
    if old.payment_agreement_id:  # nothing more is taken with the saved card for a permit that has ended
        transaction.on_commit(lambda: payment_agreements_release(by=None))
    due = refund_due_for(old)
    application = old.application
    if due is not None:
        _refund_case(application, old, by=by)
    why = "" if status == Entitlement.Status.CANCELLED else f"Why: {reason} "
    money = (f"A refund of {due.suggested_display} for the unused part of what you paid is being processed: "
             "we will tell you when it is on its way to your card." if due is not None else "")
    _notify(old.customer, template="entitlement-ended", by=by, key=f"entitlement:{old.pk}:ended",
            context={"service": service.name_in_sentence, "number": old.number, "ended_on": _date(today),
                     "message": f"{why}{money}".strip() or "You do not need to do anything.",
                     "link": _link("apply:entitlement", old.number)})
    return old


def ended_on(entitlement: Entitlement) -> dt.date:
    """The day an ended entitlement stopped (the holder had the use of it that day)."""
    details = entitlement.details or {}
    for key in ("ended_on", "revoked_on"):
        raw = details.get(key)
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                continue
    return timezone.localtime(entitlement.modified_at).date()
