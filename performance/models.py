"""The performance framework: a measure registry, monthly periods, values, targets and commentary.

Measures are defined once (LG Inform-style: a plain-English definition, how
we calculate it, unit, polarity...) and their values are stored per month
per area: the county, a division (recording the boundary set the division
belongs to, because boundaries change) or a comparator council. Values come
from three sources: computed nightly from the platform's own operational
data (computations.py), entered by an analyst and approved by another, or
imported from a partner's CSV. A closed period is locked: nothing
overwrites its figures, so a published Cabinet report stays true.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from oxtom.core.models import TimeStampedModel


class TomLayer(models.TextChoices):
    """Where a measure sits in the Target Operating Model."""

    FRONT_OFFICE = "front_office", "Front office (customer contact)"
    ASSESSMENT = "assessment", "Customer assessment"
    BACK_OFFICE = "back_office", "Back office (service delivery)"
    PROVISION = "provision", "Provision (commissioning)"
    ENABLING = "enabling", "Enabling and support"
    STRATEGIC = "strategic", "Strategic capability"


class Unit(models.TextChoices):
    COUNT = "count", "Number"
    PERCENT = "percent", "Percentage"
    DAYS = "days", "Working days"
    RATE = "rate", "Rate"
    POUNDS = "pounds", "Pounds (£)"


class Polarity(models.TextChoices):
    HIGHER_BETTER = "higher", "Higher is better"
    LOWER_BETTER = "lower", "Lower is better"
    NEUTRAL = "neutral", "Neither (for context)"


class Periodicity(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Aggregation(models.TextChoices):
    """Whether a month's figure is what happened during it, or the position at its end."""

    CUMULATIVE = "cumulative", "Total during the period"
    SNAPSHOT = "snapshot", "Position at the end of the period"


class Source(models.TextChoices):
    COMPUTED = "computed", "Computed from the platform's data"
    MANUAL = "manual", "Entered by an analyst"
    IMPORTED = "imported", "Imported from a partner's file"


class CorporatePriority(models.Model):
    """A priority in the council's strategic plan that measures are linked to."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "corporate priorities"

    def __str__(self) -> str:
        return self.name


DEFINITION_FIELDS = (
    "name", "definition", "calculation", "unit", "precision", "polarity", "periodicity", "aggregation",
    "owner", "directorate", "tom_layer", "priority_id", "source", "numerator_id", "denominator_id", "multiplier",
    "is_public",
)


class Measure(TimeStampedModel):
    """One measure in the registry. Definition changes bump `version` (see MeasureVersion)."""

    code = models.SlugField(max_length=60, unique=True, help_text="Stable identifier used in files and code")
    name = models.CharField(max_length=200)
    definition = models.TextField(help_text="What it measures, in plain English")
    calculation = models.TextField(help_text="How we calculate it, in plain English")
    unit = models.CharField(max_length=10, choices=Unit.choices)
    precision = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(4)],
                                                 help_text="Decimal places shown")
    polarity = models.CharField(max_length=8, choices=Polarity.choices)
    periodicity = models.CharField(max_length=10, choices=Periodicity.choices, default=Periodicity.MONTHLY)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.CUMULATIVE)
    owner = models.CharField(max_length=120, blank=True, help_text="The accountable role, not a person's name")
    directorate = models.CharField(max_length=120, blank=True)
    tom_layer = models.CharField(max_length=16, choices=TomLayer.choices)
    priority = models.ForeignKey(CorporatePriority, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="measures")
    source = models.CharField(max_length=10, choices=Source.choices)
    # A derived measure: value = numerator / denominator x multiplier, per period and area.
    numerator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    denominator = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    multiplier = models.DecimalField(max_digits=12, decimal_places=4, default=1)
    is_public = models.BooleanField(default=True, help_text="Shown on the public division pages")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=100)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(numerator__isnull=True, denominator__isnull=True)
                           | models.Q(numerator__isnull=False, denominator__isnull=False)),
                name="measure_derived_needs_both_parts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_derived(self) -> bool:
        return self.numerator_id is not None

    @property
    def is_count(self) -> bool:
        return self.unit == Unit.COUNT

    def definition_snapshot(self) -> dict:
        """The fields that make up the definition, as JSON-safe values (for MeasureVersion)."""
        snapshot = {name: getattr(self, name) for name in DEFINITION_FIELDS}
        snapshot["multiplier"] = str(snapshot["multiplier"])
        return snapshot


class MeasureVersion(models.Model):
    """A past or present definition of a measure, so old figures can be read as they were meant."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["measure", "-version"]
        constraints = [models.UniqueConstraint(fields=["measure", "version"], name="unique_measure_version")]


class Period(models.Model):
    """A calendar month. Closing it locks every figure in it and produces the Cabinet report."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed (figures locked)"

    start = models.DateField(unique=True, help_text="The first day of the month")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(start__day=1), name="period_starts_on_first")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")

    @property
    def end(self) -> dt.date:
        """The last day of the month."""
        return next_month(self.start) - dt.timedelta(days=1)

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def has_ended(self) -> bool:
        from django.utils import timezone

        return self.end < timezone.localdate()


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


class ComparatorGroup(models.Model):
    """A dated set of councils we compare ourselves with (e.g. CIPFA nearest neighbours, 2025)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    as_of = models.DateField(help_text="When this set was drawn up; a new set is a new group")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-as_of", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.as_of:%Y})"


class Comparator(models.Model):
    """One council in a comparator group."""

    group = models.ForeignKey(ComparatorGroup, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=9, help_text="ONS code, as used in imported files")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="unique_comparator_code")]

    def __str__(self) -> str:
        return self.name


class AreaType(models.TextChoices):
    COUNTY = "county", "County"
    DIVISION = "division", "Division"
    COMPARATOR = "comparator", "Comparator council"


def area_key(*, division_id: int | None = None, comparator_id: int | None = None) -> str:
    """The one string that identifies an area in a value's unique key ("county", "d:12", "c:3")."""
    if division_id is not None:
        return f"d:{division_id}"
    if comparator_id is not None:
        return f"c:{comparator_id}"
    return "county"


class Value(models.Model):
    """A measure's figure for one period and one area. Only approved figures are stored here."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="values")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="values")
    area_type = models.CharField(max_length=10, choices=AreaType.choices)
    area_key = models.CharField(max_length=24)
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    comparator = models.ForeignKey(Comparator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The boundary set the figure was computed against (divisions and county alike).
    boundary_set = models.ForeignKey("places.BoundarySet", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True,
                                help_text="Empty when there was nothing to measure (e.g. a median of no cases)")
    # How many things the figure rests on (cases, contacts...): drives small-number suppression.
    base = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    measure_version = models.PositiveIntegerField(default=1)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["measure", "period", "area_key"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period", "area_key"], name="unique_value_per_area"),
        ]
        indexes = [models.Index(fields=["area_key", "measure", "period"], name="value_area")]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.period.start:%Y-%m} {self.area_key}: {self.value}"


class ValueEntry(models.Model):
    """A figure an analyst typed in, waiting for a second analyst to approve it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="entries")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="entries")
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="Empty for the county")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    base = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Where the figure came from")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name_plural = "value entries"


class Target(models.Model):
    """What a measure should reach in a period (county-wide), with a tolerance for amber."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="targets")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="targets")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    amber_tolerance = models.DecimalField(
        max_digits=18, decimal_places=4, default=0, validators=[MinValueValidator(0)],
        help_text="How far on the wrong side of the target still counts as amber, in the measure's unit",
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["measure", "period"], name="unique_target_per_period")]


class Commentary(models.Model):
    """What the owner says about a measure's position in a period. Never edited: history is kept."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="commentaries")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="commentaries")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["measure", "period", "-written_at", "-id"]
        verbose_name_plural = "commentaries"
        indexes = [models.Index(fields=["period", "measure", "-written_at"], name="commentary_latest")]


class ComputationRun(models.Model):
    """One run of the nightly computation: what it did and how long it took."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    periods = models.PositiveIntegerField(default=0)
    values_written = models.PositiveIntegerField(default=0)
    skipped_locked = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]


class ImportBatch(models.Model):
    """One accepted CSV import (rejected files store nothing, by design)."""

    file_name = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    comparator_group = models.ForeignKey(ComparatorGroup, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")

    class Meta:
        ordering = ["-imported_at"]


class CabinetReport(models.Model):
    """The monthly performance report for Cabinet, made once when its period closes and never changed.

    `content` is the snapshot of every figure, target, status and commentary
    the report shows (the HTML page is rendered from it); `pdf` is the
    document as generated. Both are written once by reports.cabinet_report_generate.
    """

    period = models.OneToOneField(Period, on_delete=models.PROTECT, related_name="cabinet_report")
    generated_at = models.DateTimeField()
    content = models.JSONField()
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64, help_text="So anyone can check a copy is the one we published")
    # Publication: a second analyst (never the one who closed the month) approves it, and it is
    # published at once to members, the public division pages and members' inboxes.
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-period__start"]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def month(self) -> str:
        return self.period.start.strftime("%Y-%m")

    def __str__(self) -> str:
        return f"Cabinet report {self.period.label}"
