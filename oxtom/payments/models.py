"""Payment records, shaped like GOV.UK Pay's, and the sandbox provider's own ledger.

A Payment is *our* record: what is being paid for, by whom, how much and the
last status we confirmed with the provider. It holds no card data at all; the
provider holds that (the sandbox keeps only the last four digits, as GOV.UK
Pay shows them back).
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from oxtom.core.models import TimeStampedModel
from oxtom.core.money import pounds

# GOV.UK Pay expires a payment the user hasn't finished after 90 minutes.
PAYMENT_EXPIRY = timedelta(minutes=90)


class Status(models.TextChoices):
    """GOV.UK Pay's payment states (https://docs.payments.service.gov.uk/api_reference/#payment-status-lifecycle)."""

    CREATED = "created", "Created"
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"
    CAPTURABLE = "capturable", "Capturable"
    SUCCESS = "success", "Paid"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    ERROR = "error", "Error"


FINISHED = frozenset({Status.SUCCESS, Status.FAILED, Status.CANCELLED, Status.ERROR})
UNFINISHED = frozenset({Status.CREATED, Status.STARTED, Status.SUBMITTED, Status.CAPTURABLE})

# Forward-only: a payment never goes back to an earlier state, and a finished
# payment never changes status again (refunds are separate records).
_ORDER = {Status.CREATED: 0, Status.STARTED: 1, Status.SUBMITTED: 2, Status.CAPTURABLE: 3}


def can_move(current: str, new: str) -> bool:
    """True if GOV.UK Pay's lifecycle allows `current` -> `new` (same state is not a move)."""
    if current == new or current in FINISHED:
        return False
    if new in FINISHED:
        return True
    return _ORDER[Status(new)] > _ORDER[Status(current)]


class Provider(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (built in)"
    GOVUK_PAY = "govuk_pay", "GOV.UK Pay"


class AgreementStatus(models.TextChoices):
    """GOV.UK Pay's recurring-payment agreement states (created until the first payment sets it up)."""

    CREATED = "created", "Being set up"
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    INACTIVE = "inactive", "Not set up"


class PaymentAgreement(TimeStampedModel):
    """A payer's agreement that we may take later payments with the card of a first payment.

    GOV.UK Pay's recurring card payments: the agreement is created, the first payment is made with
    `set_up_agreement`, and later payments are taken with `authorisation_mode: agreement` without the
    payer entering the card again (a paid permit renewed by one text). Holds no card data beyond what
    the provider shows back (brand and last four digits).
    """

    reference = models.CharField(max_length=20, unique=True)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    provider_agreement_id = models.CharField(max_length=64, blank=True, db_index=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="payment_agreements")
    description = models.CharField(max_length=255, help_text="What it pays for, in the payer's words")
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.CREATED)
    card_brand = models.CharField(max_length=32, blank=True)
    card_last_four = models.CharField(max_length=4, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"], name="agreement_customer")]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status == AgreementStatus.ACTIVE

    @property
    def card_display(self) -> str:
        if not self.card_last_four:
            return "the card you paid with"
        return f"{self.card_brand or 'card'} ending {self.card_last_four}"


class PaymentQuerySet(models.QuerySet):
    def unfinished(self) -> "PaymentQuerySet":
        return self.filter(status__in=UNFINISHED)

    def for_object(self, obj: models.Model) -> "PaymentQuerySet":
        return self.filter(for_type=obj._meta.label_lower, for_id=str(obj.pk))


class Payment(TimeStampedModel):
    # Shown to the payer and sent to the provider as the reference: random, no personal data.
    reference = models.CharField(max_length=20, unique=True)
    amount_pence = models.PositiveIntegerField()
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED, db_index=True)
    # GOV.UK Pay's state.code / state.message for failed and error payments (e.g. P0010 declined).
    failure_code = models.CharField(max_length=16, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    provider = models.CharField(max_length=16, choices=Provider.choices)
    provider_payment_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The provider's hosted page, so a payer who closed the tab can be sent back to it.
    next_url = models.CharField(max_length=500, blank=True)
    # Where our outcome page sends the payer to carry on (a path on this site).
    return_url = models.CharField(max_length=500)
    # The unguessable key in our return URL (/pay/return/<token>/): GOV.UK Pay advises a
    # random id there so the payer comes back to their own payment, not one they guessed.
    return_token = models.CharField(max_length=64, unique=True)
    # What it pays for, by label and id so any app can take payments without a hard FK.
    for_type = models.CharField(max_length=64)
    for_id = models.CharField(max_length=64)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="payments")
    # Mail order / telephone order: an adviser keyed the card in for the customer.
    moto = models.BooleanField(default=False)
    # The caller's key: asking twice with the same key gives back the same payment.
    idempotency_key = models.CharField(max_length=100, unique=True)
    card_brand = models.CharField(max_length=32, blank=True)
    card_last_four = models.CharField(max_length=4, blank=True)
    refunded_pence = models.PositiveIntegerField(default=0)
    # A recurring-payment agreement: the one this (first) payment sets up, or the one it is taken under.
    agreement = models.ForeignKey(PaymentAgreement, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="payments")
    sets_up_agreement = models.BooleanField(default=False)
    status_checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["for_type", "for_id"]),
            models.Index(fields=["status", "created_at"], name="payment_sweep"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_pence__lte=models.F("amount_pence")),
                                   name="payment_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {pounds(self.amount_pence)} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def amount_display(self) -> str:
        return pounds(self.amount_pence)

    @property
    def refund_available_pence(self) -> int:
        return self.amount_pence - self.refunded_pence if self.status == Status.SUCCESS else 0


class Refund(TimeStampedModel):
    class RefundStatus(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        SUCCESS = "success", "Refunded"
        ERROR = "error", "Error"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_pence = models.PositiveIntegerField()
    reason = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.SUBMITTED)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_pence__gt=0), name="refund_amount_positive")]


class SandboxCharge(models.Model):
    """The built-in sandbox provider's side of a payment: the 'provider' we poll.

    Kept apart from Payment on purpose, so our return page re-checks status
    with the provider exactly as it would with GOV.UK Pay, instead of trusting
    whatever the browser was redirected with.
    """

    payment_id = models.CharField(max_length=64, unique=True)
    amount = models.PositiveIntegerField()
    reference = models.CharField(max_length=255)
    description = models.CharField(max_length=255)
    return_url = models.CharField(max_length=500)
    moto = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    code = models.CharField(max_length=16, blank=True)
    message = models.CharField(max_length=255, blank=True)
    card_brand = models.CharField(max_length=32, blank=True)
    last_digits_card_number = models.CharField(max_length=4, blank=True)
    refunded = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_date = models.DateTimeField()
    # Recurring payments: the agreement this charge sets up, or takes its money under (no card page).
    set_up_agreement = models.CharField(max_length=64, blank=True)
    agreement_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"sandbox {self.payment_id} {self.status}"


class SandboxAgreement(models.Model):
    """The sandbox provider's side of a recurring-payment agreement."""

    agreement_id = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=255)
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.CREATED)
    card_brand = models.CharField(max_length=32, blank=True)
    last_digits_card_number = models.CharField(max_length=4, blank=True)
    # Set up with the test card whose later payments are declined (the sandbox's way to try a failure).
    declines_later = models.BooleanField(default=False)
    created_date = models.DateTimeField()

    def __str__(self) -> str:
        return f"sandbox agreement {self.agreement_id} {self.status}"


class PaymentWebhook(models.Model):
    """One GOV.UK Pay webhook message we accepted (signature checked), kept so a replay is recognised.

    Its body is never trusted for the payment's state: receiving it only makes us ask the provider.
    """

    message_id = models.CharField(max_length=100, unique=True, help_text="GOV.UK Pay's webhook_message_id")
    event_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64, help_text="The provider's payment id")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, blank=True, help_text="moved, unchanged or unknown")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"
