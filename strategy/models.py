"""Strategic capability: the project office (PMO) with the Fit for the Future board, and consultations.

Projects start as proposals on the PMO's template (objectives, benefits with
measures, costs, risks, sponsor, directorate, cross-cutting or not) and go to
the board. An approved project gets a project manager and a business analyst
from the resource pool and owes a highlight report every month by a due day;
the board sees the portfolio exceptions first and records its decisions.

Consultations are written by officers, published at /consultations/, answered
once per resident (signed in, or anonymous behind a duplicate guard), and,
once closed, summarised as "we asked, you said, we did".
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from oxtom.core.models import TimeStampedModel


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Project(TimeStampedModel):
    """A proposal, and once the board approves it, a project in the portfolio."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the board"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=12, unique=True)
    title = models.CharField(max_length=150)
    directorate = models.CharField(max_length=120)
    sponsor = models.CharField(max_length=120, help_text="The accountable sponsor's role")
    cross_cutting = models.BooleanField(default=False)
    objectives = models.TextField()
    estimated_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    cost_notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    project_manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="managed_projects")
    business_analyst = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="analysed_projects")
    highlight_due_day = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="The day of each month by which last month's highlight report is due")

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Benefit(models.Model):
    """A benefit the proposal promises, measured (by a performance measure where one exists).

    Its actuals come from the linked measure's county figures; a benefit with no measure has them
    recorded by the project (BenefitRealisation). strategy/benefits.py judges whether it is on track.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="benefits")
    description = models.CharField(max_length=300)
    measure = models.ForeignKey("performance.Measure", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_date = models.DateField(null=True, blank=True, help_text="When the target is to be reached")

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.CheckConstraint(condition=~Q(target=models.F("baseline")),
                                              name="benefit_target_differs_from_baseline")]

    @property
    def latest(self) -> "BenefitRealisation | None":
        """The latest month recorded (from prefetched realisations: no query each)."""
        realised = list(self.realisations.all())
        return realised[-1] if realised else None


class BenefitRealisation(models.Model):
    """What a benefit reached in a month (entered by the project, or read from its linked measure)."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="realisations")
    month = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(blank=True, help_text="Where the figure came from (for a benefit with no measure)")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["benefit", "month"]
        constraints = [models.UniqueConstraint(fields=["benefit", "month"], name="one_realisation_per_month")]


class Risk(models.Model):
    """A risk or an issue, with its owner: from the proposal, or raised in a highlight report."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        ISSUE = "issue", "Issue"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    highlight = models.ForeignKey("HighlightReport", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="risks")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.RISK)
    description = models.CharField(max_length=300)
    owner = models.CharField(max_length=120)

    class Meta:
        ordering = ["project", "id"]


class PoolMember(models.Model):
    """Someone in the resource pool (project managers and business analysts) and how much they can take."""

    class Skill(models.TextChoices):
        PROJECT_MANAGER = "pm", "Project manager"
        BUSINESS_ANALYST = "ba", "Business analyst"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    skill = models.CharField(max_length=2, choices=Skill.choices)
    capacity_days = models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(31)],
                                                     help_text="Days a month available for projects")

    class Meta:
        ordering = ["skill", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="one_pool_entry_per_skill")]


class Allocation(models.Model):
    """Who is on what: a pool member's days a month on one project."""

    member = models.ForeignKey(PoolMember, on_delete=models.PROTECT, related_name="allocations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="allocations")
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "project"], name="one_allocation_per_project")]


class HighlightReport(models.Model):
    """A project's monthly highlight report: RAG for time, cost, scope and benefits, and what the board must decide."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="highlights")
    month = models.DateField(help_text="The month reported on (its first day)")
    rag_time = models.CharField(max_length=5, choices=Rag.choices)
    rag_cost = models.CharField(max_length=5, choices=Rag.choices)
    rag_scope = models.CharField(max_length=5, choices=Rag.choices)
    rag_benefits = models.CharField(max_length=5, choices=Rag.choices)
    summary = models.TextField()
    decisions_needed = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="one_highlight_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="highlight_month_starts_on_first"),
        ]

    @property
    def rags(self) -> list[tuple[str, str]]:
        return [("Time", self.rag_time), ("Cost", self.rag_cost), ("Scope", self.rag_scope),
                ("Benefits", self.rag_benefits)]

    @property
    def worst(self) -> str:
        values = {self.rag_time, self.rag_cost, self.rag_scope, self.rag_benefits}
        return Rag.RED if Rag.RED in values else Rag.AMBER if Rag.AMBER in values else Rag.GREEN


class HighlightChase(models.Model):
    """A reminder sent for a late highlight report (one per project and month: the sweep is idempotent)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="chases")
    month = models.DateField()
    chased_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="one_chase_per_month")]


class BoardDecision(models.Model):
    """Something the Fit for the Future board decided, on a project or the portfolio."""

    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField()
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_on", "-id"]


# --- consultations ------------------------------------------------------------------------------


class Consultation(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=150)
    purpose = models.TextField()
    audience = models.CharField(max_length=200, help_text="Who it is for")
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # "We asked, you said, we did": published after it closes.
    we_did = models.TextField(blank=True)
    summary_published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")),
                                              name="consultation_closes_after_it_opens")]

    def __str__(self) -> str:
        return self.title

    def is_open_on(self, day: dt.date) -> bool:
        return self.status == self.Status.PUBLISHED and self.opens_on <= day <= self.closes_on


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", "Choose one"
        SCALE = "scale", "Scale (1 to 5)"
        TEXT = "text", "Free text"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [models.UniqueConstraint(fields=["consultation", "position"], name="question_position")]

    @property
    def options(self) -> list[str]:
        if self.kind == self.Kind.SCALE:
            return [str(n) for n in range(1, 6)]
        return list(self.choices or [])


class ConsultationResponse(models.Model):
    """One resident's answers. A draft until submitted; once per signed-in person or per anonymous guard."""

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper form"
        PHONE = "phone", "Telephone"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    # Anonymous responses: a hash of the browser's session key and the consultation (no personal data).
    guard = models.CharField(max_length=64, blank=True)
    answers = models.JSONField(default=dict)
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="The adviser who entered a paper or phone response")
    name_shared = models.BooleanField(default=False, help_text="The respondent agreed their name may appear in exports")
    respondent_name = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], condition=Q(user__isnull=False),
                                    name="one_response_per_person"),
            models.UniqueConstraint(fields=["consultation", "guard"], condition=~Q(guard=""),
                                    name="one_response_per_guard"),
        ]
