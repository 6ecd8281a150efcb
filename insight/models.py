"""Insight: demand forecasts for the platform's monthly measures (and, later, the safeguarding risk model).

A Forecast is the latest 12 months ahead for one measure and one area
(the county, or a division where the volume supports it), with the
backtest that chose its model. Recomputed nightly; each run replaces the
previous forecasts in one transaction.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Forecast(models.Model):
    measure = models.ForeignKey("performance.Measure", on_delete=models.CASCADE, related_name="+")
    area_key = models.CharField(max_length=24)  # as performance.Value: "county" or "d:<division id>"
    division = models.ForeignKey("places.Division", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    first_month = models.DateField(help_text="The first month forecast")
    history_months = models.PositiveSmallIntegerField()
    model = models.CharField(max_length=20)
    shown = models.BooleanField(help_text="False when no model beat seasonal naive: then no forecast is shown")
    mase = models.JSONField(help_text="Backtest MASE of every candidate")
    coverage80 = models.FloatField()
    coverage95 = models.FloatField()
    origins = models.PositiveSmallIntegerField()
    points = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["measure", "area_key"]
        constraints = [models.UniqueConstraint(fields=["measure", "area_key"], name="one_forecast_per_area")]


class ForecastRun(models.Model):
    started_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    series = models.PositiveIntegerField(default=0)
    shown = models.PositiveIntegerField(default=0)
    too_short = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]


class Capacity(models.Model):
    """How much of one demand measure a team can handle in a month, set by an analyst or the team's leader.

    Compared with the county forecast of the measure: where the forecast's upper 80% bound is above it, the
    forecast page warns and the team leader's home lists the service at risk (selectors.capacity_warnings).
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey("performance.Measure", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month")
    capacity = models.PositiveIntegerField(help_text="Items the team can handle that month")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["team", "measure", "month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "month"], name="one_capacity_per_team_month"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="capacity_at_least_one"),
        ]


class RiskModelVersion(models.Model):
    """One trained version of the safeguarding referral risk model, with its model card and bias checks.

    Only a version signed off by a service manager who did not train it, with every bias check passed, runs.
    """

    version = models.PositiveIntegerField(unique=True)
    hypothesis = models.TextField()
    features = models.JSONField()
    params = models.JSONField()
    metrics = models.JSONField()
    fairness = models.JSONField()
    passed_bias_checks = models.BooleanField()
    card = models.JSONField()
    estimator = models.BinaryField(help_text="The fitted model (pickled; written by the service, never uploaded)")
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    trained_at = models.DateTimeField()
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]


class RiskTrainingRun(models.Model):
    """An analyst's request to train a version from the training form, worked by the worker.

    Training takes minutes of CPU, so the form queues it rather than making the analyst wait; one run is
    in progress at a time (a partial unique constraint, so two analysts pressing at once get one run and
    a clear refusal), and a run the worker never finished stops blocking after STALLED_AFTER.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Training"
        DONE = "done", "Trained"
        FAILED = "failed", "Did not finish"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    hypothesis = models.TextField()
    features = models.JSONField()
    rows = models.PositiveIntegerField(help_text="Synthetic referral histories to train on")
    equalise_areas = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    in_progress = models.BooleanField(null=True, default=True, help_text="True while queued or running; else null")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.OneToOneField(RiskModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="training_run")
    failure = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["in_progress"], name="one_risk_training_in_progress")]


class Referral(models.Model):
    """A multi-agency safeguarding (MASH) referral: the record behind a case on the engine.

    The child is held here, never on the customer record (a case for a staff requester: the MASH officer
    who took the referral), so nobody outside the MASH team meets them on a timeline or in a search.
    Every person here is fictional (the platform holds no real children's data).
    """

    class Agency(models.TextChoices):
        POLICE = "police", "Police"
        SCHOOL = "school", "School or education"
        HEALTH = "health", "Health"
        SOCIAL_CARE = "social_care", "Social care"
        PUBLIC = "public", "Member of the public or family"
        OTHER = "other", "Other agency"

    class Screening(models.TextChoices):
        NO_FURTHER_ACTION = "nfa", "No further action"
        EARLY_HELP = "early_help", "Early help"
        ASSESSMENT = "assessment", "Social care assessment"

    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="mash_referral")
    referrer_name = models.CharField(max_length=120)
    referrer_agency = models.CharField(max_length=16, choices=Agency.choices)
    referrer_contact = models.CharField(max_length=200, blank=True)
    child_key = models.CharField(max_length=32, db_index=True,
                                 help_text="Links one child's referrals (their case history)")
    child_name = models.CharField(max_length=120)
    child_date_of_birth = models.DateField()
    # Recorded for the fairness checks only: never an input to the risk model.
    child_sex = models.CharField(max_length=8, choices=[("female", "Female"), ("male", "Male")])
    child_ethnicity = models.CharField(max_length=1, choices=[(g, f"Group {g}") for g in "ABCDE"])
    child_disability = models.BooleanField(default=False)
    deprivation_decile = models.PositiveSmallIntegerField(help_text="Of the child's area (1 most deprived)")
    concerns = models.TextField()
    police_flag = models.BooleanField(default=False)
    school_flag = models.BooleanField(default=False, help_text="Persistent absence")
    health_flag = models.BooleanField(default=False)
    screening_outcome = models.CharField(max_length=12, choices=Screening.choices, blank=True)
    screening_reasons = models.TextField(blank=True)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    screened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-case__received_at"]


class ScoringRun(models.Model):
    """One week's scoring by the signed-off risk model (one row a week: a rerun of the week updates it)."""

    week = models.DateField(unique=True, help_text="The Monday of the week scored")
    version = models.ForeignKey(RiskModelVersion, on_delete=models.PROTECT, related_name="runs")
    scored = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    drift = models.JSONField(default=dict, help_text="Population stability index of each input against training")
    seconds = models.FloatField(default=0)
    computed_at = models.DateTimeField()
    reported_at = models.DateTimeField(null=True, blank=True, help_text="When Lee was told the report is ready")

    class Meta:
        ordering = ["-week"]


class RiskScore(models.Model):
    """A referral's score in one week's run. The model never changes the case: this row is all it writes."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="scores")
    score = models.FloatField()
    flagged = models.BooleanField()
    closed = models.BooleanField(help_text="The case was closed when scored (only those are reported)")
    inputs = models.JSONField()
    factors = models.JSONField(default=list, help_text="The inputs that raised the score most (flagged only)")

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["run", "referral"], name="one_score_per_referral_week")]


class RiskReview(models.Model):
    """A professional's decision on a flagged closed case: refer to partners for early help, or not."""

    class Decision(models.TextChoices):
        REFER = "refer", "Refer to partners for early intervention"
        NO_REFERRAL = "no_referral", "No referral needed"

    score = models.OneToOneField(RiskScore, on_delete=models.CASCADE, related_name="review")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reasons = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
