"""The provision cycle's records: suppliers, categories, contracts and spend.

Suppliers are the customer record's organisations, extended (one address book). Contracts
and spend are records and imports, not cases; money is held in pence as whole numbers.
Only provision/services.py and provision/imports.py write these tables.
"""
from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from oxtom.core.models import TimeStampedModel

REDACTED = "Redacted personal data"  # what every publication prints for a sole trader's name


class Pillar(models.TextChoices):
    HEALTH_EDUCATION_SOCIAL_CARE = "hesc", "Health, Education and Social Care"
    ENVIRONMENT_INFRASTRUCTURE = "ei", "Environment and Infrastructure"
    CORPORATE_COMMERCIAL = "cc", "Corporate and Commercial"


class Category(models.Model):
    """A category team's area under one of the three pillars, with its re-procurement lead time.

    The runway of a contract in this category is lead_time_months + mobilisation_months before its end.
    """

    pillar = models.CharField(max_length=8, choices=Pillar.choices)
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    lead_time_months = models.PositiveSmallIntegerField(
        default=9, help_text="Months a re-procurement takes in this category, from identifying the need to award")
    mobilisation_months = models.PositiveSmallIntegerField(
        default=3, help_text="Months a new supplier needs between award and the service starting")

    class Meta:
        ordering = ["pillar", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    @property
    def runway_months(self) -> int:
        return self.lead_time_months + self.mobilisation_months


_LEGAL_WORDS = frozenset({"ltd", "limited", "plc", "llp", "lp", "co", "company", "the", "and", "uk", "cic", "inc"})


def name_key(name: str) -> str:
    """A supplier's name compared for look-alikes: lower case, letters and digits only, no legal suffixes."""
    words = re.sub(r"[^0-9a-z ]+", " ", (name or "").lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _LEGAL_WORDS) or " ".join(words)


def name_block_of(name: str) -> str:
    """The look-alike block: two suppliers are compared by name only when their blocks are equal (an index)."""
    return name_key(name).replace(" ", "")[:4]


class SupplierQuerySet(models.QuerySet):
    def live(self) -> "SupplierQuerySet":
        """Suppliers in use: not merged into another."""
        return self.filter(merged_into__isnull=True)


class Supplier(TimeStampedModel):
    """An organisation the council buys from: its customer record (kind organisation), extended."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.PROTECT, related_name="supplier")
    name = models.CharField(max_length=200, help_text="Copied from the customer record for the registers")
    finance_id = models.CharField(max_length=20, unique=True,
                                  help_text="The supplier number in the finance system's exports")
    companies_house_number = models.CharField(max_length=8, blank=True, db_index=True)
    charity_number = models.CharField(max_length=8, blank=True)
    ppon_id = models.CharField("PPON id", max_length=20, blank=True,
                               help_text="The supplier's id on the Central Digital Platform")
    postcode = models.CharField(max_length=8, blank=True)
    is_sme = models.BooleanField("SME", default=False)
    sme_evidence = models.CharField(max_length=300, blank=True)
    is_vcse = models.BooleanField("VCSE", default=False)
    vcse_evidence = models.CharField(max_length=300, blank=True)
    is_individual = models.BooleanField(
        "Sole trader", default=False, help_text="An individual: the name is redacted in every publication")
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    name_block = models.CharField(
        max_length=4, blank=True, editable=False,
        help_text="The first letters of the name without punctuation or legal suffixes: the look-alike block")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="aliases",
        help_text="A duplicate merged into another supplier: kept as an alias so its finance number and "
                  "published ids still find the survivor")
    merged_at = models.DateTimeField(null=True, blank=True)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="supplier_name_idx"),
                   models.Index(fields=["name_block", "id"], name="supplier_block_idx"),
                   models.Index(fields=["charity_number"], name="supplier_charity_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        """Based in Oxfordshire: an OX postcode (the county's postcode area)."""
        return self.postcode.upper().startswith("OX") and not self.postcode[2:3].isalpha()

    @property
    def public_name(self) -> str:
        return REDACTED if self.is_individual else self.name

    @property
    def is_alias(self) -> bool:
        return self.merged_into_id is not None

    @property
    def resolved(self) -> "Supplier":
        """The supplier this record stands for: itself, or the one it was merged into (always one hop)."""
        return self.merged_into if self.merged_into_id else self


class ProcurementRoute(models.TextChoices):
    OPEN = "open", "Open procedure"
    COMPETITIVE_FLEXIBLE = "competitive_flexible", "Competitive flexible procedure"
    DIRECT_AWARD = "direct_award", "Direct award"
    FRAMEWORK = "framework", "Call-off from a framework"
    QUOTE = "quote", "Below-threshold quotation"


class CycleStage(models.TextChoices):
    """The provision cycle, for a contract's re-procurement."""

    IDENTIFY_NEED = "identify_need", "Identify the need"
    ANALYSE_OPTIONS = "analyse_options", "Analyse the options"
    PREPARE = "prepare", "Prepare"
    TENDER = "tender", "Tender"
    MANAGE = "manage", "Manage the contract"
    REVIEW = "review", "Review"


class EndDecision(models.TextChoices):
    RETENDER = "retender", "Re-tender"
    EXTEND = "extend", "Extend"
    IN_HOUSE = "in_house", "Bring in-house"
    STOP = "stop", "Stop"


class Contract(TimeStampedModel):
    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="contracts")
    directorate = models.CharField(max_length=100)
    service = models.CharField(max_length=100, blank=True)
    suppliers = models.ManyToManyField(Supplier, related_name="contracts")
    route = models.CharField(max_length=24, choices=ProcurementRoute.choices)
    awarded_value_pence = models.BigIntegerField()
    current_value_pence = models.BigIntegerField()
    estimated_annual_value_pence = models.BigIntegerField(default=0)
    irrecoverable_vat_pence = models.BigIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField(db_index=True)
    original_end_date = models.DateField(help_text="The end date at award, before any extension")
    review_date = models.DateField(null=True, blank=True)
    extension_options = models.PositiveSmallIntegerField(default=0, help_text="Extensions the contract allows")
    extension_months = models.PositiveSmallIntegerField(default=0, help_text="Length of each extension")
    extensions_used = models.PositiveSmallIntegerField(default=0)
    max_value_change_percent = models.PositiveSmallIntegerField(
        default=0, help_text="How far an extension may raise the value, as the contract allows")
    contract_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="managed_contracts")
    cpv_code = models.CharField("CPV code", max_length=12, blank=True)
    proclass_code = models.CharField("ProClass code", max_length=12, blank=True)
    cost_centres = models.JSONField(default=list, blank=True,
                                    help_text="Cost centres whose spend with the supplier falls under this contract")
    no_kpi_reason = models.CharField(max_length=500, blank=True)
    reprocurement_stage = models.CharField(max_length=20, choices=CycleStage.choices, blank=True)
    end_decision = models.CharField(max_length=12, choices=EndDecision.choices, blank=True)
    end_decision_at = models.DateTimeField(null=True, blank=True)
    review_every_months = models.PositiveSmallIntegerField(
        default=6, help_text="How often the supplier's performance is reviewed")
    runway_alerts_sent = models.PositiveSmallIntegerField(
        default=0, help_text="Runway milestones already alerted: 1 entered, 2 halfway, 3 a quarter left")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["end_date", "id"]
        indexes = [models.Index(fields=["category", "end_date"], name="contract_category_end_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(extensions_used__lte=models.F("extension_options")),
                                   name="contract_extensions_within_options"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def max_end_date(self) -> dt.date:
        """The end date if every extension option were used."""
        from .rules import add_months

        return add_months(self.original_end_date, self.extension_options * self.extension_months)


class ContractKpi(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    target = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]


class PurchaseOrder(models.Model):
    """A purchase order raised against a contract: the first thing a spend line is matched by."""

    number = models.CharField(max_length=30, unique=True)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="purchase_orders")


class ContractAmendment(models.Model):
    """A change to a live contract, kept as its history (OCDS amendments): an extension through the delegation
    matrix, or a modification of its terms by the hub or its manager within the limits the contract allows.

    `changes` records each term changed as {"field": [before, after]} (dates as ISO text, value in pence).
    """

    class Kind(models.TextChoices):
        EXTENSION = "extension", "Extension"
        VALUE = "value", "Change of value"
        MODIFICATION = "modification", "Modification"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    previous_end_date = models.DateField()
    new_end_date = models.DateField()
    previous_value_pence = models.BigIntegerField()
    new_value_pence = models.BigIntegerField()
    reason = models.CharField(max_length=1000)
    changes = models.JSONField(default=dict, blank=True,
                               help_text="The terms changed: {field: [before, after]}")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["made_at", "id"]

    TERM_LABELS = {"title": "Title", "description": "Description", "end_date": "End date",
                   "review_date": "Review date", "current_value_pence": "Value"}

    def change_lines(self, *, published: bool = False) -> list[tuple[str, str, str]]:
        """Each term changed as (term, before, after), as people read it; `published` gives ISO dates and
        decimal pounds (the OCDS description). An extension without `changes` gives its end date and value."""
        from oxtom.core.formats import govuk_date
        from oxtom.core.money import decimal_pounds, pounds

        changes = self.changes or {
            "end_date": [self.previous_end_date.isoformat(), self.new_end_date.isoformat()],
            "current_value_pence": [self.previous_value_pence, self.new_value_pence]}

        def shown(name: str, value) -> str:
            if value in (None, ""):
                return "none"
            if name == "current_value_pence":
                return f"£{decimal_pounds(value)}" if published else pounds(value)
            if name.endswith("_date"):
                return value if published else govuk_date(dt.date.fromisoformat(value))
            return str(value)

        return [(self.TERM_LABELS.get(name, name), shown(name, before), shown(name, after))
                for name, (before, after) in changes.items()]


class SpendKind(models.TextChoices):
    PAYABLE = "ap", "Accounts payable"
    CARD = "card", "Procurement card"


class SpendImport(models.Model):
    """One imported export file. The same file (by its SHA-256) is only ever stored once."""

    kind = models.CharField(max_length=4, choices=SpendKind.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    rows = models.PositiveIntegerField()
    total_pence = models.BigIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-id"]


class Match(models.TextChoices):
    """How a spend line was matched to a contract, in the order the rules try."""

    PURCHASE_ORDER = "po", "By purchase order"
    SUPPLIER_COST_CENTRE = "supplier_cc", "By supplier and cost centre"
    SUPPLIER = "supplier", "By supplier"
    OFF_CONTRACT = "off", "Off contract"  # the supplier has contracts, but none covers this spend
    NO_CONTRACT = "none", "No contract"  # the supplier has no contract with the council at all


ON_CONTRACT = (Match.PURCHASE_ORDER, Match.SUPPLIER_COST_CENTRE, Match.SUPPLIER)


class SpendLine(models.Model):
    batch = models.ForeignKey(SpendImport, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=4, choices=SpendKind.choices)
    transaction_number = models.CharField(max_length=40)
    paid_on = models.DateField(help_text="Payment date (accounts payable) or transaction date (cards)")
    invoice_date = models.DateField(null=True, blank=True)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="spend")
    payee_name = models.CharField(max_length=200, help_text="The supplier or merchant name as the export gives it")
    amount_net_pence = models.BigIntegerField()
    irrecoverable_vat_pence = models.BigIntegerField(default=0)
    cost_centre = models.CharField(max_length=20)
    directorate = models.CharField(max_length=100)
    expense_type = models.CharField(max_length=100)
    purchase_order = models.CharField(max_length=30, blank=True)
    merchant_category = models.CharField(max_length=100, blank=True)
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="spend")
    match = models.CharField(max_length=12, choices=Match.choices)

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "transaction_number"], name="spend_transaction_once")]
        indexes = [
            models.Index(fields=["kind", "paid_on"], name="spend_kind_paid_idx"),
            models.Index(fields=["supplier", "paid_on"], name="spend_supplier_paid_idx"),
            models.Index(fields=["contract", "paid_on"], name="spend_contract_paid_idx"),
            models.Index(fields=["match", "paid_on"], name="spend_match_paid_idx"),
        ]


class ApprovalRole(models.TextChoices):
    SERVICE_DIRECTOR = "service_director", "Service director"
    BOARD = "board", "Board (key decision)"
    AUTHORISER = "authoriser", "Delegated authoriser"


class DelegationBand(models.Model):
    """One row of the delegation matrix: from this value (in a category, or any), these approvals in turn."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="delegation_bands", help_text="Blank: every category")
    from_value_pence = models.BigIntegerField(help_text="Applies to a change of this total value or more")
    steps = models.JSONField(help_text="Approval roles in the order they sign, e.g. [\"service_director\"]")

    class Meta:
        ordering = ["category_id", "-from_value_pence"]
        constraints = [models.UniqueConstraint(fields=["category", "from_value_pence"], name="delegation_band_once")]


class Approver(models.Model):
    """Who signs for an approval role (in a category, or any): data the hub keeps, not code."""

    role = models.CharField(max_length=20, choices=ApprovalRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provision_approvals")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "user", "category"], name="approver_once")]


class ExtensionRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved and applied"
        REFUSED = "refused", "Refused"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extension_requests")
    new_end_date = models.DateField()
    previous_end_date = models.DateField()
    previous_value_pence = models.BigIntegerField()
    new_value_pence = models.BigIntegerField()
    reason = models.CharField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract"], condition=Q(status="pending"),
                                               name="one_pending_extension_per_contract")]


class ExtensionApproval(models.Model):
    request = models.ForeignKey(ExtensionRequest, on_delete=models.CASCADE, related_name="approvals")
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=ApprovalRole.choices)
    decision = models.CharField(max_length=10, blank=True, choices=[("approved", "Approved"), ("refused", "Refused")])
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["request", "step"], name="approval_step_once")]


class Rating(models.TextChoices):
    """The five levels the Procurement Act 2023 uses for contract performance notices."""

    GOOD = "good", "Good"
    APPROACHING = "approaching", "Approaching target"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    OTHER = "other", "Other"


class SupplierReview(models.Model):
    """A scheduled review of a supplier's performance on one contract: each KPI rated, an overall rating, and
    the improvement actions agreed. The supplier's reviews are read again when they bid."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    period_end = models.DateField(help_text="The last day of the period reviewed")
    overall = models.CharField(max_length=24, choices=Rating.choices)
    summary = models.CharField(max_length=2000)
    improvement_actions = models.JSONField(default=list, blank=True,
                                           help_text="[{\"action\": ..., \"due\": \"YYYY-MM-DD\"}]")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "period_end"], name="one_review_per_period")]


class KpiRating(models.Model):
    review = models.ForeignKey(SupplierReview, on_delete=models.CASCADE, related_name="kpi_ratings")
    kpi = models.ForeignKey(ContractKpi, on_delete=models.CASCADE, related_name="ratings")
    result = models.CharField(max_length=200)
    rating = models.CharField(max_length=24, choices=Rating.choices)

    class Meta:
        ordering = ["kpi_id"]
        constraints = [models.UniqueConstraint(fields=["review", "kpi"], name="one_rating_per_kpi")]
