"""Street reports ("Report it"): the report-type catalogue and the report behind each case.

A report is a casework Case (queue, SLA, timeline, audit) plus what only a
street problem has: a point on the map, a public status, a scheduled repair
date, photos and the residents who follow it. Only portal/services.py writes
these rows; administrators edit report types and response templates in admin.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.conf import settings
from django.db import models
from django.db.models import Q

from oxtom.core.models import TimeStampedModel

from . import catalogue

DEFAULT_NEARBY_RADIUS_M = 250
MAX_PHOTOS = 3


class ReportStatus(models.TextChoices):
    """What the public sees. Each maps onto a casework status (see services.REPORT_TRANSITIONS)."""

    OPEN = "open", "Reported"
    ACCEPTED = "accepted", "Accepted"
    SCHEDULED = "scheduled", "Repair scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    FIXED = "fixed", "Fixed"
    NOT_FIXED = "not_fixed", "Closed – not fixed"
    REFERRED = "referred", "Referred elsewhere"
    DUPLICATE = "duplicate", "Duplicate"


OPEN_REPORT_STATUSES = (ReportStatus.OPEN, ReportStatus.ACCEPTED, ReportStatus.SCHEDULED, ReportStatus.IN_PROGRESS)
CLOSED_REPORT_STATUSES = (ReportStatus.FIXED, ReportStatus.NOT_FIXED, ReportStatus.REFERRED, ReportStatus.DUPLICATE)


class ReportType(TimeStampedModel):
    """The report-only half of a casework Service of kind "report".

    The service carries name, team (routing), SLA per priority and whether it
    takes new cases; this row carries the questions (Open311 attributes), the
    intervention thresholds, photos and the nearby radius.
    """

    service = models.OneToOneField("casework.Service", on_delete=models.PROTECT, related_name="report_type")
    group = models.CharField(max_length=80, help_text="Heading this type is listed under, e.g. Roads and pavements")
    hint = models.CharField(max_length=200, blank=True, help_text="One line shown under the name when choosing a type")
    questions = models.JSONField(
        default=list, blank=True,
        help_text="Open311 attributes: code, datatype, required, order, description, values [{key, name}]",
    )
    thresholds = models.JSONField(
        default=list, blank=True,
        help_text='Intervention criteria, all must be met: [{"code": "depth_mm", "op": "gte", "value": 40, '
                  '"reason": "shown when not met"}]. Operators: gte, lte, in',
    )
    below_threshold_message = models.TextField(
        blank=True, help_text="What happens instead when a report does not meet the criteria",
    )
    photos_required = models.BooleanField(
        default=False, help_text="Ask for at least one photo when a report meets the criteria",
    )
    nearby_radius_m = models.PositiveIntegerField(
        default=DEFAULT_NEARBY_RADIUS_M, validators=[MinValueValidator(10), MaxValueValidator(5000)],
        help_text="How far (metres) to look for open reports of this type before filing a new one",
    )
    is_public = models.BooleanField(default=True, help_text="Show reports of this type on public pages and Open311")
    display_order = models.PositiveSmallIntegerField(default=0)
    keywords = models.CharField(max_length=200, blank=True, help_text="Comma-separated, for Open311 service lists")

    class Meta:
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.service.name if self.service_id else "Report type"

    def clean(self) -> None:
        super().clean()
        try:
            catalogue.validate_questions(self.questions)
        except ValidationError as exc:
            raise ValidationError({"questions": exc.messages}) from None
        try:
            catalogue.validate_thresholds(self.thresholds, self.questions)
        except ValidationError as exc:
            raise ValidationError({"thresholds": exc.messages}) from None
        if self.service_id and self.service.kind != "report":
            raise ValidationError({"service": "Choose a service of kind Report"})

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def name(self) -> str:
        return self.service.name

    def ordered_questions(self) -> list[dict]:
        return catalogue.ordered(self.questions or [])


class ResponseTemplate(TimeStampedModel):
    """Standard words for a public update, per status, so updates are consistent.

    A template with no report type applies to every type; a type's own
    template for the same status is offered first.
    """

    report_type = models.ForeignKey(ReportType, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="response_templates")
    status = models.CharField(max_length=16, choices=ReportStatus.choices)
    title = models.CharField(max_length=80, help_text="What staff choose from")
    text = models.TextField(max_length=1000, help_text="What the resident and the public page are told")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["status", "title"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.title}"


class ReportQuerySet(models.QuerySet):
    def open(self) -> "ReportQuerySet":
        return self.filter(public_status__in=OPEN_REPORT_STATUSES)

    def public(self) -> "ReportQuerySet":
        return self.filter(is_public=True)


class StreetReport(models.Model):
    """Where a reported problem is and what the public is told about it."""

    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="street_report")
    report_type = models.ForeignKey(ReportType, on_delete=models.PROTECT, related_name="reports", db_index=False)
    # WGS84 degrees. Indexed with the type and status below for bounding-box "nearby" queries
    # that work the same on SQLite and PostgreSQL (no PostGIS needed).
    latitude = models.FloatField()
    longitude = models.FloatField()
    # What the resident typed to find the place (a postcode or street): staff only, never public.
    # The street or postcode and the resident's own words (up to forms.MAX_WHERE), never cut.
    location_text = models.CharField(max_length=400, blank=True)
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="street_reports", db_index=False)
    public_status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    scheduled_on = models.DateField(null=True, blank=True, help_text="When the repair is booked")
    eligible = models.BooleanField(default=True, help_text="Met the type's intervention criteria when reported")
    is_public = models.BooleanField(default=True)
    reported_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Public words: the resident's description with no names (staff can hide it).
    description = models.TextField(blank=True, max_length=2000)
    feedback_requested_at = models.DateTimeField(null=True, blank=True)
    feedback_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_text = models.TextField(blank=True, max_length=2000)
    feedback_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        indexes = [
            # Nearby open reports of a type: equality on type, one seek per open status (IN), a range on
            # latitude, then longitude checked from the index. Not partial: SQLite cannot match a
            # partial index's IN condition against a query with bound parameters.
            models.Index(fields=["report_type", "public_status", "latitude", "longitude"], name="report_nearby"),
            # Reports around a place, any type or status.
            models.Index(fields=["latitude", "longitude"], name="report_lat_lon"),
            # Open311 requests.json and "latest first" lists: keyset on (reported_at, id).
            models.Index(fields=["-reported_at", "-id"], name="report_recent"),
            # The teams' feedback list: rated reports only, newest first, keyset on (feedback_at, id).
            models.Index(fields=["-feedback_at", "-id"], name="report_feedback_recent",
                         condition=Q(feedback_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Report {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.public_status in OPEN_REPORT_STATUSES


def photo_path(instance: "ReportPhoto", filename: str) -> str:
    # The name is ours, never the uploader's (which can carry personal data or path tricks).
    return f"reports/{instance.token}.{filename.rsplit('.', 1)[-1]}"


def photo_size_path(instance: "ReportPhoto", filename: str) -> str:
    # "thumbnail.jpg" -> reports/<token>-thumbnail.jpg: the size is named by the caller, never the uploader.
    return f"reports/{instance.token}-{filename}"


class ReportPhoto(models.Model):
    """A photo checked by oxtom.core.uploads: re-encoded, resized, stripped of metadata.

    `image` is the checked upload (up to 2000 px), kept for staff and to make the web
    sizes again; pages show `thumbnail` and link to `display` (oxtom.core.uploads.WEB_SIZES).
    Photos stored before the web sizes existed get them on first use
    (services.report_photo_sizes_ensure) or from `manage.py report_photo_sizes`.
    """

    report = models.ForeignKey(StreetReport, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    image = models.FileField(upload_to=photo_path)
    thumbnail = models.FileField(upload_to=photo_size_path, blank=True)
    display = models.FileField(upload_to=photo_size_path, blank=True)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def size_of(self, name: str) -> tuple[int, int]:
        """(width, height) of a web size ("thumbnail", "display"), from the stored size alone."""
        from oxtom.core.uploads import WEB_SIZES, fit_within

        return fit_within(self.width, self.height, WEB_SIZES[name])

    @property
    def thumbnail_size(self) -> tuple[int, int]:
        return self.size_of("thumbnail")


class ReportSubscription(models.Model):
    """A resident following someone else's report instead of filing a duplicate."""

    report = models.ForeignKey(StreetReport, on_delete=models.CASCADE, related_name="subscriptions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="report_subscriptions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "customer"], name="report_subscription_once")]


class Open311Key(models.Model):
    """An API key for one client system. Only a SHA-256 hash is stored; the key is shown once."""

    name = models.SlugField(max_length=60, unique=True, help_text="The client system, e.g. confirm-backoffice")
    prefix = models.CharField(max_length=8, help_text="First characters of the key, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Requests the client files are recorded as made by this account (it cannot sign in), so a
    # case's history says "by <client>" rather than leaving the actor blank.
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="open311_key",
        help_text="The client's own account: what it files is recorded as done by it",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "Open311 API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
