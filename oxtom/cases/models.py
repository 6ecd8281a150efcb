"""The service catalogue, cases and their timeline.

Only oxtom/cases/services.py writes cases and events (administrators edit the
catalogue in Django admin). The status machine lives in rules.py so views,
services and tests share one table of what may follow what.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from oxtom.core.models import TimeStampedModel
from oxtom.customers.models import Channel


class Priority(models.IntegerChoices):
    URGENT = 1, "Urgent"
    HIGH = 2, "High"
    NORMAL = 3, "Normal"
    LOW = 4, "Low"


# Working days to resolve, per priority, for a new service until an administrator says otherwise.
DEFAULT_SLA_WORKING_DAYS = {"1": 2, "2": 5, "3": 10, "4": 20}
MAX_SLA_WORKING_DAYS = 260  # a working year; anything longer is a typo


def default_sla() -> dict[str, int]:
    return dict(DEFAULT_SLA_WORKING_DAYS)


def validate_sla(value: object) -> None:
    """An SLA table names every priority once with a whole number of working days (1..260)."""
    if not isinstance(value, dict):
        raise ValidationError("Give the SLA as working days per priority, like {\"1\": 2, \"2\": 5, \"3\": 10, \"4\": 20}")
    expected = {str(p) for p in Priority.values}
    if set(value) != expected:
        raise ValidationError("Give working days for every priority: 1 (urgent), 2, 3 and 4 (low)")
    for key, days in value.items():
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SLA_WORKING_DAYS:
            raise ValidationError(
                f"Working days for priority {key} must be a whole number from 1 to {MAX_SLA_WORKING_DAYS}"
            )


class CalendarChoice(models.TextChoices):
    """oxtom.core.calendar.Calendar as a field's choices."""

    ENGLAND_AND_WALES = "england_wales", "England and Wales bank holidays"
    ANY_UK_NATION = "any_uk_nation", "Bank holidays in any UK nation"


class Service(TimeStampedModel):
    """One thing the council does for people, as data an administrator edits (docs/CONVENTIONS.md §3.7)."""

    class Kind(models.TextChoices):
        REPORT = "report", "Report"
        APPLICATION = "application", "Application"
        ENQUIRY = "enquiry", "Enquiry"
        REQUEST = "request", "Request"

    code = models.SlugField(max_length=40, unique=True, help_text="Stable identifier used by code and the API")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reference_prefix = models.CharField(
        max_length=3, default="CS",
        help_text="Two or three capital letters that start each case reference, e.g. HW for highways",
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="services",
                             help_text="The team that works this service's cases")
    triage_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="triaged_services",
        help_text="If set, new cases join this screening team's intake queue first and are routed from there",
    )
    sla_working_days = models.JSONField(
        default=default_sla, validators=[validate_sla],
        help_text="Working days to resolve, per priority (1 urgent … 4 low), England & Wales bank holidays excluded",
    )
    clock_pauses_for_customer = models.BooleanField(
        default=True, help_text="The SLA clock stops while we wait for the customer to send information",
    )
    # The clock policy (oxtom/cases/clock.py): which calendar counts working days, what waiting for the
    # customer does to the clock, how far an officer may extend, and (ServiceStage) stages with targets.
    calendar = models.CharField(
        max_length=16, choices=CalendarChoice.choices, default=CalendarChoice.ENGLAND_AND_WALES,
        help_text="Bank holidays left out of working days: England and Wales for service targets, "
                  "any UK nation for FOI (FOIA s10(6))",
    )
    clock_restarts_for_customer = models.BooleanField(
        default=False,
        help_text="When the customer answers our question the clock starts again from the full target "
                  "(FOI clarification) instead of carrying on where it stopped",
    )
    max_extensions = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(5)],
        help_text="How many times an officer may extend a case's due date, with a reason (0: never)",
    )
    max_extension_working_days = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(MAX_SLA_WORKING_DAYS)],
        help_text="The most working days one extension may add",
    )
    different_decider = models.BooleanField(
        default=False,
        help_text="A follow-on case (a review, a stage 2) must be decided by an officer who did not decide "
                  "or work the case it follows",
    )
    qa_sample_rate = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.050"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of closed cases sampled for quality checks (0 to 1)",
    )
    notify_customer_on_change = models.BooleanField(
        default=True, help_text="Tell the customer about status changes and public updates",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive services take no new cases")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        prefix = self.reference_prefix or ""
        if not (2 <= len(prefix) <= 3 and prefix.isascii() and prefix.isalpha() and prefix.isupper()):
            raise ValidationError({"reference_prefix": "Enter two or three capital letters, like HW"})

    @property
    def sla_normal(self) -> int:
        return self.sla_days(Priority.NORMAL)

    @property
    def qa_percent(self) -> Decimal:
        """The QA sample rate as people read it: 5 for 0.050."""
        value = (self.qa_sample_rate * 100).quantize(Decimal("0.1"))
        return value.quantize(Decimal("1")) if value == value.to_integral_value() else value

    def sla_days(self, priority: int) -> int:
        """Working days allowed for a case of this priority (the default table fills any gap)."""
        table = self.sla_working_days or {}
        return int(table.get(str(int(priority)), DEFAULT_SLA_WORKING_DAYS[str(int(priority))]))


class Status(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_CUSTOMER = "awaiting_customer", "Waiting for the customer"
    DECIDED = "decided", "Decided"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.AWAITING_CUSTOMER, Status.DECIDED)


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    ACTION_TAKEN = "action_taken", "Action taken"
    NO_ACTION = "no_action", "No action needed"


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    WITHDRAWN = "withdrawn", "Withdrawn by the customer"
    DUPLICATE = "duplicate", "Duplicate of another case"
    OUT_OF_SCOPE = "out_of_scope", "Not something the council does"


class CaseQuerySet(models.QuerySet):
    def open(self) -> "CaseQuerySet":
        return self.exclude(status=Status.CLOSED)

    def for_user(self, user) -> "CaseQuerySet":
        """The cases `user` may see (see selectors.case_visibility_q for the rules)."""
        from .selectors import case_visibility_q

        condition = case_visibility_q(user)
        return self.none() if condition is None else self.filter(condition)


class Case(TimeStampedModel):
    """One piece of work for a person: a report, an application, an enquiry or a request."""

    reference = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    # Who the case is for: a customer, or a member of staff asking for something (business admin
    # requests come from colleagues); never neither (the check constraint below).
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="cases")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="requested_cases",
        db_index=False, help_text="The member of staff who asked for this, when no customer did",
    )
    # A follow-on case (a complaint's stage 2, an FOI internal review, a reconsideration) names the case it follows.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ons",
                               db_index=False)
    # No single-column indexes on team, assignee and division: the composite
    # indexes below lead with them, and on SQLite a plain assignee index lures
    # the planner into scanning every unassigned case for "get next".
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases", db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases",
        db_index=False,
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(max_length=200, blank=True, help_text="A short description with no personal data")
    # Flags: safeguarding and vulnerability fast-track; special category data
    # (health, ethnicity…) is hidden from councillors unless shared.
    safeguarding = models.BooleanField(default=False)
    vulnerable_customer = models.BooleanField(default=False)
    special_category = models.BooleanField(default=False)
    shared_with_councillor = models.BooleanField(default=False)
    division = models.ForeignKey(
        "places.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    received_at = models.DateTimeField()
    # SLA clock, in England & Wales working days (oxtom/core/calendar.py).
    due_at = models.DateField(help_text="SLA due date, moved on by any working days the clock was paused")
    expected_date = models.DateField(null=True, blank=True, help_text="The date we told the customer to expect")
    paused_on = models.DateField(null=True, blank=True, help_text="Set while the clock is paused for the customer")
    paused_working_days = models.PositiveIntegerField(default=0)
    # The clock policy's state (oxtom/cases/clock.py): the day the clock last started (a new stage, or
    # a restart after the customer clarified; empty means the day of receipt), the stage it runs for,
    # and the working days extensions added.
    clock_started_on = models.DateField(null=True, blank=True)
    stage = models.ForeignKey("ServiceStage", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    extension_working_days = models.PositiveIntegerField(default=0)
    extensions_used = models.PositiveSmallIntegerField(default=0)
    # The due date an escalation was raised for: escalate once per due date.
    escalated_for = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="The officer who recorded the decision")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # Councillors' enquiries: who raised it on the constituent's behalf, and the consent they recorded.
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="raised_cases",
        db_index=False,
    )
    consent_wording = models.TextField(blank=True, help_text="Exactly what the councillor confirmed about consent")
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    # Set by forms that create cases, so a double-clicked submit creates one case, not two.
    submission_key = models.CharField(max_length=64, blank=True)
    # Optimistic locking: every change bumps it; a change made against an older version is refused.
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["team", "status", "due_at"], name="case_team_status_due"),
            # The open queue sorted by due date (keyset on due_at, id) without touching closed
            # cases. The trailing columns make it covering for the counts per SLA state under
            # every queue filter (priority, service, division, assignee): at 20,000 open cases a
            # team the counts are an index-only scan instead of a heap visit per case (SQLite
            # needs every column the query names, even the one the condition fixes).
            models.Index(
                fields=["team", "due_at", "id", "paused_on", "status", "priority", "service", "division", "assignee"],
                name="case_team_open_due_v4", condition=~models.Q(status="closed"),
            ),
            # The "waiting for the customer" count (selectors.sla_counts): the paused cases of a team
            # are few, and without their own index counting them meant reading the whole queue.
            models.Index(
                fields=["team", "due_at", "id"], name="case_team_paused",
                condition=models.Q(paused_on__isnull=False) & ~models.Q(status="closed"),
            ),
            models.Index(
                fields=["division", "due_at", "id"], name="case_division_paused",
                condition=models.Q(paused_on__isnull=False) & ~models.Q(status="closed"),
            ),
            # Get next: unassigned open cases by priority then due date.
            models.Index(
                fields=["team", "priority", "due_at", "id"], name="case_team_unassigned",
                condition=models.Q(assignee__isnull=True) & ~models.Q(status="closed"),
            ),
            # Partial: "assigned to me" and user deletion checks use it; unassigned cases never do.
            models.Index(
                fields=["assignee", "status", "due_at"], name="case_assignee_v2",
                condition=models.Q(assignee__isnull=False),
            ),
            models.Index(fields=["division", "status", "due_at"], name="case_division"),
            # A councillor's division page: open cases soonest due first, and the counts per SLA
            # state index-only (the visibility columns ride along; closed history is left out).
            models.Index(
                fields=["division", "due_at", "id", "paused_on", "status", "special_category",
                        "shared_with_councillor", "raised_by", "service"],
                name="case_division_open", condition=~models.Q(status="closed"),
            ),
            # The escalation sweep: open cases past their due date, across teams.
            models.Index(fields=["due_at", "id"], name="case_open_due", condition=~models.Q(status="closed")),
            models.Index(fields=["customer", "-received_at"], name="case_customer"),
            models.Index(fields=["raised_by", "-received_at"], name="case_raised_by",
                         condition=models.Q(raised_by__isnull=False)),
            models.Index(fields=["requested_by", "-received_at"], name="case_requested_by",
                         condition=models.Q(requested_by__isnull=False)),
            models.Index(fields=["parent"], name="case_parent", condition=models.Q(parent__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(requested_by__isnull=False),
                name="case_has_customer_or_requester",
            ),
            models.UniqueConstraint(fields=["submission_key"], condition=~models.Q(submission_key=""),
                                    name="case_unique_submission_key"),
        ]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_label(self) -> str:
        """The status as every page names it (the record behind the case may say more: oxtom.cases.owners)."""
        from .owners import status_label

        return status_label(self)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_paused(self) -> bool:
        return self.paused_on is not None

    @property
    def own_title(self) -> str:
        """The title when it says more than the service's name (a street report's title is its type's name)."""
        title = (self.title or "").strip()
        return "" if title.casefold() == self.service.name.strip().casefold() else title

    @property
    def label(self) -> str:
        """What a list calls the case: "Pothole", "Blue Badge application AP-…", "Highways: Flooding on Mill Lane".

        Never "Pothole: Pothole": the title is added only when it says more,
        and alone when it already starts with the service's name.
        """
        name, title = self.service.name.strip(), self.own_title
        if not title:
            return name
        return title if title.casefold().startswith(name.casefold()) else f"{name}: {title}"


class CaseEvent(models.Model):
    """One entry on a case's timeline. Append-only."""

    class Kind(models.TextChoices):
        CREATED = "created", "Case created"
        STATUS_CHANGED = "status_changed", "Status changed"
        PUBLIC_UPDATE = "public_update", "Update to the customer"
        NOTE = "note", "Private note"
        ASSIGNED = "assigned", "Assigned"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        EXPECTED_DATE_SET = "expected_date_set", "Expected date set"
        REFERRED = "referred", "Referred to another team"
        DUPLICATE_LINKED = "duplicate_linked", "Linked as a duplicate"
        NOTIFICATION_SENT = "notification_sent", "Notification sent"
        NOTIFICATION_FAILED = "notification_failed", "Notification not sent"
        ESCALATED = "escalated", "Escalated as overdue"
        QA_SAMPLED = "qa_sampled", "Sampled for a quality check"
        QA_RECORDED = "qa_recorded", "Quality check recorded"
        SCREENED = "screened", "Screened and routed"
        CUSTOMER_REPLIED = "customer_replied", "Reply from the customer"
        EXTENDED = "extended", "Due date extended"
        STAGE_CHANGED = "stage_changed", "Moved to the next stage"
        CLOCK_RESTARTED = "clock_restarted", "Clock restarted"
        FOLLOW_ON_OPENED = "follow_on_opened", "Follow-on case opened"
        TASK_ADDED = "task_added", "Task added"
        TASK_DONE = "task_done", "Task done"
        TASK_REOPENED = "task_reopened", "Task reopened"

    class Visibility(models.TextChoices):
        """Who may read an event, widest last. Set where the event is made (oxtom/cases/services.py), so no
        page or API has to guess: the public report page and Open311 read PUBLIC only; the customer's own
        case page reads CUSTOMER and PUBLIC; staff read everything."""

        STAFF = "staff", "Staff only"
        CUSTOMER = "customer", "The customer and staff"
        PUBLIC = "public", "Anyone"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()
    # Staff only (notes, assignment), the customer and staff (our questions to them and their replies,
    # decisions with reasons), or anyone (status changes and public updates on the public report page).
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.STAFF)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-occurred_at", "-id"], name="case_event_timeline"),
            # Open311 servicerequestupdates reads public events by time across all cases.
            models.Index(fields=["occurred_at", "id"], condition=models.Q(visibility="public"),
                         name="case_event_public_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def customer_may_see(self) -> bool:
        return self.visibility != self.Visibility.STAFF


class QaCheck(models.Model):
    """A quality spot-check, sampled at the service's QA rate: of a closed case, or of a
    decision the system made by itself (an automatic decision no person looked at).

    Reviewed by a team leader who did not close the case; the result and
    feedback go back to the officer (or to whoever owns the decision rule).
    """

    class Result(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        CLOSED_CASE = "closed_case", "Closed case"
        AUTOMATIC_DECISION = "automatic_decision", "Automatic decision"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="qa_checks")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="qa_checks")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLOSED_CASE)
    sampled_at = models.DateTimeField()
    # Who closed the case: they may not review their own work.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    feedback = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [models.Index(fields=["team", "result", "sampled_at"], name="qa_team_queue")]

    def __str__(self) -> str:
        return f"QA {self.case_id} {self.result}"


class ServiceStage(models.Model):
    """One stage of a service with its own target (complaints: acknowledge, stage 1, stage 2).

    A service with stages starts each case at the first; its due date is the stage's target in
    working days from the day the stage started. A service without stages uses its SLA table.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(help_text="1 for the first stage, then 2, 3…")
    name = models.CharField(max_length=80)
    working_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SLA_WORKING_DAYS)],
        help_text="Working days from the start of the stage to its target",
    )

    class Meta:
        ordering = ["service", "position"]
        constraints = [models.UniqueConstraint(fields=["service", "position"], name="service_stage_position")]

    def __str__(self) -> str:
        return f"{self.service}: {self.name}"


class CaseTask(models.Model):
    """A task under a case (a checklist line: "references received", "DBS check done").

    Written only by oxtom/cases/services/tasks.py, which audits and puts each change on the timeline.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="case_tasks", db_index=False)
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [
            models.Index(fields=["case", "id"], name="case_task_case"),
            # The officer's home: their open tasks, soonest due first.
            models.Index(fields=["assignee", "due_on", "id"], name="case_task_open_assignee",
                         condition=models.Q(done_at__isnull=True, assignee__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
