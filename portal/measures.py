"""Street report measures, registered with performance's measures registry (PortalConfig.ready())."""
from __future__ import annotations

import pandas as pd
from django.db.models import Q

from performance.registry import (Context, local_dates, month_column, register_completions, register_count,
                                  working_days_between)

# --- street reports --------------------------------------------------------------------------------

# A satisfied resident rated 4 ("satisfied") or 5 ("very satisfied") on the 1-5 feedback scale.
SATISFIED_RATINGS = (4, 5)

register_count("street-reports-received", model="portal.StreetReport", date_field="reported_at",
               division_field="division_id")


def _fixed_reports(ctx: Context) -> pd.DataFrame:
    """Street reports marked fixed in the run, with working days to fix and whether within target.

    A report counts in the month it was closed as fixed; its target is its
    case's SLA due date (moved on by any pause for the resident).
    """
    from .models import ReportStatus, StreetReport

    start, end = ctx.window
    rows = list(StreetReport.objects.filter(public_status=ReportStatus.FIXED, closed_at__gte=start, closed_at__lt=end)
                .values_list("division_id", "reported_at", "closed_at", "case__due_at"))
    frame = pd.DataFrame(rows, columns=["division_id", "reported_at", "closed_at", "due_at"])
    if frame.empty:
        return pd.DataFrame(columns=["month", "division_id", "working_days", "on_time", "n"])
    frame["month"] = month_column(frame["closed_at"]).to_numpy()
    reported, fixed = local_dates(frame["reported_at"]), local_dates(frame["closed_at"])
    frame["working_days"] = working_days_between(reported, fixed)
    frame["on_time"] = fixed <= pd.to_datetime(frame["due_at"]).to_numpy().astype("datetime64[D]")
    frame["n"] = 1
    return frame


# Street reports closed as fixed in the month; those fixed on or before their target date; median
# working days from report to fix.
register_completions(cache_key="fixed-reports", load=_fixed_reports, count="street-reports-fixed",
                     flagged="street-reports-fixed-on-time", flag="on_time",
                     median="street-reports-median-days-to-fix")


register_count("feedback-responses", model="portal.StreetReport", date_field="feedback_at",
               division_field="division_id", filters=Q(feedback_rating__isnull=False))
register_count("feedback-satisfied", model="portal.StreetReport", date_field="feedback_at",
               division_field="division_id", filters=Q(feedback_rating__in=SATISFIED_RATINGS))


# The mean of the ratings given in the month (1 very dissatisfied ... 5 very satisfied): the satisfaction
# measure says how many were content; this says how far the rest were from it. Per division and county.
FEEDBACK_MEASURES = [
    dict(code="feedback-mean-rating", name="Average rating of how we dealt with a report", unit="rate",
         precision=1, polarity="higher", tom_layer="front_office", is_public=False,
         definition="The average of the ratings people gave, from 1 (very dissatisfied) to 5 (very satisfied), "
                    "on how we dealt with their street report.",
         calculation="The mean of the feedback ratings given in the month. After a report is closed we ask the "
                     "person who made it how satisfied they are; a response counts in the month it was given and "
                     "the division where the problem was. The staff feedback page shows the same figure for each "
                     "category.", display_order=73),
]


def _feedback_ratings(ctx: Context) -> pd.DataFrame:
    from .models import StreetReport

    start, end = ctx.window
    rows = list(StreetReport.objects.filter(feedback_at__gte=start, feedback_at__lt=end,
                                            feedback_rating__isnull=False)
                .values_list("division_id", "feedback_at", "feedback_rating"))
    frame = pd.DataFrame(rows, columns=["division_id", "feedback_at", "rating"])
    frame["month"] = month_column(frame["feedback_at"]).to_numpy() if len(frame) else \
        pd.Series([], dtype="period[M]")
    return frame.astype({"rating": float})


def _mean_rating(ctx: Context) -> pd.DataFrame:
    rows = ctx.cached("feedback-ratings", lambda: _feedback_ratings(ctx))
    rows = rows[rows["month"].isin(ctx.month_index)]
    county = rows.groupby("month")["rating"].agg(["mean", "size"]).reindex(ctx.month_index)
    in_set = rows[rows["division_id"].isin(ctx.division_ids)]
    grid = pd.MultiIndex.from_product([ctx.month_index, ctx.division_ids], names=["month", "division_id"])
    per_division = in_set.groupby(["month", "division_id"])["rating"].agg(["mean", "size"]).reindex(grid)
    return ctx.long(county_value=county["mean"], county_base=county["size"].fillna(0),
                    division_value=per_division["mean"], division_base=per_division["size"].fillna(0))


from performance.registry import is_registered, register  # noqa: E402 - beside the computation it registers

if not is_registered("feedback-mean-rating"):
    register("feedback-mean-rating")(_mean_rating)
