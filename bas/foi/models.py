"""FOI and EIR requests: the record behind an engine case, its response, and the public disclosure log.

The request is a case on the engine (oxtom/cases: queue, clock, tasks, follow-on internal review);
this app keeps what is particular to FOI: the regime, the triage, the allocations to the services
that hold the information, exemptions, the draft response and its attachments, the personal-data
check, approval, and what is published. Drafts live here and never in PublishedResponse: the log
reads only that table, so nothing unapproved can reach a public page.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Regime(models.TextChoices):
    FOI = "foi", "Freedom of Information Act 2000"
    EIR = "eir", "Environmental Information Regulations 2004"


class Stage(models.TextChoices):
    TRIAGE = "triage", "To triage"
    CLARIFICATION = "clarification", "Waiting for clarification"
    COLLECTING = "collecting", "Collecting the information"
    DRAFTING = "drafting", "Drafting the response"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    SENT = "sent", "Response sent"
    CLOSED = "closed", "Closed"


OPEN_STAGES = (Stage.TRIAGE, Stage.CLARIFICATION, Stage.COLLECTING, Stage.DRAFTING, Stage.AWAITING_APPROVAL)


class Outcome(models.TextChoices):
    GRANTED = "granted", "Information provided in full"
    PARTLY = "partly", "Information provided in part (some withheld)"
    WITHHELD = "withheld", "Information withheld under an exemption or exception"
    NOT_HELD = "not_held", "Information not held"
    PUBLISHED = "published", "Already published (where to find it)"
    COST = "cost", "Refused: over the cost limit"
    VEXATIOUS = "vexatious", "Refused: vexatious or manifestly unreasonable"
    REPEATED = "repeated", "Refused: repeated request"


REFUSALS = (Outcome.COST, Outcome.VEXATIOUS, Outcome.REPEATED)


class FoiRequest(models.Model):
    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="foi_request")
    regime = models.CharField(max_length=3, choices=Regime.choices, default=Regime.FOI)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.TRIAGE)
    request_text = models.TextField()
    requester_name = models.CharField(max_length=200)
    received_on = models.DateField()
    topic = models.CharField(max_length=80, blank=True, help_text="A short topic for trends, e.g. 'Potholes'")
    names_in_scope = models.TextField(
        blank=True, help_text="People named in or by the request, one a line: the personal data check looks for them")
    valid = models.BooleanField(null=True)
    triage_note = models.TextField(blank=True)
    already_published = models.ForeignKey("PublishedResponse", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    estimated_hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    response_text = models.TextField(blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    drafted_at = models.DateTimeField(null=True, blank=True)
    # What the personal-data check last looked at (a digest of the draft and attachments): a change after it
    # means the check must run again before approval.
    checked_digest = models.CharField(max_length=64, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_in_time = models.BooleanField(null=True)
    publish = models.BooleanField(default=True)
    not_published_reason = models.TextField(blank=True)
    extension_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["stage", "id"], name="foi_request_stage"),
            models.Index(fields=["sent_at"], name="foi_request_sent", condition=models.Q(sent_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.case.reference if self.case_id else "FOI request"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_refusal(self) -> bool:
        return self.outcome in REFUSALS


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"foi/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A document going out with the response; its text is kept for the check and the log's search."""

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Exemption(models.Model):
    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="exemptions")
    provision = models.CharField(max_length=40, help_text="e.g. section 40(2) or regulation 12(5)(e)")
    public_interest = models.TextField(blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.provision


class Allocation(models.Model):
    """The information asked of a service that holds it: an engine task on the case, with a due date."""

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="allocations")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField("casework.CaseTask", on_delete=models.PROTECT, related_name="+")
    asked = models.TextField()
    information = models.TextField(blank=True)
    # The holding service's own reply (bas/foi/services.py: foi_allocation_reply): who, when, and a file.
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=attachment_path, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["team", "id"], name="foi_allocation_team")]


class PersonalDataHit(models.Model):
    class Kind(models.TextChoices):
        NAME = "name", "Name of a person"
        EMAIL = "email", "Email address"
        PHONE = "phone", "Phone number"
        NI_NUMBER = "ni_number", "National Insurance number"
        EMPLOYEE = "employee", "Payroll or employee number"
        ADDRESS = "address", "House number and postcode"

    class State(models.TextChoices):
        OPEN = "open", "To decide"
        REDACTED = "redacted", "Redacted"
        CLEARED = "cleared", "Cleared to disclose"

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="hits")
    attachment = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.CASCADE, related_name="hits")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    found = models.CharField(max_length=200)
    context = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def where(self) -> str:
        return self.attachment.filename if self.attachment_id else "the response"


class PublishedResponse(models.Model):
    """One entry in the public disclosure log: only approved, redacted text is ever copied here."""

    request = models.OneToOneField(FoiRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="published")
    reference = models.CharField(max_length=20, unique=True)
    regime = models.CharField(max_length=3, choices=Regime.choices, default=Regime.FOI)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=80, blank=True)
    request_text = models.TextField()
    response_text = models.TextField()
    attachment_text = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    published_on = models.DateField()
    # Title, request, response and attachment text in one column: the full-text index covers it
    # (a GIN index on its stored tsvector on PostgreSQL, migration 0004).
    search_document = models.TextField(blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["-published_on", "-id"], name="foi_published_recent")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class InternalReview(models.Model):
    class Result(models.TextChoices):
        UPHELD = "upheld", "Original response upheld"
        PARTLY = "partly", "Partly upheld: more information released"
        OVERTURNED = "overturned", "Overturned: information released"

    request = models.ForeignKey(FoiRequest, on_delete=models.PROTECT, related_name="reviews")
    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="foi_review")
    grounds = models.TextField()
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class DatasetFlag(models.Model):
    """A dataset asked for often enough that it should be published routinely (the publication scheme)."""

    title = models.CharField(max_length=200)
    reason = models.TextField()
    request = models.ForeignKey(FoiRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ["-flagged_at", "-id"]

    def __str__(self) -> str:
        return self.title
