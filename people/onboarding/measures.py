"""Onboarding measures for the performance framework (performance/registry.py): starters with every day-one
item ready on day one, leavers whose sign-in closed on time, and staff IT requests as demand data.

Staff records carry no division: each is a county figure only. The Measure rows come from migration 0002.
"""
from __future__ import annotations

import datetime as dt

MEASURES = [
    dict(code="starters-started", name="Starters who started", unit="count", polarity="neutral", is_public=False,
         definition="New members of staff whose staff sign-in was switched on for their start date in the month.",
         calculation="Count of onboardings activated in the month.", display_order=140),
    dict(code="starters-day-one-ready", name="Starters with everything ready on day one", unit="count",
         polarity="higher", is_public=False,
         definition="Starters whose ID pass, ICT equipment, phone, desk and system access were all ready by their "
                    "start date.",
         calculation="Count of starters activated in the month with every day-one and access item done on or "
                     "before the start date.", display_order=141),
    dict(code="leavers-left", name="Leavers whose sign-in was closed", unit="count", polarity="neutral",
         is_public=False, definition="Members of staff who left in the month and whose sign-in was closed.",
         calculation="Count of leavers deactivated in the month.", display_order=143),
    dict(code="leavers-deactivated-on-time", name="Leavers' sign-ins closed on time", unit="count",
         polarity="higher", is_public=False,
         definition="Leavers whose sign-in was closed by the end of the day after their last working day.",
         calculation="Count of leavers deactivated in the month no later than the day after the last working day.",
         display_order=144),
    dict(code="staff-it-requests", name="Staff IT access requests", unit="count", polarity="neutral",
         is_public=False, definition="Password resets and access requests for council systems asked of the ICT "
                                     "service desk in the month (demand).",
         calculation="Count of staff IT requests made in the month, whatever their outcome.", display_order=146),
]
DERIVED = [
    dict(code="starters-day-one-ready-percent", name="Starters ready on day one (percentage)", unit="percent",
         precision=1, polarity="higher", is_public=False, numerator="starters-day-one-ready",
         denominator="starters-started", multiplier=100,
         definition="Of the starters who started, the percentage with every day-one item ready on day one.",
         calculation="Starters with everything ready divided by starters who started, times 100.",
         display_order=142),
    dict(code="leavers-on-time-percent", name="Leavers' sign-ins closed on time (percentage)", unit="percent",
         precision=1, polarity="higher", is_public=False, numerator="leavers-deactivated-on-time",
         denominator="leavers-left", multiplier=100,
         definition="Of the leavers whose sign-in was closed, the percentage closed on time.",
         calculation="Leavers closed on time divided by leavers closed, times 100.", display_order=145),
]


def _rows(ctx, model: str, date_field: str, keep=None):
    """(month, division_id None, n) rows for rows of `model` dated in the run: county only."""
    import pandas as pd

    from performance.registry import model_or_unavailable, month_column

    start, end = ctx.window
    qs = model_or_unavailable(model).objects.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
    values = list(qs.values_list(date_field, *(keep[0] if keep else ())))
    if keep:
        values = [v for v in values if keep[1](*v)]
    dates = [v[0] for v in values]
    # A few hundred starters and leavers a year: read in Python, one query a measure.
    return pd.DataFrame({"month": month_column(dates), "division_id": pd.Series([None] * len(dates), dtype=object),
                         "n": pd.Series([1] * len(dates), dtype="int64")})


def _on_time(deactivated_at, last_day) -> bool:
    from django.utils import timezone

    return timezone.localtime(deactivated_at).date() <= last_day + dt.timedelta(days=1)


def register() -> None:
    from performance.registry import is_registered
    from performance.registry import register as register_measure

    if is_registered("starters-started"):  # ready() may run twice
        return

    @register_measure("starters-started")
    def started(ctx):
        return ctx.counts(_rows(ctx, "onboarding.Onboarding", "activated_at"))

    @register_measure("starters-day-one-ready")
    def ready(ctx):
        return ctx.counts(_rows(ctx, "onboarding.Onboarding", "activated_at",
                                keep=(("day_one_ready",), lambda _at, ok: bool(ok))))

    @register_measure("leavers-left")
    def left(ctx):
        return ctx.counts(_rows(ctx, "onboarding.Leaver", "deactivated_at"))

    @register_measure("leavers-deactivated-on-time")
    def on_time(ctx):
        return ctx.counts(_rows(ctx, "onboarding.Leaver", "deactivated_at",
                                keep=(("last_working_day",), _on_time)))

    @register_measure("staff-it-requests")
    def it_requests(ctx):
        return ctx.counts(_rows(ctx, "onboarding.AccessRequest", "created_at"))
