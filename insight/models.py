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
