"""Writes to payments: create, refresh from the provider, refund, sweep.

Why payment_create and payment_refresh_status are not one big transaction:
they talk to the provider over the network (GOV.UK Pay), and holding a
database transaction or row lock open across an HTTP call ties up
connections and locks for seconds. Instead each database step is its own
short atomic block, and the provider side is made safe to repeat: our
idempotency key goes to the provider (GOV.UK Pay's Idempotency-Key header),
and status changes are applied with a conditional UPDATE that only moves a
payment forward along GOV.UK Pay's lifecycle, so two refreshes at once (the
return page and the sweeper) record a change once.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any, Callable, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from oxtom.core.actors import actor as _actor
from oxtom.core.audit import audit_record
from oxtom.core.money import pounds
from oxtom.core.references import random_code
from oxtom.customers.models import Channel, Customer, Interaction
from oxtom.customers.services import interaction_record

from .models import FINISHED, PAYMENT_EXPIRY, AgreementStatus, Payment, PaymentAgreement, Refund, Status, can_move
from .providers import ProviderError, ProviderPayment, ProviderRejected, get_provider

logger = logging.getLogger(__name__)

MAX_AMOUNT_PENCE = 10_000_000  # GOV.UK Pay's ceiling: £100,000
MAX_DESCRIPTION = 255


class PaymentError(ValidationError):
    """A payment request we won't make; the message is fit to show a person."""


class PaymentStarted(NamedTuple):
    payment: Payment
    # Where to send the payer: the provider's hosted card page ("" if already finished).
    next_url: str


# What to do when a payment succeeds, by what it pays for (Payment.for_type): e.g. issue the permit.
# Handlers run inside _apply's transaction, after the move to success, so whichever caller moved
# the payment (the return page or the sweeper) runs them, once.
SuccessHandler = Callable[[Payment, Any], None]
_success_handlers: dict[str, list[SuccessHandler]] = {}


def register_payment_success_handler(for_type: str, handler: SuccessHandler) -> None:
    """Call `handler(payment, by)` when a payment for `for_type` ("app_label.model") reaches success.

    Registering the same handler twice keeps one (AppConfig.ready may run more than once).
    """
    handlers = _success_handlers.setdefault(for_type.lower(), [])
    if handler not in handlers:
        handlers.append(handler)


_failure_handlers: dict[str, list[SuccessHandler]] = {}


def register_payment_failure_handler(for_type: str, handler: SuccessHandler) -> None:
    """Call `handler(payment, by)` when a payment for `for_type` finishes without the money being taken.

    For payments nobody is watching (taken under an agreement): the owner offers the payer another way.
    """
    handlers = _failure_handlers.setdefault(for_type.lower(), [])
    if handler not in handlers:
        handlers.append(handler)


def _run_success_handlers(payment: Payment, by: Any, *, registry: dict | None = None) -> None:
    for handler in (registry if registry is not None else _success_handlers).get(payment.for_type, []):
        try:
            # A savepoint: a failing handler must not undo the record that the money was taken.
            with transaction.atomic():
                handler(payment, by)
        except Exception:  # noqa: BLE001 - logged and audited; the payment stands
            logger.exception("Payment %s: success handler %s failed", payment.reference,
                             getattr(handler, "__name__", handler))
            audit_record(by=None, action="update", target=payment,
                         summary=f"After-payment step failed for {payment.reference}",
                         handler=getattr(handler, "__qualname__", str(handler)))


def _new_reference() -> str:
    return random_code(10, prefix="PAY")


def _check_return_url(return_url: str) -> None:
    # An open redirect on a payment page is a phishing gift: only our own paths.
    if not return_url.startswith("/") or not url_has_allowed_host_and_scheme(return_url, allowed_hosts=None):
        raise PaymentError("The return address must be a path on this site.")


def payment_create(
    *,
    customer: Customer,
    amount_pence: int,
    description: str,
    for_object: models.Model,
    return_url: str,
    by: Any,
    moto: bool = False,
    idempotency_key: str,
    set_up_agreement: PaymentAgreement | None = None,
) -> PaymentStarted:
    """Record a payment and start it with the provider; returns it with the page to send the payer to.

    Asking again with the same idempotency_key (a double click, a retried task)
    gives back the same payment and does not charge twice. A different amount
    or object under the same key is refused: that is a bug in the caller.
    With `set_up_agreement` (from agreement_create) the payment also sets up
    that recurring-payment agreement with the card the payer uses.
    """
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise PaymentError("Amount must be a whole number of pence.")
    if not 1 <= amount_pence <= MAX_AMOUNT_PENCE:
        raise PaymentError("Amount must be between 1p and £100,000.")
    description = (description or "").strip()
    if not description or len(description) > MAX_DESCRIPTION:
        raise PaymentError("Description must be 1 to 255 characters.")
    if not idempotency_key or len(idempotency_key) > 100:
        raise PaymentError("An idempotency key of up to 100 characters is needed.")
    if for_object.pk is None:
        raise PaymentError("Save what the payment is for before taking payment.")
    _check_return_url(return_url)
    if set_up_agreement is not None and (set_up_agreement.status != AgreementStatus.CREATED
                                         or set_up_agreement.customer_id != customer.pk):
        raise PaymentError("That agreement cannot be set up with this payment.")
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    for_type, for_id = for_object._meta.label_lower, str(for_object.pk)

    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    reference=_new_reference(), amount_pence=amount_pence, description=description,
                    status=Status.CREATED, provider=get_provider().name, return_url=return_url,
                    return_token=secrets.token_urlsafe(24), for_type=for_type, for_id=for_id,
                    customer=customer, moto=moto, idempotency_key=idempotency_key,
                    agreement=set_up_agreement, sets_up_agreement=set_up_agreement is not None,
                    created_by=_actor(by), modified_by=_actor(by),
                )
                audit_record(by=by, action="create", target=payment,
                             summary=f"Payment {payment.reference} of {payment.amount_display} created",
                             amount_pence=amount_pence, for_type=for_type, for_id=for_id, moto=moto,
                             customer_id=customer.pk)
                interaction_record(
                    customer=customer, kind="payment.created",
                    summary=f"Payment of {payment.amount_display} started: {description}",
                    channel=Channel.PHONE if moto else Channel.WEB,
                    direction=Interaction.Direction.INBOUND, by=by, on_behalf_of=moto,
                    subject=payment, subject_reference=payment.reference,
                )
        except IntegrityError:
            existing = Payment.objects.get(idempotency_key=idempotency_key)  # lost a race on the same key
    if existing is not None:
        if (existing.amount_pence, existing.for_type, existing.for_id, existing.customer_id) != (
                amount_pence, for_type, for_id, customer.pk):
            raise PaymentError("This idempotency key was already used for a different payment.")
        payment = existing
        if payment.provider_payment_id:
            return PaymentStarted(payment, "" if payment.is_finished else payment.next_url)

    extra = {}
    if payment.sets_up_agreement and payment.agreement_id:
        extra["set_up_agreement"] = payment.agreement.provider_agreement_id
    try:
        started = get_provider(payment.provider).create(
            amount=payment.amount_pence, reference=payment.reference, description=payment.description,
            return_path=return_path(payment), moto=payment.moto, idempotency_key=payment.idempotency_key, **extra,
        )
    except ProviderRejected as exc:
        _apply(payment, status=Status.ERROR, code="", message=str(exc)[:255], by=by)
        raise PaymentError("The payment could not be started. No money has been taken.") from exc
    except ProviderError as exc:
        # Left as created, with no provider id: asking again with the same key retries safely.
        logger.warning("Payment %s could not be started: %s", payment.reference, exc)
        raise PaymentError("The payment service is not available. No money has been taken. "
                           "Try again in a few minutes.") from exc
    Payment.objects.filter(pk=payment.pk).update(
        provider_payment_id=started.payment_id, next_url=started.next_url, modified_at=timezone.now(),
    )
    payment.provider_payment_id, payment.next_url = started.payment_id, started.next_url
    _apply_provider_state(payment, started, by=by)
    return PaymentStarted(payment, "" if payment.is_finished else payment.next_url)


def return_path(payment: Payment) -> str:
    from django.urls import reverse

    return reverse("payments:return", args=[payment.return_token])


def payment_refresh_status(*, payment: Payment, by: Any = None) -> Payment:
    """Ask the provider what happened and record it. Never trusts a browser redirect.

    Safe to call any number of times, from the return page and the sweeper at
    once: a status is recorded (audited, put on the timeline) only by the call
    that actually moved the payment on. Provider outages leave the payment as
    it was, for the sweeper to try again.
    """
    if payment.is_finished or not payment.provider_payment_id:
        return payment
    try:
        state = get_provider(payment.provider).get(payment.provider_payment_id)
    except ProviderError as exc:
        logger.warning("Could not check payment %s: %s", payment.reference, exc)
        return payment
    Payment.objects.filter(pk=payment.pk).update(status_checked_at=timezone.now())
    _apply_provider_state(payment, state, by=by)
    return payment


def _apply_provider_state(payment: Payment, state: ProviderPayment, *, by: Any) -> None:
    if state.amount != payment.amount_pence:
        # The provider says a different amount was taken: never mark that as paid.
        logger.error("Payment %s: provider amount differs from ours", payment.reference)
        _apply(payment, status=Status.ERROR, code="AMOUNT", message="Provider amount did not match", by=by)
        return
    try:
        status = Status(state.status)
    except ValueError:
        logger.error("Payment %s: provider sent an unknown status", payment.reference)
        return
    _apply(payment, status=status, code=state.code, message=state.message, by=by,
           card_brand=state.card_brand, last_four=state.last_four)


@transaction.atomic
def _apply(payment: Payment, *, status: str, code: str, message: str, by: Any,
           card_brand: str = "", last_four: str = "") -> bool:
    """Move the payment to `status` if the lifecycle allows; audit and timeline once. True if moved."""
    current = Payment.objects.filter(pk=payment.pk).values_list("status", flat=True).get()
    if not can_move(current, status):
        payment.refresh_from_db()
        return False
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "modified_at": now, "modified_by": _actor(by)}
    if status in FINISHED:
        fields["finished_at"] = now
        fields["failure_code"] = code[:16] if status != Status.SUCCESS else ""
        fields["failure_message"] = message[:255] if status != Status.SUCCESS else ""
    if card_brand:
        fields["card_brand"] = card_brand[:32]
    if last_four:
        fields["card_last_four"] = last_four[-4:] if last_four[-4:].isdigit() else ""
    moved = Payment.objects.filter(pk=payment.pk, status=current).update(**fields)
    payment.refresh_from_db()
    if not moved:
        return False  # someone else moved it between our read and our write: theirs is recorded
    audit_record(by=by, action="update", target=payment,
                 summary=f"Payment {payment.reference} {current} -> {status}",
                 old_status=current, new_status=status, code=payment.failure_code)
    if status in FINISHED:
        words = {
            Status.SUCCESS: f"Paid {payment.amount_display}",
            Status.FAILED: f"Payment of {payment.amount_display} failed",
            Status.CANCELLED: f"Payment of {payment.amount_display} cancelled",
            Status.ERROR: f"Payment of {payment.amount_display} could not be taken",
        }[Status(status)]
        interaction_record(
            customer=payment.customer, kind=f"payment.{status}", summary=f"{words}: {payment.description}",
            channel=Channel.PHONE if payment.moto else Channel.WEB, direction=Interaction.Direction.INBOUND,
            by=by, on_behalf_of=payment.moto, subject=payment, subject_reference=payment.reference,
        )
    if payment.sets_up_agreement and payment.agreement_id and status in FINISHED:
        _agreement_after_first_payment(payment, succeeded=status == Status.SUCCESS,
                                       card_brand=payment.card_brand, last_four=payment.card_last_four)
    if status == Status.SUCCESS:
        _run_success_handlers(payment, by)
    elif status in FINISHED:
        _run_success_handlers(payment, by, registry=_failure_handlers)
    return True


def _refundable_left(locked: Payment) -> int:
    """What a (locked) successful payment can still give back: its amount less refunds made and refunds
    submitted to the provider but not yet answered."""
    pending = Refund.objects.filter(payment=locked, status=Refund.RefundStatus.SUBMITTED).aggregate(
        total=models.Sum("amount_pence"))["total"] or 0
    return locked.amount_pence - locked.refunded_pence - pending


def payment_refund(*, payment: Payment, amount_pence: int, reason: str, by: Any,
                   idempotency_key: str | None = None) -> Refund:
    """Refund some or all of a successful payment.

    The refund row is written first (status submitted) so a crash after the
    provider call still leaves a trace; the provider gets our key, so retrying
    with the same idempotency_key refunds once.
    """
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence < 1:
        raise PaymentError("Refund amount must be a whole number of pence, at least 1p.")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("Say why the payment is being refunded.")
    idempotency_key = idempotency_key or f"refund:{payment.pk}:{secrets.token_hex(8)}"
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.payment_id != payment.pk or existing.amount_pence != amount_pence:
            raise PaymentError("This idempotency key was already used for a different refund.")
        if existing.status != Refund.RefundStatus.SUBMITTED:
            return existing
        refund = existing
    else:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status != Status.SUCCESS:
                raise PaymentError("Only a payment that went through can be refunded.")
            left = _refundable_left(locked)
            if amount_pence > left:
                raise PaymentError(f"You can refund at most {pounds(left)}.")
            refund = Refund.objects.create(payment=locked, amount_pence=amount_pence, reason=reason[:255],
                                           idempotency_key=idempotency_key, created_by=_actor(by))
    payment.refresh_from_db()
    try:
        answer = get_provider(payment.provider).refund(
            payment.provider_payment_id, amount=amount_pence,
            refund_amount_available=payment.amount_pence - payment.refunded_pence,
            idempotency_key=idempotency_key,
        )
    except ProviderRejected as exc:
        Refund.objects.filter(pk=refund.pk).update(status=Refund.RefundStatus.ERROR)
        refund.refresh_from_db()
        audit_record(by=by, action="update", target=payment, summary=f"Refund refused for {payment.reference}",
                     refund_id=refund.pk)
        raise PaymentError("The payment provider refused the refund.") from exc
    except ProviderError as exc:
        raise PaymentError("The payment service is not available; the refund has not been made. "
                           "Try again with the same request.") from exc
    with transaction.atomic():
        done = Refund.objects.filter(pk=refund.pk, status=Refund.RefundStatus.SUBMITTED).update(
            status=Refund.RefundStatus.SUCCESS if answer.status == "success" else Refund.RefundStatus.SUBMITTED,
            provider_refund_id=answer.refund_id[:64],
        )
        if done:
            Payment.objects.filter(pk=payment.pk).update(refunded_pence=models.F("refunded_pence") + amount_pence,
                                                         modified_at=timezone.now(), modified_by=_actor(by))
            payment.refresh_from_db()
            audit_record(by=by, action="update", target=payment,
                         summary=f"Refunded {pounds(amount_pence)} of {payment.reference}",
                         refund_id=refund.pk, amount_pence=amount_pence, reason=reason[:255])
            interaction_record(
                customer=payment.customer, kind="payment.refunded",
                summary=f"Refund of {pounds(amount_pence)}: {payment.description}",
                direction=Interaction.Direction.OUTBOUND, by=by, subject=payment,
                subject_reference=payment.reference,
            )
    refund.refresh_from_db()
    return refund


def payment_refund_owed(*, payment: Payment, amount_pence: int, reason: str, idempotency_key: str,
                        by: Any) -> Refund:
    """Record, in the caller's transaction, a refund we owe and will send (payment_refund with the same key).

    For refunds no officer decides (money taken for something that will not be provided): the row is
    written first, so a crash or a provider outage before the refund is sent loses nothing, and the
    owner's sweeper sends it again under the same key, which refunds once. The same key gives back the
    same row; no provider is called here.
    """
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence < 1:
        raise PaymentError("Refund amount must be a whole number of pence, at least 1p.")
    reason = (reason or "").strip()[:255]
    if not reason or not idempotency_key or len(idempotency_key) > 100:
        raise PaymentError("A refund owed needs a reason and a key of up to 100 characters.")
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.payment_id != payment.pk or existing.amount_pence != amount_pence:
            raise PaymentError("This idempotency key was already used for a different refund.")
        return existing
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Status.SUCCESS:
        raise PaymentError("Only a payment that went through can be refunded.")
    if amount_pence > _refundable_left(locked):
        raise PaymentError("That is more than the payment still holds.")
    refund = Refund.objects.create(payment=locked, amount_pence=amount_pence, reason=reason,
                                   idempotency_key=idempotency_key, created_by=_actor(by))
    audit_record(by=by, action="create", target=locked,
                 summary=f"Refund of {pounds(amount_pence)} owed on {locked.reference}",
                 refund_id=refund.pk, amount_pence=amount_pence, reason=reason)
    return refund


# --- recurring card payments (GOV.UK Pay agreements) ------------------------------------------------

def agreement_create(*, customer: Customer, description: str, by: Any, idempotency_key: str) -> PaymentAgreement:
    """Create an agreement with the provider, to be set up by a first payment (payment_create(set_up_agreement=)).

    The same key gives back the same agreement, so a double click on "pay" makes one.
    """
    description = (description or "").strip()[:MAX_DESCRIPTION]
    if not description:
        raise PaymentError("Say what the agreement pays for.")
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    agreement = PaymentAgreement.objects.filter(idempotency_key=idempotency_key).first()
    if agreement is None:
        try:
            with transaction.atomic():
                agreement = PaymentAgreement.objects.create(
                    reference=random_code(10, prefix="AGR"), provider=get_provider().name, customer=customer,
                    description=description, idempotency_key=idempotency_key,
                    created_by=_actor(by), modified_by=_actor(by))
        except IntegrityError:
            agreement = PaymentAgreement.objects.get(idempotency_key=idempotency_key)
    if agreement.customer_id != customer.pk:
        raise PaymentError("This idempotency key was already used for a different agreement.")
    if agreement.provider_agreement_id:
        return agreement
    try:
        made = get_provider(agreement.provider).create_agreement(
            reference=agreement.reference, description=agreement.description,
            user_identifier=customer.reference)
    except ProviderError as exc:
        logger.warning("Agreement %s could not be created: %s", agreement.reference, exc)
        raise PaymentError("Paying future renewals with this card cannot be set up just now. "
                           "You can still pay today without it.") from exc
    PaymentAgreement.objects.filter(pk=agreement.pk, provider_agreement_id="").update(
        provider_agreement_id=made.agreement_id[:64], modified_at=timezone.now())
    agreement.refresh_from_db()
    audit_record(by=by, action="create", target=agreement, summary=f"Payment agreement {agreement.reference} created",
                 customer_id=customer.pk)
    return agreement


def _agreement_after_first_payment(payment: Payment, *, succeeded: bool, card_brand: str, last_four: str) -> None:
    """The set-up payment finished: the agreement is active with its card, or was never set up."""
    agreement = payment.agreement
    if succeeded:
        moved = PaymentAgreement.objects.filter(pk=agreement.pk, status=AgreementStatus.CREATED).update(
            status=AgreementStatus.ACTIVE, card_brand=card_brand[:32], card_last_four=last_four[-4:],
            modified_at=timezone.now())
        if moved:
            agreement.refresh_from_db()
            interaction_record(
                customer=payment.customer, kind="payment.agreement_active",
                summary=f"Agreed to pay future payments with the {agreement.card_display}: {agreement.description}",
                channel=Channel.PHONE if payment.moto else Channel.WEB, direction=Interaction.Direction.INBOUND,
                by=None, subject=agreement, subject_reference=agreement.reference)
    else:
        PaymentAgreement.objects.filter(pk=agreement.pk, status=AgreementStatus.CREATED).update(
            status=AgreementStatus.INACTIVE, modified_at=timezone.now())


def payment_take_by_agreement(*, agreement: PaymentAgreement, amount_pence: int, description: str,
                              for_object: models.Model, by: Any, idempotency_key: str) -> Payment:
    """Take a payment under an active agreement, without the payer (a renewal by one text).

    Idempotent by key: a second YES, a retried task or the sweeper never charges twice (the key goes to the
    provider too). The outcome runs the owner's success or failure handler, whoever learns of it first.
    A provider outage leaves the payment created with no provider id; the sweeper tries again with the same key.
    """
    agreement = PaymentAgreement.objects.get(pk=agreement.pk)
    if agreement.status != AgreementStatus.ACTIVE:
        raise PaymentError("That agreement is not active.")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or not 1 <= amount_pence <= MAX_AMOUNT_PENCE:
        raise PaymentError("Amount must be between 1p and £100,000.")
    for_type, for_id = for_object._meta.label_lower, str(for_object.pk)
    payment = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if payment is None:
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    reference=_new_reference(), amount_pence=amount_pence, description=description[:MAX_DESCRIPTION],
                    status=Status.CREATED, provider=agreement.provider, return_url="/account/",
                    return_token=secrets.token_urlsafe(24), for_type=for_type, for_id=for_id,
                    customer=agreement.customer, idempotency_key=idempotency_key, agreement=agreement,
                    created_by=_actor(by), modified_by=_actor(by))
                audit_record(by=by, action="create", target=payment,
                             summary=f"Payment {payment.reference} of {payment.amount_display} taken under "
                                     f"agreement {agreement.reference}",
                             amount_pence=amount_pence, for_type=for_type, for_id=for_id)
        except IntegrityError:
            payment = Payment.objects.get(idempotency_key=idempotency_key)
    if (payment.amount_pence, payment.for_type, payment.for_id, payment.agreement_id) != (
            amount_pence, for_type, for_id, agreement.pk):
        raise PaymentError("This idempotency key was already used for a different payment.")
    if not payment.provider_payment_id and not payment.is_finished:
        _take_with_provider(payment, by=by)
    return payment


def _take_with_provider(payment: Payment, *, by: Any) -> None:
    agreement = payment.agreement
    try:
        taken = get_provider(payment.provider).take_with_agreement(
            amount=payment.amount_pence, reference=payment.reference, description=payment.description,
            agreement_id=agreement.provider_agreement_id, idempotency_key=payment.idempotency_key)
    except ProviderRejected as exc:
        _apply(payment, status=Status.ERROR, code="", message=str(exc)[:255], by=by)
        return
    except ProviderError as exc:
        logger.warning("Payment %s under agreement %s not taken yet: %s", payment.reference, agreement.reference, exc)
        return
    Payment.objects.filter(pk=payment.pk).update(provider_payment_id=taken.payment_id, modified_at=timezone.now())
    payment.provider_payment_id = taken.payment_id
    _apply_provider_state(payment, taken, by=by)


def agreement_cancel(*, agreement: PaymentAgreement, by: Any, reason: str) -> bool:
    """Stop taking payments under the agreement (the payer asked, or what it paid for ended). True if cancelled now.

    Ours is cancelled even if the provider cannot be told this minute (it is retried by agreements_sync), so
    nothing more is ever taken under it: payment_take_by_agreement checks our status first.
    """
    moved = PaymentAgreement.objects.filter(
        pk=agreement.pk, status__in=[AgreementStatus.CREATED, AgreementStatus.ACTIVE]).update(
        status=AgreementStatus.CANCELLED, cancelled_at=timezone.now(), cancelled_reason=reason[:255],
        modified_at=timezone.now(), modified_by=_actor(by))
    agreement.refresh_from_db()
    if not moved:
        return False
    _cancel_with_provider(agreement)
    audit_record(by=by, action="update", target=agreement, summary=f"Payment agreement {agreement.reference} cancelled",
                 reason=reason[:255])
    interaction_record(customer=agreement.customer, kind="payment.agreement_cancelled",
                       summary=f"Agreement to pay with the {agreement.card_display} cancelled: {reason[:200]}",
                       channel=Channel.WEB, direction=Interaction.Direction.INTERNAL, by=by, subject=agreement,
                       subject_reference=agreement.reference)
    return True


def _cancel_with_provider(agreement: PaymentAgreement) -> bool:
    if not agreement.provider_agreement_id:
        return True
    try:
        get_provider(agreement.provider).cancel_agreement(agreement.provider_agreement_id)
    except ProviderRejected:
        return True  # already cancelled or never set up there: nothing to take under it
    except ProviderError as exc:
        logger.warning("Agreement %s: the provider could not be told of the cancellation: %s", agreement.reference, exc)
        return False
    return True


def payments_sweep(*, older_than: timedelta = timedelta(minutes=15), limit: int = 500,
                   now=None) -> dict[str, int]:
    """Refresh payments left unfinished (payers who never came back). Run by beat.

    Payments that never reached the provider (no provider id) and are past
    GOV.UK Pay's 90-minute expiry are marked failed so they stop being retried.
    """
    now = now or timezone.now()
    due = list(Payment.objects.unfinished().filter(created_at__lte=now - older_than)
               .select_related("agreement").order_by("created_at")[:limit])
    counts = {"checked": 0, "finished": 0, "expired_unsent": 0}
    for payment in due:
        if not payment.provider_payment_id and payment.agreement_id and not payment.sets_up_agreement:
            if payment.agreement.status != AgreementStatus.ACTIVE:
                # The payer stopped the agreement before this was ever sent: never send it now, even if the
                # provider has not heard of the cancellation yet (agreements_sync tells it later).
                if _apply(payment, status=Status.CANCELLED, code="P0040",
                          message="The agreement was cancelled before the payment was sent", by=None):
                    counts["finished"] += 1
                continue
            _take_with_provider(payment, by=None)  # the same key: the provider takes it once
            if payment.provider_payment_id or payment.is_finished:
                counts["checked"] += 1
                continue
        if not payment.provider_payment_id:
            if now - payment.created_at >= PAYMENT_EXPIRY and _apply(
                    payment, status=Status.FAILED, code="P0020", message="Payment expired", by=None):
                counts["expired_unsent"] += 1
            continue
        counts["checked"] += 1
        payment_refresh_status(payment=payment, by=None)
        if payment.is_finished:
            counts["finished"] += 1
    return counts


def moto_for_request(request: Any) -> bool:
    """True when an adviser is taking this payment for a customer (an acting-for session): a MOTO payment.

    Callers pass the answer as payment_create(moto=...). Uses
    oxtom.customers.assist.is_assisted, which lives with the acting-for
    session; without that module every payment is a resident's own (False).
    """
    try:
        from oxtom.customers.assist import is_assisted
    except ImportError:  # pragma: no cover - the assist module ships with customers
        return False
    return bool(is_assisted(request))
