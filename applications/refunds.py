"""Money due back on a permit that ended early (revoked, cancelled by its holder), refunded by an officer.

The rule: what is due is the unused part of the term, by days, of what was paid for it. "What was paid for
it" is the payment that paid for the term in force (term_payment): the first payment for a first term, the
renewal's own payment (under the saved-card agreement, after a YES text) for a renewed one, the replaced term's
for a replacement (a change of vehicle or address keeps the term it replaces); a term no payment paid for (free,
still waiting for payment, or renewed free under its first term's application) has nothing due. The day it
ended counts as used (the holder had it that day); a term ended before it started is due in full; one
ended on its last day is due nothing. The officer may refund less (never more than the payment still
holds: what was paid less earlier refunds). One refund settles an ended permit: it is recorded on the
entitlement, so a second is refused.

The refund goes through the payments provider (oxtom.payments.services.payment_refund: audited, on
the timeline, idempotent on the form's key), the resident is told through the outbox
("refund-made" template), and the refund case closes. A provider that refuses or does not answer
leaves the refund due with nothing recorded as paid, and says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.cases.services import can_work_case
from oxtom.core.money import pounds
from oxtom.payments.models import Payment, Refund, Status
from oxtom.payments.providers import ProviderRejected
from oxtom.payments.services import PaymentError, payment_refund

from .ending import ended_on
from .models import Application, Entitlement

ENDED = (Entitlement.Status.REVOKED, Entitlement.Status.CANCELLED)


@dataclass(frozen=True)
class RefundDue:
    entitlement: Entitlement
    payment: Payment
    suggested_pence: int
    available_pence: int
    pending: Refund | None = None  # sent to the provider earlier, no answer yet: confirming sends it again

    @property
    def suggested_display(self) -> str:
        return pounds(self.suggested_pence)

    @property
    def available_display(self) -> str:
        return pounds(self.available_pence)

    @property
    def pending_display(self) -> str:
        return pounds(self.pending.amount_pence) if self.pending is not None else ""


def unused_pence(entitlement: Entitlement, paid_pence: int, *, paid_from: dt.date | None = None) -> int:
    """The pro rata share of `paid_pence` for the days of the term after the day it ended (see the module).

    `paid_from` is the first day the payment paid for, when that is before this term's start (a replacement
    runs on to the end of the term it replaced, which the payment paid for as a whole).
    """
    starts_on = min(paid_from or entitlement.starts_on, entitlement.starts_on)
    term_days = (entitlement.expires_on - starts_on).days + 1
    last_used = ended_on(entitlement)
    if last_used < starts_on:
        return paid_pence
    unused = max(0, (entitlement.expires_on - last_used).days)
    return paid_pence * unused // max(term_days, 1)


def refund_if_ended_today(entitlement: Entitlement) -> int:
    """Pence that would be due back if this entitlement in force ended today (the holder's cancel page)."""
    paid = term_payment(entitlement)
    if paid is None or paid.payment.refund_available_pence <= 0:
        return 0
    probe = Entitlement(starts_on=entitlement.starts_on, expires_on=entitlement.expires_on,
                        details={"ended_on": timezone.localdate().isoformat()})
    return min(paid.payment.refund_available_pence,
               unused_pence(probe, paid.payment.amount_pence, paid_from=paid.paid_from))


@dataclass(frozen=True)
class TermPayment:
    payment: Payment
    paid_from: dt.date  # the first day of the term the payment paid for


_REPLACING = (Application.Kind.CHANGE, Application.Kind.REPLACEMENT)


def term_payment(entitlement: Entitlement) -> TermPayment | None:
    """The successful payment that paid for this term, or None when no payment did (see the module).

    An application's payment pays for the first term it issued only: a term renewed free under the same
    application (the one-reply renewal of a term with no fee) was not paid by it. A renewal application's
    payment (taken under the saved-card agreement after a YES text) pays for the renewed term it issued, never
    the first term's payment. A replacement has no money of its own for the term: the replaced term's
    payment paid for it, from that term's start. A query or two per term, whatever the data.
    """
    term, paid_from = entitlement, entitlement.starts_on
    for _ in range(20):  # a chain of replacements; never this long in practice
        application = term.application
        if application.kind in _REPLACING:
            replaced = (Entitlement.objects.filter(superseded_by_id=term.pk)
                        .select_related("application__payment").first())
            if replaced is not None:
                term, paid_from = replaced, min(paid_from, replaced.starts_on)
                continue
        payment = application.payment if application.payment_id else None
        if payment is None or payment.status != Status.SUCCESS or application.status != Application.Status.ISSUED:
            return None  # free, or this term's payment has not been taken (still waiting for payment)
        first = (Entitlement.objects.filter(application_id=application.pk).order_by("starts_on", "id")
                 .values_list("pk", flat=True).first())
        if first != term.pk:
            return None  # renewed free under the application that paid for an earlier term
        return TermPayment(payment, paid_from)
    return None


def _payment_of(entitlement: Entitlement) -> Payment | None:
    paid = term_payment(entitlement)
    return paid.payment if paid is not None else None


def refund_due_for(entitlement: Entitlement) -> RefundDue | None:
    """What is due back on one ended entitlement; None when nothing is (unpaid, refunded, nothing unused)."""
    if entitlement.status not in ENDED or (entitlement.details or {}).get("refund_id"):
        return None
    paid = term_payment(entitlement)
    if paid is None or paid.payment.refund_available_pence <= 0:
        return None
    payment = paid.payment
    suggested = min(payment.refund_available_pence,
                    unused_pence(entitlement, payment.amount_pence, paid_from=paid.paid_from))
    if suggested <= 0:
        return None
    pending = payment.refunds.filter(status=Refund.RefundStatus.SUBMITTED).order_by("id").first()
    return RefundDue(entitlement, payment, suggested, payment.refund_available_pence, pending)


def _candidates(application: Application) -> list[Entitlement]:
    """Entitlements this application's page answers for: the one a refused change ended, then its own (read
    afresh, in one query, so a refund settled a moment ago is seen)."""
    from django.db.models import Q

    found = Q(application=application)
    if application.previous_entitlement_id:
        found |= Q(pk=application.previous_entitlement_id)
    rows = list(Entitlement.objects.filter(found).select_related("application__payment", "service")
                .order_by("-starts_on", "-id"))
    return sorted(rows, key=lambda e: e.pk != application.previous_entitlement_id)


def refund_due(application: Application) -> RefundDue | None:
    """The ended entitlement this application's page can refund, with what is due; None if nothing is."""
    for entitlement in _candidates(application):
        due = refund_due_for(entitlement)
        if due is not None:
            return due
    return None


def refund_refusal(application: Application) -> str:
    """Why nothing can be refunded on this application, in words for the officer ("" when a refund is due)."""
    if refund_due(application) is not None:
        return ""
    candidates = _candidates(application)
    payments = [p for p in [application.payment, *(_payment_of(e) for e in candidates)] if p is not None]
    if not any(p.status == Status.SUCCESS for p in payments):
        return "This was never paid for, so there is nothing to refund."
    ended = [e for e in candidates if e.status in ENDED and (p := _payment_of(e)) is not None
             and p.status == Status.SUCCESS]
    if not ended:
        return "Nothing paid for here has ended early, so there is nothing to refund."
    if any((e.details or {}).get("refund_id") for e in ended) or all(
            _payment_of(e).refund_available_pence <= 0 for e in ended):
        return "This has already been refunded."
    return "It ended with no unused days left, so nothing is due back."


def can_refund(user: Any, application: Application) -> bool:
    """Officers who work the application's case and may refund for that team (or administrators)."""
    case = application.case
    return (case is not None and can_work_case(user, case)
            and user.has_team_permission(Permission.PAYMENT_REFUND, case.team_id))


def application_refunds(application: Application) -> list[dict]:
    """Refunds already made on the payments this application's page can refund (newest first)."""
    ids = [p.pk for p in (_payment_of(e) for e in _candidates(application)) if p is not None]
    return [{"when": r.created_at, "amount": pounds(r.amount_pence),
             "status": {"success": "refunded", "submitted": "sent to the payments provider, no answer yet",
                        "error": "refused by the payments provider"}.get(r.status, r.status), "reason": r.reason}
            for r in Refund.objects.filter(payment_id__in=ids).order_by("-created_at", "-id")[:20]]


def resident_refund(entitlement: Entitlement) -> dict | None:
    """What the holder's page says about money back: {"due": "£X"} or {"refunded": "£X", "on": date}."""
    details = entitlement.details or {}
    if details.get("refund_id"):
        on = details.get("refunded_on")
        return {"refunded": pounds(int(details.get("refunded_pence") or 0)),
                "on": dt.date.fromisoformat(on) if isinstance(on, str) else None}
    due = refund_due_for(entitlement)
    return {"due": due.suggested_display} if due is not None else None


def application_refund(*, application: Application, amount_pence: int, reason: str, by: Any,
                       idempotency_key: str) -> Refund:
    """Refund an ended permit's unused term, by an officer who may refund for the application's team.

    Refused clearly: nothing due (unpaid, already refunded, no unused days), more than the payment
    holds, or, while an earlier refund waits for the provider's answer, a different amount (the same
    amount sends that one again under its own key, so it is never paid twice). A provider that
    refuses or does not answer raises PaymentError: the refund stays due, nothing is told or closed.
    """
    if not can_refund(by, application):
        raise PermissionDenied("You cannot refund on this application")
    due = refund_due(application)
    if due is None:
        raise PaymentError(refund_refusal(application))
    if amount_pence > due.available_pence:
        raise PaymentError(f"You can refund at most {due.available_display}: what was paid, less earlier refunds.")
    if due.pending is not None:
        if amount_pence != due.pending.amount_pence:
            raise PaymentError(f"A refund of {pounds(due.pending.amount_pence)} is waiting for the payments "
                               "provider's answer: refund that amount to send it again.")
        idempotency_key = due.pending.idempotency_key
    try:
        refund = payment_refund(payment=due.payment, amount_pence=amount_pence, reason=reason, by=by,
                                idempotency_key=idempotency_key)
    except PaymentError as exc:
        if isinstance(exc.__cause__, ProviderRejected):
            raise PaymentError("The payments provider refused the refund, so nothing has been refunded and it "
                               "is still due. Check the payment with the provider before trying again.") from exc
        if exc.__cause__ is not None:
            raise PaymentError("The payments provider did not answer, so the refund has not been made and it "
                               "is still due. Try again: it will not be paid twice.") from exc
        raise
    if refund.status != Refund.RefundStatus.SUCCESS:
        raise PaymentError("The payments provider has the refund but has not confirmed it yet: it is still due. "
                           "Try again later: it will not be paid twice.")
    _settle(application, due, refund, by=by)
    return refund


@transaction.atomic
def _settle(application: Application, due: RefundDue, refund: Refund, *, by: Any) -> None:
    """The refund went through: record it on the entitlement, tell the holder, close the refund case."""
    from oxtom.notify.services import notification_queue

    from .services import _date, _link

    entitlement = Entitlement.objects.select_for_update(of=("self",)).select_related("service").get(
        pk=due.entitlement.pk)
    details = entitlement.details or {}
    if details.get("refund_id") == refund.pk:
        return  # settled already (the same refund sent twice)
    today = timezone.localdate()
    Entitlement.objects.filter(pk=entitlement.pk).update(details={
        **details, "refund_id": refund.pk, "refunded_pence": refund.amount_pence, "refunded_on": today.isoformat()})
    notification_queue(
        customer=application.customer, template="refund-made", by=by, idempotency_key=f"refund:{refund.pk}:told",
        context={"name": application.customer.display_name, "service": entitlement.service.name_in_sentence,
                 "number": entitlement.number, "amount": pounds(refund.amount_pence), "refunded_on": _date(today),
                 "message": "It can take up to 5 working days to reach your account.",
                 "link": _link("apply:entitlement", entitlement.number)})
    _close_refund_case(application, by=by)


def _close_refund_case(application: Application, *, by: Any) -> None:
    """The refund was the work: close the application's case if it is still open."""
    from oxtom.cases.models import Outcome, Status as CaseStatus
    from oxtom.cases.services import case_close

    case = application.case
    case.refresh_from_db()
    if case.status not in (CaseStatus.CLOSED, CaseStatus.DECIDED, CaseStatus.AWAITING_CUSTOMER):
        case_close(case=case, outcome=Outcome.COMPLETED, note="Refund of the unused term made",
                   expected_version=case.version, by=by)
