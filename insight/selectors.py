"""Reads for insight: forecasts for the measure pages and the BI team's list (constant queries)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from .forecasting import LABELS
from .models import Forecast, ForecastRun


def _month(first: dt.date, step: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + step - 1
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class ForecastView:
    forecast: Forecast
    rows: list[dict]

    @property
    def model_label(self) -> str:
        return LABELS.get(self.forecast.model, self.forecast.model)

    @property
    def naive_mase(self) -> float:
        return self.forecast.mase.get("seasonal_naive", 0.0)

    @property
    def chosen_mase(self) -> float:
        return self.forecast.mase.get(self.forecast.model, 0.0)


def _view(forecast: Forecast) -> ForecastView:
    rows = [{**p, "month": _month(forecast.first_month, p["step"])} for p in forecast.points]
    return ForecastView(forecast=forecast, rows=rows)


def county_forecast(measure_id: int) -> ForecastView | None:
    """The county forecast of a measure, whether shown or not (the page says why not). One query."""
    forecast = Forecast.objects.filter(measure_id=measure_id, area_key="county").first()
    return _view(forecast) if forecast else None


def forecast_list() -> list[ForecastView]:
    """Every forecast with its backtest, county first (one query)."""
    return [_view(f) for f in Forecast.objects.select_related("measure", "division").order_by(
        "measure__name", "division__name")]


def last_run() -> ForecastRun | None:
    return ForecastRun.objects.first()


# --- the forecast page: chart, table and capacity warning -------------------------------------

HISTORY_SHOWN = 36  # months of actuals drawn before the forecast


@dataclass
class ShortMonth:
    month: dt.date
    mean: float
    upper: float  # the upper bound of the 80% interval: what the warning compares
    capacity: int
    shortfall: int  # upper bound minus capacity, rounded up

    @property
    def likely(self) -> bool:
        """Even the point forecast is above capacity (more likely than not to be short)."""
        return self.mean > self.capacity


@dataclass
class CapacityWarning:
    measure: object
    teams: list  # the teams whose capacity was set for the measure (their capacities add up)
    months: list[ShortMonth]

    @property
    def worst(self) -> int:
        return max(m.shortfall for m in self.months)


def _warnings(forecasts: list[Forecast], capacities: list) -> dict[int, CapacityWarning]:
    """Each measure whose shown county forecast's upper 80% bound is above the total capacity set for a month."""
    totals: dict[tuple[int, dt.date], int] = {}
    teams: dict[int, dict] = {}
    for c in capacities:
        totals[(c.measure_id, c.month)] = totals.get((c.measure_id, c.month), 0) + c.capacity
        teams.setdefault(c.measure_id, {})[c.team_id] = c.team
    out = {}
    for forecast in forecasts:
        if not forecast.shown:
            continue
        short = []
        for p in forecast.points:
            month = _month(forecast.first_month, p["step"])
            cap = totals.get((forecast.measure_id, month))
            if cap is not None and p["hi80"] > cap:
                short.append(ShortMonth(month=month, mean=p["mean"], upper=p["hi80"], capacity=cap,
                                        shortfall=math.ceil(p["hi80"] - cap)))
        if short:
            out[forecast.measure_id] = CapacityWarning(
                measure=forecast.measure, teams=sorted(teams[forecast.measure_id].values(), key=lambda t: t.name),
                months=short)
    return out


def capacity_warnings(*, team_ids: set[int] | None = None) -> list[CapacityWarning]:
    """Services at risk: measures whose forecast is above capacity, worst first; only measures a team in
    `team_ids` has a capacity for when given (a team leader's). Two queries."""
    from .models import Capacity

    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    capacities = list(Capacity.objects.select_related("team", "measure").filter(
        month__gte=this_month, measure__in=Capacity.objects.filter(**({"team_id__in": team_ids} if team_ids is not None else {}))
        .values("measure_id")))
    if not capacities:
        return []
    forecasts = list(Forecast.objects.filter(area_key="county", shown=True, measure_id__in={
        c.measure_id for c in capacities}).select_related("measure"))
    return sorted(_warnings(forecasts, capacities).values(), key=lambda w: (-w.worst, w.measure.name))


@dataclass
class ForecastPage:
    view: ForecastView | None
    history: list[tuple[dt.date, float]]
    capacity: dict[dt.date, int]
    warning: CapacityWarning | None
    chart: object
    phone_chart: object  # the same figures drawn for a phone (charts.PHONE)

    @property
    def history_from(self) -> dt.date | None:
        return self.history[0][0] if self.history else None

    @property
    def history_to(self) -> dt.date | None:
        return self.history[-1][0] if self.history else None

    @property
    def forecast_from(self) -> dt.date | None:
        return self.view.rows[0]["month"] if self.view and self.view.rows else None

    @property
    def forecast_to(self) -> dt.date | None:
        return self.view.rows[-1]["month"] if self.view and self.view.rows else None

    @property
    def capacity_months(self) -> int:
        return sum(1 for r in (self.view.rows if self.view else []) if r["month"] in self.capacity)


def forecast_page(measure) -> ForecastPage:
    """A measure's county forecast with the actuals before it and the capacity set for its months:
    the chart, the table and the warning. Three queries, whatever the history's length."""
    from performance import selectors as performance

    from .charts import PHONE, forecast_chart
    from .models import Capacity

    view = county_forecast(measure.pk)
    if view is None or not view.forecast.shown:
        return ForecastPage(view=view, history=[], capacity={}, warning=None, chart=forecast_chart([], []),
                            phone_chart=forecast_chart([], [], **PHONE))
    series = performance.monthly_series([measure.pk], before=view.forecast.first_month)
    history = series.get((measure.pk, "county"), [])[-HISTORY_SHOWN:]
    capacities = list(Capacity.objects.filter(measure_id=measure.pk, month__gte=view.forecast.first_month)
                      .select_related("team"))
    capacity: dict[dt.date, int] = {}
    for c in capacities:
        capacity[c.month] = capacity.get(c.month, 0) + c.capacity
    view.forecast.measure = measure
    warning = _warnings([view.forecast], capacities).get(measure.pk)
    rows = [{**r, "capacity": capacity.get(r["month"])} for r in view.rows]
    view.rows = rows
    return ForecastPage(view=view, history=history, capacity=capacity, warning=warning,
                        chart=forecast_chart(history, rows, capacity=capacity),
                        phone_chart=forecast_chart(history, rows, capacity=capacity, **PHONE))


def capacity_list(teams) -> list:
    """The capacities set from this month on for these teams, by team, measure and month (one query)."""
    from django.utils import timezone

    from .models import Capacity

    return list(Capacity.objects.filter(team__in=teams, month__gte=timezone.localdate().replace(day=1))
                .select_related("team", "measure", "set_by").order_by("team__name", "measure__name", "month"))


# --- the MASH referral service and the risk model ---------------------------------------------

MASH_PAGE = 50
DRIFTED = 0.2  # population stability index over which an input has drifted
FACTOR_LABELS = {
    "prior_referrals": "Earlier referrals", "prior_nfa": "Earlier referrals with no further action",
    "last_case_days": "Days the case was open", "police_flag": "Police flag", "school_flag": "Persistent absence",
    "health_flag": "Health flag", "age": "Age", "deprivation_decile": "Area deprivation decile",
}
REPORT_RUNS = 8


def referral_queue(user) -> dict:
    """The MASH screening queue for a MASH officer: referrals waiting, oldest first, and the latest screened.

    Scoped by the engine's case visibility (the MASH team's members). Two queries.
    """
    from .models import Referral

    visible = Referral.objects.filter(case__in=_visible_cases(user)).select_related("case", "case__assignee")
    waiting = list(visible.filter(screening_outcome="").order_by("case__received_at")[:MASH_PAGE])
    screened = list(visible.exclude(screening_outcome="").select_related("screened_by")
                    .order_by("-screened_at")[:20])
    return {"waiting": waiting, "screened": screened}


def _visible_cases(user):
    from oxtom.cases.models import Case

    return Case.objects.for_user(user).filter(service__code="mash-referral").values("pk")


def get_referral_for_user(user, reference: str):
    """One referral by its case reference; 404 when missing and when the user is not in the MASH team."""
    from django.http import Http404

    from .models import Referral
    from .services.mash import can_screen

    reference = (reference or "").strip().upper()
    if not can_screen(user) or not reference or len(reference) > 20:
        raise Http404("No referral found")
    referral = (Referral.objects.filter(case__in=_visible_cases(user), case__reference=reference)
                .select_related("case", "case__team", "screened_by").first())
    if referral is None:
        raise Http404("No referral found")
    return referral


def child_history(referral) -> list:
    """The same child's other referrals (their case history), newest first. One query."""
    from .models import Referral

    return list(Referral.objects.filter(child_key=referral.child_key).exclude(pk=referral.pk)
                .select_related("case").order_by("-case__received_at")[:20])


def risk_min_group() -> int:
    from .risk import MIN_GROUP

    return MIN_GROUP


SENSITIVE_LABELS = {"sex": "Sex", "ethnicity": "Ethnic group", "disability": "Disability",
                    "deprived_area": "Area deprivation"}


def input_labels(version) -> tuple[list[str], list[str]]:
    """A version's inputs and what is never an input, as a reader names them (not the data's field keys)."""
    never = (version.card or {}).get("excluded") or []
    return ([FACTOR_LABELS.get(k, k) for k in version.features or []],
            [SENSITIVE_LABELS.get(k, k) for k in never if k != "deprived_area"])


def fairness_rows(version) -> list[dict]:
    """The bias checks as rows a page can show: each attribute, its groups' rates, and each check's result."""
    names = SENSITIVE_LABELS
    checks = {"selection_rate_ratio": "Selection rate ratio at least 0.8",
              "fpr_difference": "False positive rates within 0.10", "fnr_difference": "False negative rates within 0.10"}
    rows = []
    for attribute, result in (version.fairness or {}).items():
        groups = [{"name": {"True": "Disabled", "False": "Not disabled"}.get(g, g), "cases": rates.get("cases"),
                   "rates": [rates.get(k) for k in ("selection_rate", "false_positive_rate", "false_negative_rate")]}
                  for g, rates in result["groups"].items()]
        measured_by = {"selection_rate_ratio": result["ratio"].get("selection_rate"),
                       "fpr_difference": result["difference"].get("false_positive_rate"),
                       "fnr_difference": result["difference"].get("false_negative_rate")}
        too_few = [{"True": "Disabled", "False": "Not disabled"}.get(g, g) for g in result.get("too_few", [])]
        rows.append({"attribute": names.get(attribute, attribute), "passed": result["passed"], "groups": groups,
                     "difference": result["difference"], "ratio": result["ratio"], "too_few": too_few,
                     "checks": [(checks[k] if measured_by[k] is not None
                                 else f"{checks[k]}: not enough groups with {risk_min_group()} cases to compare", ok)
                                for k, ok in result["checks"].items()]})
    return rows


def training_runs(limit: int = 5) -> list:
    """The latest training-form runs, in progress first then newest (one query; no estimator read)."""
    from django.db.models import F

    from .models import RiskTrainingRun

    return list(RiskTrainingRun.objects.select_related("requested_by", "version").defer("version__estimator")
                .order_by(F("in_progress").desc(nulls_last=True), "-requested_at", "-id")[:limit])


def risk_versions() -> list:
    from .models import RiskModelVersion

    return list(RiskModelVersion.objects.select_related("trained_by", "signed_off_by").defer("estimator"))


def get_risk_version(number: int):
    from django.shortcuts import get_object_or_404

    from .models import RiskModelVersion

    return get_object_or_404(RiskModelVersion.objects.select_related("trained_by", "signed_off_by")
                             .defer("estimator"), version=number)


def scoring_figures() -> list:
    """The last weeks' runs with the report's figures: flagged, reviewed, referred (aggregate; no names)."""
    from django.db.models import Count, Q

    from .models import RiskReview, ScoringRun

    runs = list(ScoringRun.objects.select_related("version").only(
        "week", "scored", "flagged", "drift", "seconds", "computed_at", "version__version")[:REPORT_RUNS])
    counts = {r["score__run"]: r for r in RiskReview.objects.filter(score__run__in=runs).values("score__run")
              .annotate(reviewed=Count("pk"), referred=Count("pk", filter=Q(decision="refer")))}
    for run in runs:
        c = counts.get(run.pk, {})
        run.reviewed, run.referred = c.get("reviewed", 0), c.get("referred", 0)
        run.drifted = [(FACTOR_LABELS.get(k, k), v) for k, v in sorted((run.drift or {}).items(), key=lambda kv: -kv[1])
                       if v > DRIFTED]
    return runs


def review_report(run) -> list:
    """The flagged closed cases of one week's run, highest score first, with their review (if any)."""
    from .models import RiskScore

    return list(RiskScore.objects.filter(run=run, flagged=True, closed=True)
                .select_related("referral", "referral__case", "review", "review__decided_by")
                .order_by("-score"))


def get_score_for_review(pk: int):
    from django.shortcuts import get_object_or_404

    from .models import RiskScore

    return get_object_or_404(RiskScore.objects.select_related("referral", "referral__case", "run", "review"),
                             pk=pk, flagged=True, closed=True)
