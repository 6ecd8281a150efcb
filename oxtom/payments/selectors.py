"""Reads of payments, scoped to who is asking."""
from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404

from .models import AgreementStatus, Payment, PaymentAgreement, SandboxCharge


def get_payment_for_return(token: str) -> Payment:
    """The payment a payer is returning to, by the unguessable token in our return URL; 404 otherwise."""
    if not token or len(token) > 64:
        raise Http404
    payment = Payment.objects.select_related("customer").filter(return_token=token).first()
    if payment is None:
        raise Http404
    return payment


def get_sandbox_charge(payment_id: str) -> SandboxCharge:
    if not payment_id or len(payment_id) > 64:
        raise Http404
    charge = SandboxCharge.objects.filter(payment_id=payment_id).first()
    if charge is None:
        raise Http404
    return charge


def payments_for_object(obj: Model) -> QuerySet[Payment]:
    """Every payment taken for one thing (an application, a permit), newest first."""
    return Payment.objects.for_object(obj)


def successful_payment_for(obj: Model) -> Payment | None:
    """The payment that paid for `obj`, if any: what callers check before issuing."""
    return Payment.objects.for_object(obj).filter(status="success").first()


def payments_for_customer(customer: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(customer=customer)


def agreements_for_customer(customer: Any) -> QuerySet[PaymentAgreement]:
    """A payer's recurring-payment agreements that were set up (active first, then cancelled), for their account."""
    if customer is None:
        return PaymentAgreement.objects.none()
    return (PaymentAgreement.objects.filter(customer=customer)
            .exclude(status__in=[AgreementStatus.CREATED, AgreementStatus.INACTIVE])
            .order_by("status", "-created_at"))


def get_agreement_for_customer(customer: Any, reference: str) -> PaymentAgreement:
    """One of the payer's own agreements by reference; anyone else's (or none) is a 404."""
    if customer is None or not reference or len(reference) > 20:
        raise Http404
    agreement = PaymentAgreement.objects.filter(customer=customer, reference=reference).first()
    if agreement is None:
        raise Http404
    return agreement
