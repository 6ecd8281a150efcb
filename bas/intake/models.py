"""The post room's scanned post and the bulk data uploads with the rows they stored.

A post item is never deleted: it is unrouted until an officer routes it to a team's queue
(a case opened through the case engine), and the list of unrouted post is where it waits.
A dataset upload is one file checked against its dataset's declared schema (datasets.py):
an imported upload owns the rows it stored; a rejected one keeps only its row-by-row report.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


def post_path(instance: "PostItem", filename: str) -> str:
    # Our name, never the sender's or the scanner's (names carry personal data and path tricks).
    return f"bas/post/{instance.reference}.{instance.extension}"


class PostItem(models.Model):
    """One scanned letter or document received by post."""

    class Status(models.TextChoices):
        UNROUTED = "unrouted", "Waiting to be routed"
        ROUTED = "routed", "Routed"

    reference = models.CharField(max_length=12, unique=True)
    received_on = models.DateField(help_text="The day the post arrived at the council")
    sender = models.CharField(max_length=200, blank=True)
    summary = models.TextField(max_length=1000, blank=True)
    file = models.FileField(upload_to=post_path)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    # The same scan logged twice is one item: the second is refused naming the first.
    sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNROUTED)
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    matched_case = models.ForeignKey("casework.Case", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text="The case the post is about, found by its reference")
    routed_case = models.OneToOneField("casework.Case", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="post_item", help_text="The case opened in the team's queue")
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    routed_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    logged_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Keyset pages of each list: oldest unrouted post first, latest routed first.
            models.Index(fields=["status", "received_on", "id"], name="bas_post_status_received"),
            models.Index(fields=["status", "routed_at", "id"], name="bas_post_status_routed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="unrouted", routed_case__isnull=True)
                | Q(status="routed", routed_case__isnull=False, routed_at__isnull=False),
                name="bas_post_routed_has_case"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_routed(self) -> bool:
        return self.status == self.Status.ROUTED

    @property
    def ready_to_route(self) -> bool:
        return bool(self.sender and self.summary and (self.customer_id or self.matched_case_id))


class Dataset(models.TextChoices):
    """The datasets a colleague may upload (each one's schema is declared in datasets.py)."""

    SEN_PUPILS = "sen_pupils", "SEN pupil records"
    TRANSPORT_ROUTES = "transport_routes", "Home to school transport routes"


class DatasetUpload(models.Model):
    """One uploaded spreadsheet: imported whole, or rejected with its row-by-row report."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        REJECTED = "rejected", "Rejected"

    reference = models.CharField(max_length=12, unique=True)
    dataset = models.CharField(max_length=20, choices=Dataset.choices)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "upn", "message": "..."}], the first MAX_STORED_ERRORS (datasets.py).
    errors = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["uploaded_at", "id"], name="bas_upload_uploaded")]
        constraints = [
            # The same file is imported once per dataset, also when two uploads race.
            models.UniqueConstraint(fields=["dataset", "sha256"], condition=Q(status="imported"),
                                    name="bas_upload_imported_once"),
        ]

    def __str__(self) -> str:
        return self.reference


class SenPupilRecord(models.Model):
    """A pupil with special educational needs, as the SEN team's return lists them (fictional in the demo)."""

    upload = models.ForeignKey(DatasetUpload, on_delete=models.PROTECT, related_name="sen_rows")
    row_number = models.PositiveIntegerField()
    upn = models.CharField("Unique pupil number", max_length=13)
    forename = models.CharField(max_length=60)
    surname = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    school_urn = models.CharField(max_length=6)
    year_group = models.CharField(max_length=2)
    sen_provision = models.CharField(max_length=1)  # K: SEN support, E: education, health and care plan
    primary_need = models.CharField(max_length=4)
    ehc_plan_issued_on = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "upn"], name="bas_sen_upn_once_per_upload")]


class TransportRoute(models.Model):
    """One home to school transport route the council contracts (fictional in the demo)."""

    upload = models.ForeignKey(DatasetUpload, on_delete=models.PROTECT, related_name="transport_rows")
    row_number = models.PositiveIntegerField()
    route_code = models.CharField(max_length=8)
    school_urn = models.CharField(max_length=6)
    school_name = models.CharField(max_length=120)
    operator = models.CharField(max_length=120)
    vehicle_type = models.CharField(max_length=12)
    seats = models.PositiveSmallIntegerField()
    pupils = models.PositiveSmallIntegerField()
    passenger_assistant = models.BooleanField()
    morning_pickup = models.TimeField()
    daily_cost_pence = models.PositiveIntegerField()
    contract_ends_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "route_code"], name="bas_route_once_per_upload")]
