"""Writes for insight: the nightly demand forecasts (and the risk model's lifecycle in risk.py)."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from performance import selectors as performance

from .. import forecasting
from ..models import Forecast, ForecastRun

# A division's series is forecast only where the volume supports it: a typical month of at least this many.
MIN_DIVISION_MEDIAN = 20


def _contiguous_tail(points: list[tuple[dt.date, float]]) -> list[float]:
    """The latest unbroken run of months (a missing month ends the history there)."""
    values = [points[-1][1]]
    for (earlier, value), (later, _) in zip(reversed(points[:-1]), reversed(points[1:])):
        if (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) != 1:
            break
        values.append(value)
    return values[::-1]


@dataclass
class ForecastResult:
    series: int = 0
    shown: int = 0
    too_short: int = 0
    low_volume: int = 0
    seconds: float = 0.0


def forecasts_compute(*, today: dt.date | None = None, measure_codes: list[str] | None = None) -> ForecastResult:
    """Forecast every demand measure for the county and every division with the volume; replace the last run's."""
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    measures = [m for m in performance.demand_measures() if measure_codes is None or m.code in measure_codes]
    series = performance.monthly_series([m.pk for m in measures], before=this_month)
    result = ForecastResult()
    now = timezone.now()
    rows = []
    with threadpool_limits(1):  # many small fits: BLAS threads only fight over the cores
        for (measure_id, key), points in series.items():
            values = _contiguous_tail(points)
            if key != "county" and sorted(values)[len(values) // 2] < MIN_DIVISION_MEDIAN:
                result.low_volume += 1
                continue
            last = points[-1][0]
            if (this_month.year * 12 + this_month.month) - (last.year * 12 + last.month) != 1:
                result.too_short += 1  # the latest complete month is missing: the history is not current
                continue
            fc = forecasting.forecast_series(values)
            if fc is None:
                result.too_short += 1
                continue
            result.series += 1
            result.shown += fc.shown
            rows.append(Forecast(
                measure_id=measure_id, area_key=key, division_id=int(key[2:]) if key.startswith("d:") else None,
                first_month=this_month, history_months=len(values), model=fc.chosen, shown=fc.shown,
                mase=fc.backtest.mase, coverage80=fc.backtest.coverage80[fc.chosen],
                coverage95=fc.backtest.coverage95[fc.chosen], origins=fc.backtest.origins, points=fc.points,
                computed_at=now))
    with transaction.atomic():
        stale = Forecast.objects.all() if measure_codes is None else Forecast.objects.filter(
            measure__code__in=measure_codes)
        stale.delete()
        Forecast.objects.bulk_create(rows, batch_size=500)
        result.seconds = time.perf_counter() - started
        ForecastRun.objects.create(started_at=now, seconds=result.seconds, series=result.series, shown=result.shown,
                                   too_short=result.too_short)
    return result


# --- the safeguarding referral risk model --------------------------------------------------------


def risk_model_train(*, df: Any, hypothesis: str, by: Any, grid: dict | None = None,
                     equalise_areas: bool = False, features: list[str] | None = None) -> "RiskModelVersion":
    """Train a new version on (synthetic) referral histories and store it with its model card and bias checks."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from oxtom.accounts.permissions import Permission
    from oxtom.core.audit import audit_record

    from .. import risk
    from ..models import RiskModelVersion

    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(Permission.INSIGHT_WORK):
        raise PermissionDenied
    if not (hypothesis or "").strip():
        raise ValidationError({"hypothesis": "Enter the hypothesis the model tests"})
    try:
        chosen = risk.chosen_features(features)
    except ValueError as exc:
        raise ValidationError({"features": "Choose at least two of the listed inputs"}) from exc
    trained = risk.train(df, grid=grid, equalise_areas=equalise_areas, features=chosen)
    card = risk.model_card(trained, hypothesis=hypothesis.strip(), trained_by=by.full_name or by.email)
    with transaction.atomic():
        last = RiskModelVersion.objects.select_for_update().order_by("-version").values_list("version", flat=True).first()
        version = RiskModelVersion.objects.create(
            version=(last or 0) + 1, hypothesis=hypothesis.strip(), features=trained.features, params=trained.params,
            metrics=trained.metrics, fairness=trained.fairness, passed_bias_checks=trained.passed, card=card,
            estimator=trained.dumps(), trained_by=by, trained_at=timezone.now())
        audit_record(by=by, action="create", target=version, summary=f"Risk model version {version.version} trained")
    return version


@transaction.atomic
def risk_model_sign_off(*, version: "RiskModelVersion", by: Any) -> "RiskModelVersion":
    """A service manager signs a version off: never the person who trained it, never with a failed bias check."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from oxtom.accounts.permissions import Permission
    from oxtom.core.audit import audit_record

    from ..models import RiskModelVersion

    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(Permission.RISK_MODEL_SIGN_OFF):
        raise PermissionDenied
    version = RiskModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.signed_off_at is not None:
        raise ValidationError("This version is already signed off")
    if version.trained_by_id == by.pk:
        raise ValidationError("You trained this version: another service manager must sign it off")
    if not version.passed_bias_checks:
        failed = [a for a, r in version.fairness.items() if not r["passed"]]
        raise ValidationError(f"The bias checks failed for {', '.join(failed)}: this version cannot be signed off")
    version.signed_off_by, version.signed_off_at = by, timezone.now()
    version.card = {**version.card, "signed_off_by": by.full_name or by.email}
    version.save(update_fields=["signed_off_by", "signed_off_at", "card"])
    audit_record(by=by, action="update", target=version, summary=f"Risk model version {version.version} signed off")
    return version


def running_risk_model() -> "RiskModelVersion | None":
    """The version that runs: the latest signed off (None: nothing scores)."""
    from ..models import RiskModelVersion

    return RiskModelVersion.objects.filter(signed_off_at__isnull=False).order_by("-version").first()
