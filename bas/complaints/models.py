"""Corporate complaints: the record behind each complaint's cases on the engine.

A complaint is one stage 1 case (service "complaint-stage-1") and, when the complainant escalates, a
follow-on stage 2 case ("complaint-stage-2") that another officer decides. The engine keeps the queue,
the clocks (acknowledge, then respond, each stage with its own target; one extension) and the
timeline; this app keeps what the Ombudsman's complaint handling code asks us to report: when each
stage was acknowledged and answered against its target, the outcome, the remedy, the learning and
what the Ombudsman decided.

Written only by bas/complaints/services.py.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from oxtom.core.models import TimeStampedModel

STAGE_1_SERVICE = "complaint-stage-1"
STAGE_2_SERVICE = "complaint-stage-2"
TEAM_SLUG = "corporate-complaints"
MAX_TEXT = 5000


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class OmbudsmanDecision(models.TextChoices):
    UPHELD = "upheld", "Upheld: fault found"
    NOT_UPHELD = "not_upheld", "Not upheld: no fault found"
    NOT_INVESTIGATED = "not_investigated", "Closed after initial enquiries (not investigated)"
    PREMATURE = "premature", "Referred back to the council (premature)"


class Complaint(TimeStampedModel):
    """One complaint from a resident, through stage 1 and (if they escalate) stage 2."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Responded"
        CONVERTED = "converted", "Handled as a service request"

    reference = models.CharField(max_length=20, unique=True, help_text="The stage 1 case's reference")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="complaints")
    # What it is about: one of the resident's own cases, or a council service.
    about_case = models.ForeignKey("casework.Case", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="complaints_about", db_index=False)
    about_service = models.ForeignKey("casework.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", db_index=False)
    what_happened = models.TextField()
    outcome_wanted = models.TextField(blank=True)
    on_behalf_of = models.BooleanField(default=False, help_text="An adviser logged it for the resident")
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    converted_to = models.ForeignKey("casework.Case", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False,
                                     help_text="The service request this was turned into")
    converted_reason = models.TextField(blank=True)
    ombudsman_decision = models.CharField(max_length=20, choices=OmbudsmanDecision.choices, blank=True)
    ombudsman_recorded_at = models.DateTimeField(null=True, blank=True)
    ombudsman_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="complaint_customer")]

    def __str__(self) -> str:
        return self.reference

    @property
    def area_name(self) -> str:
        """The service the complaint is about, as the report groups it."""
        if self.about_service_id:
            return self.about_service.name
        return "Other or not said"


class ComplaintStage(models.Model):
    """One stage of a complaint (1 or 2) and its case: acknowledged and answered, against the code's targets."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField(choices=[(1, "Stage 1"), (2, "Stage 2")])
    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="complaint_stage")
    received_on = models.DateField()
    acknowledge_due = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    response_due = models.DateField(null=True, blank=True, help_text="After any extension")
    extension_reason = models.TextField(blank=True)
    escalation_reason = models.TextField(blank=True, help_text="Stage 2: why the complainant is not satisfied")
    responded_on = models.DateField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    reasons = models.TextField(blank=True)
    remedy = models.TextField(blank=True)
    escalate_by = models.DateField(null=True, blank=True, help_text="Stage 1: the last day to escalate online")

    class Meta:
        ordering = ["complaint", "number"]
        constraints = [models.UniqueConstraint(fields=["complaint", "number"], name="complaint_stage_once")]
        indexes = [models.Index(fields=["responded_on"], name="complaint_stage_responded")]

    def __str__(self) -> str:
        return f"{self.complaint_id} stage {self.number}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_on is not None

    @property
    def is_responded(self) -> bool:
        return self.responded_on is not None

    @property
    def acknowledged_in_time(self) -> bool | None:
        return None if self.acknowledged_on is None else self.acknowledged_on <= self.acknowledge_due

    @property
    def responded_in_time(self) -> bool | None:
        if self.responded_on is None or self.response_due is None:
            return None
        return self.responded_on <= self.response_due


class LearningAction(models.Model):
    """What the council will change because of a complaint, with an owner and a due date, done or not."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="learning_actions")
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.action

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
