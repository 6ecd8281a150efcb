"""Money due back on a permit that ended early (revoked, or cancelled), refunded by an officer.

The suggestion is the unused part of the term, by days, of what was paid for it; the officer may
refund less (never more than the payment still holds). The refund goes through the payments
provider (oxtom.payments.services.payment_refund: audited, on the timeline, idempotent on the form's
key), and the resident is told through the outbox.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from oxtom.cases.services import can_work_case
from oxtom.payments.models import Payment, Status
from oxtom.payments.services import PaymentError, payment_refund

from .models import Application, Entitlement

ENDED = (Entitlement.Status.REVOKED,)


@dataclass(frozen=True)
class RefundDue:
    entitlement: Entitlement
    payment: Payment
    suggested_pence: int
    available_pence: int

    @property
    def suggested_display(self) -> str:
        return f"£{self.suggested_pence / 100:,.2f}"

    @property
    def available_display(self) -> str:
        return f"£{self.available_pence / 100:,.2f}"


def _ended_on(entitlement: Entitlement) -> dt.date:
    raw = (entitlement.details or {}).get("revoked_on")
    try:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else entitlement.modified_at.date()
    except ValueError:
        return entitlement.modified_at.date()


def refund_due(application: Application) -> RefundDue | None:
    """The ended entitlement this application's page can refund, with what is due; None if nothing is.

    A refused change of address revokes the permit it was about (previous_entitlement); a permit of the
    application itself may have been revoked too. The payment is the one that bought that term.
    """
    candidates = [application.previous_entitlement] if application.previous_entitlement_id else []
    candidates += list(Entitlement.objects.filter(application=application, status__in=ENDED))
    for entitlement in candidates:
        if entitlement is None or entitlement.status not in ENDED:
            continue
        payment = entitlement.application.payment
        if payment is None or payment.status != Status.SUCCESS or payment.refund_available_pence <= 0:
            continue
        term_days = (entitlement.expires_on - entitlement.starts_on).days + 1
        unused = max(0, (entitlement.expires_on - max(_ended_on(entitlement), entitlement.starts_on)).days)
        suggested = min(payment.refund_available_pence, payment.amount_pence * unused // max(term_days, 1))
        return RefundDue(entitlement, payment, suggested, payment.refund_available_pence)
    return None


def application_refunds(application: Application):
    """Refunds already made on the payments this application's page can refund (newest first)."""
    from oxtom.payments.models import Refund

    ids = [e.application.payment_id for e in
           ([application.previous_entitlement] if application.previous_entitlement_id else [])
           + list(Entitlement.objects.filter(application=application).select_related("application"))
           if e is not None and e.application.payment_id]
    return [{"when": r.created_at, "amount": f"£{r.amount_pence / 100:,.2f}",
             "status": {"success": "refunded", "submitted": "refund sent to the provider",
                        "error": "refund refused by the provider"}.get(r.status, r.status), "reason": r.reason}
            for r in Refund.objects.filter(payment_id__in=ids).order_by("-created_at", "-id")[:20]]


def application_refund(*, application: Application, amount_pence: int, reason: str, by: Any,
                       idempotency_key: str) -> Payment:
    """Refund an ended permit's unused term, by an officer who may work the application's case."""
    if application.case is None or not can_work_case(by, application.case):
        raise PermissionDenied("You cannot work on this application")
    due = refund_due(application)
    if due is None:
        raise PaymentError("There is nothing to refund on this application.")
    if amount_pence > due.available_pence:
        raise PaymentError(f"You can refund at most {due.available_display}.")
    refund = payment_refund(payment=due.payment, amount_pence=amount_pence, reason=reason, by=by,
                            idempotency_key=idempotency_key)
    if refund.status == refund.RefundStatus.SUCCESS:
        from oxtom.notify.services import notification_queue

        with transaction.atomic():
            notification_queue(
                customer=application.customer, template="generic-update", by=by,
                idempotency_key=f"refund:{refund.pk}:told",
                context={"name": application.customer.display_name,
                         "subject": f"Refund for {due.entitlement.number}",
                         "message": f"We have refunded £{amount_pence / 100:,.2f} to the card you paid with, for "
                                    f"the unused part of {due.entitlement.number}. It can take up to 5 working "
                                    "days to reach your account.",
                         "reference": due.entitlement.number})
        _close_refund_case(application, by=by)
    due.payment.refresh_from_db()
    return due.payment


def _close_refund_case(application: Application, *, by: Any) -> None:
    """The refund was the work: close the application's case if it is still open."""
    from oxtom.cases.models import Outcome, Status as CaseStatus
    from oxtom.cases.services import case_close

    case = application.case
    case.refresh_from_db()
    if case.status not in (CaseStatus.CLOSED, CaseStatus.DECIDED, CaseStatus.AWAITING_CUSTOMER):
        case_close(case=case, outcome=Outcome.COMPLETED, note="Refund of the unused term made",
                   expected_version=case.version, by=by)
