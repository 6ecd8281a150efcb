"""Demo figures and Cabinet publication: two demo seeding steps (oxtom/core/demo.py), registered in
PerformanceConfig.ready() to run after every other app's demo activity.

The first figures: the nightly measures run once, so the division pages have a year of figures
straight away, and the demo analyst sets county targets that show red, amber and green.

Three complete months are closed by the demo analyst; the two older reports
are approved and published by the second analyst (so councillors have a
report to read and a month to compare it with), and the latest waits for
the second analyst's approval, so both analysts have something to do.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from oxtom.accounts.models import User
from oxtom.notify.models import OutboundMessage

from . import publication, reports, rules, selectors, services
from .models import CabinetReport, Measure, Period

CLOSED_MONTHS = 3
PUBLISHED_MONTHS = 2
DEMO_COMMENTARY = ("Below target: fewer staff were available this month. A recovery plan with weekly "
                   "checks is in place and the team expects to be back on target within two months.")


def seed_demo_cabinet(*, analyst: User | None, approver: User | None) -> int:
    """Close, report and publish the demo's months; returns how many reports it made (0 when present)."""
    if analyst is None or approver is None:
        return 0
    today = timezone.localdate()
    starts = services.months_back(today, CLOSED_MONTHS + 1)[:-1]  # complete months only
    stored = list(CabinetReport.objects.filter(period__start__in=starts).values_list("period__start", "published_at"))
    published = {start for start, at in stored if at is not None}
    if len(stored) == CLOSED_MONTHS and set(starts[:PUBLISHED_MONTHS]) <= published:
        return 0  # a rerun: one query
    periods = services.periods_ensure(starts)
    made = 0
    for index, start in enumerate(starts):
        period = periods[start]
        if not period.is_locked:
            for row in selectors.county_rows(period):
                if row.status.rag == rules.Rag.RED and not row.commentary:
                    services.commentary_add(measure=row.measure, period=period, text=DEMO_COMMENTARY, by=analyst)
            services.period_close(period=period, by=analyst)
        period = Period.objects.get(pk=period.pk)
        had = selectors.cabinet_report(period) is not None
        report = reports.cabinet_report_generate(period=period, by=analyst)
        made += not had
        if index < PUBLISHED_MONTHS and not report.is_published:
            publication.cabinet_report_approve(report=report, by=approver)
            # History, not news: the demo's earlier publications were emailed at the time.
            OutboundMessage.objects.filter(idempotency_key__startswith=f"cabinet-report:{report.pk}:").update(
                status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    return made


HISTORY_MONTHS = 48  # the demand history imported from the previous system, before the platform's own months


def seed_demo_history() -> int:
    """Four years of county demand figures from "the previous system", so forecasts have history to learn from.

    Made up, with a yearly season and a gentle trend, and scaled to meet the platform's own first month;
    stored as imported figures for months the nightly computation never recomputes. Idempotent.
    """
    import numpy as np

    from .models import AreaType, Source, Value

    if Value.objects.filter(area_key="county", source=Source.IMPORTED).exists():
        return 0  # a rerun: one query
    computed = list(Value.objects.filter(area_key="county", source=Source.COMPUTED, value__isnull=False,
                                         measure__in=selectors.demand_measures())
                    .order_by("measure_id", "period__start").values_list("measure_id", "period__start", "value"))
    first: dict[int, tuple] = {}
    for measure_id, start, number in computed:
        first.setdefault(measure_id, (start, float(number)))
    made = 0
    now = timezone.now()
    for index, (measure_id, (start, number)) in enumerate(sorted(first.items())):
        months = services.months_back(start, HISTORY_MONTHS + 1)[:-1]
        if Value.objects.filter(measure_id=measure_id, area_key="county", period__start=months[0]).exists():
            continue
        periods = services.periods_ensure(months)
        rng = np.random.default_rng(100 + index)
        t = np.arange(HISTORY_MONTHS)
        level = max(number, 30.0) * (1 - 0.004 * (HISTORY_MONTHS - t))
        values = level * (1 + 0.18 * np.sin(2 * np.pi * (np.array([m.month for m in months]) - 3) / 12))
        values = np.maximum(0, np.round(values + rng.normal(0, 0.04 * max(number, 30.0), HISTORY_MONTHS)))
        Value.objects.bulk_create([
            Value(measure_id=measure_id, period=periods[m], area_type=AreaType.COUNTY, area_key="county",
                  value=v, base=int(v), source=Source.IMPORTED, recorded_at=now)
            for m, v in zip(months, values)], ignore_conflicts=True)
        made += 1
    return made
# County targets an analyst might set, so the demo shows red, amber and green and a
# Cabinet report with exceptions: (measure code, target, amber tolerance).
DEMO_TARGETS = (
    ("street-reports-fixed-on-time-percent", "85", "5"),
    ("cases-on-time-percent", "85", "5"),
    ("customer-satisfaction", "75", "5"),
    ("digital-share", "70", "5"),
    ("street-reports-median-days-to-fix", "10", "2"),
)


def compute_figures(*, analyst: User | None = None) -> None:
    """Run the nightly measures once now, after all the demo's activity, so the division pages have a
    year of figures straight away; `analyst` sets the demo's targets."""
    services.compute_measures(months=services.months_back(timezone.localdate(), 13))
    if analyst is not None:
        _demo_targets(analyst)


def _demo_targets(analyst: User) -> None:
    measures = {m.code: m for m in Measure.objects.filter(code__in=[code for code, _, _ in DEMO_TARGETS])}
    closed = set(Period.objects.filter(status="closed").values_list("start", flat=True))
    for month in services.months_back(timezone.localdate(), 13):
        if month in closed:  # the demo's closed months keep the targets they were reported against
            continue
        for code, value, tolerance in DEMO_TARGETS:
            if code in measures:
                services.target_set(measure=measures[code], period_start=month, value=Decimal(value),
                                    amber_tolerance=Decimal(tolerance), by=analyst)


def figures_step(context) -> int:
    """Demo step: compute the figures when an earlier step made new activity (returns 0: nothing to list)."""
    if context.new_activity:
        compute_figures(analyst=context.user("analyst"))
    return 0


def cabinet_step(context) -> int:
    """Demo step: closed months with Cabinet reports, two published, one for the second analyst to approve."""
    users = context.users("analyst", "analyst.2")
    return seed_demo_cabinet(analyst=users.get("analyst"), approver=users.get("analyst.2"))


def history_step(context) -> int:
    """Demo step: the demand history forecasts learn from (not listed: it is the past, not demo work)."""
    seed_demo_history()
    return 0
