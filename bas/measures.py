"""Business admin measures for the performance framework, registered from BasConfig.ready().

Requests come from colleagues, not residents, so every figure is the county's (no division):
requests made; requests delivered, those delivered by their target and the median working days
to deliver (one load); ratings given and those of 4 or 5. The Measure rows come from migration 0003.
"""
from __future__ import annotations

MEASURES = [
    dict(code="bas-requests", name="Business admin requests", unit="count", polarity="neutral", is_public=False,
         definition="Requests colleagues made to business admin support in the month.",
         calculation="Count of business admin requests made in the month.", display_order=140),
    dict(code="bas-delivered", name="Business admin requests delivered", unit="count", polarity="higher",
         is_public=False, definition="Business admin requests handed over in the month.",
         calculation="Count of business admin requests handed over in the month.", display_order=141),
    dict(code="bas-delivered-on-time", name="Business admin requests delivered on time", unit="count",
         polarity="higher", is_public=False,
         definition="Business admin requests handed over in the month by their target date.",
         calculation="Count of requests handed over on or before the target date (the menu item's working days, "
                     "England and Wales bank holidays excluded).", display_order=142),
    dict(code="bas-median-days", name="Business admin median working days to deliver", unit="days", precision=1,
         polarity="lower", is_public=False,
         definition="Median working days from request to hand-over, for requests handed over in the month.",
         calculation="Median of working days (England and Wales) from the request to its hand-over.",
         display_order=144),
    dict(code="bas-ratings", name="Business admin ratings", unit="count", polarity="higher", is_public=False,
         definition="Ratings colleagues gave delivered business admin requests in the month.",
         calculation="Count of ratings given in the month.", display_order=145),
    dict(code="bas-ratings-good", name="Business admin ratings of 4 or 5", unit="count", polarity="higher",
         is_public=False, definition="Ratings of 4 or 5 out of 5 given in the month.",
         calculation="Count of ratings of 4 or 5 given in the month.", display_order=146),
]
DERIVED = [
    dict(code="bas-on-time-percent", name="Business admin requests delivered on time (percentage)", unit="percent",
         precision=1, polarity="higher", is_public=False, numerator="bas-delivered-on-time",
         denominator="bas-delivered", multiplier=100,
         definition="Of the business admin requests handed over in the month, the percentage by their target date.",
         calculation="Requests delivered on time divided by requests delivered, times 100.", display_order=143),
    dict(code="bas-satisfaction-percent", name="Business admin satisfaction", unit="percent", precision=1,
         polarity="higher", is_public=False, numerator="bas-ratings-good", denominator="bas-ratings", multiplier=100,
         definition="Of the ratings colleagues gave business admin requests, the percentage of 4 or 5 out of 5.",
         calculation="Ratings of 4 or 5 divided by all ratings, times 100.", display_order=147),
]


def _delivered(ctx):
    import pandas as pd

    from performance.registry import month_column

    from .models import BasRequest

    start, end = ctx.window
    rows = list(BasRequest.objects.filter(delivered_at__gte=start, delivered_at__lt=end)
                .values_list("delivered_at", "on_time", "working_days"))
    frame = pd.DataFrame(rows, columns=["delivered_at", "on_time", "working_days"])
    if frame.empty:
        return pd.DataFrame(columns=["month", "division_id", "working_days", "on_time", "n"])
    frame["month"] = month_column(frame["delivered_at"]).to_numpy()
    frame["division_id"] = None
    frame["on_time"] = frame["on_time"].fillna(False).astype(bool)
    frame["working_days"] = frame["working_days"].astype(float)
    frame["n"] = 1
    return frame


def register() -> None:
    from django.db.models import Q

    from performance.registry import is_registered, register_completions, register_count

    if is_registered("bas-requests"):  # ready() may run twice
        return
    register_count("bas-requests", model="bas.BasRequest", date_field="created_at", division_field="case__division_id")
    register_completions(cache_key="bas-delivered", load=_delivered, count="bas-delivered",
                         flagged="bas-delivered-on-time", flag="on_time", median="bas-median-days")
    register_count("bas-ratings", model="bas.BasRequest", date_field="rated_at", division_field="case__division_id")
    register_count("bas-ratings-good", model="bas.BasRequest", date_field="rated_at",
                   division_field="case__division_id", filters=Q(rating__gte=4))
