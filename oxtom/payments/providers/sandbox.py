"""The built-in sandbox provider: a hosted card page we serve ourselves at /pay/sandbox/<id>/.

It behaves like GOV.UK Pay's test accounts so the whole journey works
offline: the same test card numbers give the same outcomes, unfinished
payments expire after 90 minutes (failed, code P0020), and the payer comes back
to our return URL, where we ask the provider (this module) what happened.
It stores no card data beyond the last four digits.
"""
from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ..models import FINISHED, PAYMENT_EXPIRY, AgreementStatus, SandboxAgreement, SandboxCharge, Status, can_move
from . import ProviderAgreement, ProviderPayment, ProviderRefund, ProviderRejected

# GOV.UK Pay's documented test card numbers and what each does.
TEST_CARDS: dict[str, tuple[str, str, str, str]] = {
    # number: (outcome status, code, message, brand)
    "4444333322221111": (Status.SUCCESS, "", "", "Visa"),
    "4242424242424242": (Status.SUCCESS, "", "", "Visa"),
    "4000056655665556": (Status.SUCCESS, "", "", "Visa"),
    "5101180000000007": (Status.SUCCESS, "", "", "Mastercard"),
    "5555555555554444": (Status.SUCCESS, "", "", "Mastercard"),
    "378282246310005": (Status.SUCCESS, "", "", "American Express"),
    "4000000000000002": (Status.FAILED, "P0010", "Payment method rejected", "Visa"),
    "4000000000000069": (Status.FAILED, "P0010", "Payment method rejected", "Visa"),
    "4000000000000127": (Status.FAILED, "P0010", "Payment method rejected", "Visa"),
    "4000000000000119": (Status.ERROR, "P0050", "Payment provider returned an error", "Visa"),
    # The sandbox's own: the payment succeeds, and later payments under an agreement it sets up are declined
    # (as when a card is cancelled between renewals), so the fall-back to a payment link can be tried.
    "4000000000000077": (Status.SUCCESS, "", "", "Visa"),
}
DECLINES_LATER = "4000000000000077"
# Why each declined card is declined, in words for the payer (the codes above are GOV.UK Pay's).
DECLINE_REASONS = {
    "4000000000000002": "Your card was declined.",
    "4000000000000069": "Your card has expired.",
    "4000000000000127": "The card security code was not accepted.",
    "4000000000000119": "There was a problem with the card processor.",
}
CANCELLED_BY_USER = ("P0030", "Payment was cancelled by the user")
EXPIRED = ("P0020", "Payment expired")


class SandboxProvider:
    name = "sandbox"

    def create(self, *, amount: int, reference: str, description: str, return_path: str,
               moto: bool, idempotency_key: str, set_up_agreement: str = "") -> ProviderPayment:
        if set_up_agreement and not SandboxAgreement.objects.filter(
                agreement_id=set_up_agreement, status=AgreementStatus.CREATED).exists():
            raise ProviderRejected("The agreement to set up is not waiting for its first payment")
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    payment_id=secrets.token_hex(13), amount=amount, reference=reference,
                    description=description, return_url=return_path, moto=moto,
                    idempotency_key=idempotency_key, created_date=timezone.now(),
                    set_up_agreement=set_up_agreement,
                )
        except IntegrityError:
            # Like GOV.UK Pay's Idempotency-Key: the same key gives back the first payment.
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
            if charge.amount != amount:
                raise ProviderRejected("Idempotency key reused with a different amount") from None
        return _as_payment(charge)

    def get(self, payment_id: str) -> ProviderPayment:
        charge = SandboxCharge.objects.filter(payment_id=payment_id).first()
        if charge is None:
            raise ProviderRejected("No such sandbox payment")
        expire_if_due(charge)
        return _as_payment(charge)

    def refund(self, payment_id: str, *, amount: int, refund_amount_available: int,
               idempotency_key: str) -> ProviderRefund:
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(payment_id=payment_id).first()
            if charge is None or charge.status != Status.SUCCESS:
                raise ProviderRejected("Only a successful payment can be refunded")
            available = charge.amount - charge.refunded
            if available != refund_amount_available:
                # GOV.UK Pay's guard against two people refunding at once (P0604).
                raise ProviderRejected("refund_amount_available does not match")
            if amount > available:
                raise ProviderRejected("Refund amount is more than is available")
            charge.refunded += amount
            charge.save(update_fields=["refunded"])
        return ProviderRefund(refund_id=secrets.token_hex(13), status="success", amount=amount)


    # --- recurring card payments ------------------------------------------------------------------

    def create_agreement(self, *, reference: str, description: str, user_identifier: str) -> ProviderAgreement:
        agreement = SandboxAgreement.objects.create(agreement_id=secrets.token_hex(13), reference=reference,
                                                    description=description, created_date=timezone.now())
        return _as_agreement(agreement)

    def get_agreement(self, agreement_id: str) -> ProviderAgreement:
        agreement = SandboxAgreement.objects.filter(agreement_id=agreement_id).first()
        if agreement is None:
            raise ProviderRejected("No such sandbox agreement")
        return _as_agreement(agreement)

    def cancel_agreement(self, agreement_id: str) -> None:
        updated = SandboxAgreement.objects.filter(agreement_id=agreement_id, status__in=[
            AgreementStatus.CREATED, AgreementStatus.ACTIVE]).update(status=AgreementStatus.CANCELLED)
        if not updated and not SandboxAgreement.objects.filter(agreement_id=agreement_id,
                                                               status=AgreementStatus.CANCELLED).exists():
            raise ProviderRejected("Only a created or active agreement can be cancelled")

    def take_with_agreement(self, *, amount: int, reference: str, description: str, agreement_id: str,
                            idempotency_key: str) -> ProviderPayment:
        """A payment under an active agreement: no card page; settled at once (declined for DECLINES_LATER)."""
        agreement = SandboxAgreement.objects.filter(agreement_id=agreement_id).first()
        if agreement is None or agreement.status != AgreementStatus.ACTIVE:
            raise ProviderRejected("The agreement is not active")
        declined = agreement.declines_later
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    payment_id=secrets.token_hex(13), amount=amount, reference=reference, description=description,
                    return_url="", moto=False, idempotency_key=idempotency_key, created_date=timezone.now(),
                    agreement_id=agreement_id, status=Status.FAILED if declined else Status.SUCCESS,
                    code="P0010" if declined else "", message="Payment method rejected" if declined else "",
                    card_brand=agreement.card_brand, last_digits_card_number=agreement.last_digits_card_number,
                )
        except IntegrityError:
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
            if charge.amount != amount:
                raise ProviderRejected("Idempotency key reused with a different amount") from None
        return _as_payment(charge)


def _as_agreement(agreement: SandboxAgreement) -> ProviderAgreement:
    return ProviderAgreement(agreement_id=agreement.agreement_id, status=agreement.status,
                             card_brand=agreement.card_brand, last_four=agreement.last_digits_card_number)


def next_url(charge: SandboxCharge) -> str:
    return reverse("payments:sandbox_page", args=[charge.payment_id])


def _as_payment(charge: SandboxCharge) -> ProviderPayment:
    finished = charge.status in FINISHED
    return ProviderPayment(
        payment_id=charge.payment_id, status=charge.status, finished=finished, amount=charge.amount,
        next_url="" if finished else next_url(charge), code=charge.code, message=charge.message,
        card_brand=charge.card_brand, last_four=charge.last_digits_card_number,
        refund_available=(charge.amount - charge.refunded) if charge.status == Status.SUCCESS else 0,
    )


def expire_if_due(charge: SandboxCharge, *, now=None) -> bool:
    """Fail an unfinished charge older than 90 minutes, as GOV.UK Pay does (P0020)."""
    now = now or timezone.now()
    if charge.status in FINISHED or now - charge.created_date < PAYMENT_EXPIRY:
        return False
    return _finish(charge, Status.FAILED, *EXPIRED)


def _finish(charge: SandboxCharge, status: str, code: str = "", message: str = "", *,
            brand: str = "", last_four: str = "") -> bool:
    """Conditionally move the charge on; False if someone else finished it first (double submit)."""
    updated = SandboxCharge.objects.filter(pk=charge.pk, status=charge.status).update(
        status=status, code=code, message=message, card_brand=brand, last_digits_card_number=last_four,
    )
    charge.refresh_from_db()
    return bool(updated)


def mark_started(charge: SandboxCharge) -> None:
    """The payer opened the card page."""
    if can_move(charge.status, Status.STARTED):
        SandboxCharge.objects.filter(pk=charge.pk, status=charge.status).update(status=Status.STARTED)
        charge.refresh_from_db()


def cancel(charge: SandboxCharge) -> bool:
    """The payer chose "Cancel payment" on the card page."""
    if charge.status in FINISHED:
        return False
    return _finish(charge, Status.CANCELLED, *CANCELLED_BY_USER)


def pay(charge: SandboxCharge, card_number: str) -> tuple[bool, str]:
    """Settle the charge with a (validated) test card number. Returns (finished now, reason for the payer).

    Only the last four digits are kept; the number itself goes no further than this call.
    """
    status, code, message, brand = TEST_CARDS[card_number]
    finished = _finish(charge, status, code, message, brand=brand, last_four=card_number[-4:])
    if finished and charge.set_up_agreement and status == Status.SUCCESS:
        # The first payment sets the agreement up with this card, as GOV.UK Pay does.
        SandboxAgreement.objects.filter(agreement_id=charge.set_up_agreement, status=AgreementStatus.CREATED).update(
            status=AgreementStatus.ACTIVE, card_brand=brand, last_digits_card_number=card_number[-4:],
            declines_later=card_number == DECLINES_LATER)
    return finished, DECLINE_REASONS.get(card_number, "")
