"""Applications for permits, badges and passes, their evidence, and the entitlements they issue.

The catalogue (ApplicationService) is data an administrator edits: fees,
validity and everything that varies by council live in its columns and its
`config` JSON; the rules that read them are in rules.py. Only services.py
writes applications and entitlements.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT

from oxtom.core.models import TimeStampedModel
from oxtom.core.money import pounds
from oxtom.core.text import in_sentence, with_article
from oxtom.customers.models import Channel


# The one placeholder a decision promise may use: the case service's target, in working days.
PROMISE_DAYS = "((working_days))"


def default_reminder_days() -> list[int]:
    return [14, 3]


class ApplicationService(TimeStampedModel):
    """Something a resident applies for (a permit, a badge, a pass), with the numbers that vary by council."""

    code = models.SlugField(max_length=40, unique=True, help_text="Stable identifier used by code and addresses")
    name = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    # Referrals, reconsiderations and QA checks become cases of this service: its team, SLA and QA rate.
    case_service = models.OneToOneField("casework.Service", on_delete=models.PROTECT,
                                        related_name="application_service")
    number_prefix = models.CharField(max_length=3, default="EN",
                                     help_text="Capital letters that start each permit, badge or pass number")
    fee_pence = models.PositiveIntegerField(default=0, help_text="Charge for a new issue, in pence (0 for free)")
    replacement_fee_pence = models.PositiveIntegerField(default=0, help_text="Charge for a replacement, in pence")
    validity_months = models.PositiveSmallIntegerField(default=12)
    decision_promise = models.CharField(
        max_length=200, blank=True,
        help_text='What we tell applicants, e.g. "We will tell you straight away, or within ((working_days)) if an '
                  'officer needs to check": ((working_days)) is read from the case service\'s target')
    config = models.JSONField(default=dict, blank=True,
                              help_text="Rule settings for this council: zones, charges, thresholds, exclusions")
    renew_invite_days_before = models.PositiveSmallIntegerField(default=28)
    renewal_reminder_days = models.JSONField(default=default_reminder_days, blank=True,
                                             help_text="Days before expiry to remind, e.g. [14, 3]")
    auto_renew = models.BooleanField(default=True, help_text="A one-reply renewal reissues (never for blue badges)")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def name_in_sentence(self) -> str:
        """The name as it reads mid-sentence: "blue badge", "older or disabled person's bus pass"."""
        return in_sentence(self.name)

    @property
    def a_name(self) -> str:
        """The name with its article, mid-sentence: "an older or disabled person's bus pass"."""
        return with_article(self.name)

    @property
    def officer_working_days(self) -> int:
        """The working days an officer has to decide a referred application: the case service's target."""
        from oxtom.cases.models import Priority

        return self.case_service.sla_days(Priority.NORMAL)

    @property
    def promise(self) -> str:
        """The decision promise as applicants read it, its timescale taken from the service's target.

        ((working_days)) in the administrator's words becomes "10 working days" (the normal-priority
        target of the case service), so the page and the clock that measures it cannot disagree.
        """
        if PROMISE_DAYS not in (self.decision_promise or ""):
            return self.decision_promise
        days = self.officer_working_days
        return self.decision_promise.replace(PROMISE_DAYS, f"{days} working day{'' if days == 1 else 's'}")

    def clean(self) -> None:
        super().clean()
        from .rules import config_problems

        problems = config_problems(self.code, self.config)
        if problems:
            raise ValidationError({"config": problems})
        if not (2 <= len(self.number_prefix or "") <= 3 and self.number_prefix.isascii()
                and self.number_prefix.isalpha() and self.number_prefix.isupper()):
            raise ValidationError({"number_prefix": "Enter two or three capital letters, like RP"})
        if not isinstance(self.renewal_reminder_days, list) or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 < d < self.renew_invite_days_before
                for d in self.renewal_reminder_days):
            raise ValidationError({"renewal_reminder_days": "List whole days before expiry, each fewer than the "
                                                            "invitation's, like [14, 3]"})
        if self.validity_months < 1 or self.validity_months > 120:
            raise ValidationError({"validity_months": "Validity must be from 1 to 120 months"})


class Application(TimeStampedModel):
    class Kind(models.TextChoices):
        NEW = "new", "New"
        RENEWAL = "renewal", "Renewal"
        REPLACEMENT = "replacement", "Replacement"
        CHANGE = "change", "Change of circumstances"
        RECONSIDERATION = "reconsideration", "Reconsideration"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        AWAITING_PAYMENT = "awaiting_payment", "Waiting for payment"
        ISSUED = "issued", "Issued"
        REFERRED = "referred", "With an officer"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Random, readable over the phone, no personal data.
    reference = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey(ApplicationService, on_delete=models.PROTECT, related_name="applications")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="applications")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NEW)
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    reasons = models.JSONField(default=list, blank=True, help_text="Plain-English reasons for the decision")
    decided_automatically = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    case = models.ForeignKey("casework.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="applications")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    fee_pence = models.PositiveIntegerField(default=0)
    # What the rules worked out (zone, category, validity...), copied onto the entitlement when issued.
    details = models.JSONField(default=dict, blank=True)
    previous_entitlement = models.ForeignKey("Entitlement", null=True, blank=True, on_delete=models.PROTECT,
                                             related_name="follow_on_applications")
    # The application this one asks us to reconsider.
    reconsideration_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="reconsiderations")
    submission_key = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField()
    # When the applicant asked (on the confirmation or application page) to be texted the officer's decision.
    text_when_decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-submitted_at"], name="application_customer"),
            models.Index(fields=["service", "status"], name="application_service_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], condition=~Q(submission_key=""),
                                    name="application_unique_submission_key"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def fee_display(self) -> str:
        return pounds(self.fee_pence)


def evidence_path(instance: "ApplicationEvidence", filename: str) -> str:
    # Our name, never the uploader's (names carry personal data and path tricks).
    return f"applications/{instance.token}.{filename.rsplit('.', 1)[-1]}"


class ApplicationEvidence(models.Model):
    """A photo or document sent with an application, checked by content (see services.evidence_check)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo of the holder"
        PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
        VEHICLE = "vehicle", "Vehicle registration document"
        BENEFIT = "benefit", "Benefit or award letter"
        MEDICAL = "medical", "Medical or specialist evidence"
        IDENTITY = "identity", "Proof of identity or age"
        OTHER = "other", "Other evidence"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=evidence_path)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.application_id}"


class Entitlement(TimeStampedModel):
    """A permit, badge or pass in force (or that was): a number, a term and what it covers."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        LAPSED = "lapsed", "Lapsed"
        REVOKED = "revoked", "Revoked"
        CANCELLED = "cancelled", "Cancelled"  # by the holder, before its term was up
        SUPERSEDED = "superseded", "Replaced"

    number = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey(ApplicationService, on_delete=models.PROTECT, related_name="entitlements")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="entitlements")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="entitlements")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField()
    expires_on = models.DateField()
    details = models.JSONField(default=dict, blank=True)
    issued_at = models.DateTimeField()
    # rules.address_key of the address the details name, worked out by the database from the JSON, so rows
    # written in bulk (the renewal run) get it too; indexed for the household permit limit.
    household_key = models.GeneratedField(expression=KT("details__address_key"),
                                          output_field=models.CharField(max_length=200), db_persist=True,
                                          null=True)  # null for badges and passes (no address key)
    # The payer's agreement to pay renewals with a saved card (GOV.UK Pay recurring payments): a YES to the
    # renewal reminder then takes the fee under it. Carried to each renewed term; cancelled when the chain ends.
    payment_agreement = models.ForeignKey("payments.PaymentAgreement", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="entitlements")
    superseded_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="supersedes")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [
            # The nightly renewal run: active entitlements by expiry date.
            models.Index(fields=["status", "expires_on"], name="entitlement_status_expiry"),
            models.Index(fields=["customer", "status"], name="entitlement_customer"),
            # The household limit: active permits at one address.
            models.Index(fields=["service", "household_key", "status"], name="entitlement_household"),
        ]
        constraints = [
            # One term per application per start date: issuing twice (a double payment callback) cannot
            # create two entitlements.
            models.UniqueConstraint(fields=["application", "starts_on"], name="entitlement_once_per_term"),
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("starts_on")),
                                   name="entitlement_expires_on_or_after_start"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
