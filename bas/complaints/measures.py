"""Complaints measures in the performance registry (ComplaintsConfig.ready()); Measure rows by migration 0002.

A complaint counts in the division of the complainant's address. Timeliness is against the complaint
handling code: the response due date (10 working days from acknowledgement at stage 1, 20 at stage 2,
plus the one extension allowed).
"""
from __future__ import annotations

import pandas as pd
from django.db.models import Q

from performance.registry import (Context, is_registered, local_dates, month_column, register_completions,
                                  register_count, working_days_between)

MEASURES = [
    dict(code="complaints-received", name="Complaints received", unit="count", polarity="neutral",
         definition="Corporate complaints made in the month (stage 1), online, by phone or through an adviser.",
         calculation="Count of complaints opened in the month, by the complainant's division.", display_order=140),
    dict(code="complaints-stage-1-responses", name="Stage 1 complaint responses", unit="count", polarity="neutral",
         definition="Stage 1 responses sent in the month.",
         calculation="Count of stage 1 responses by the month sent.", display_order=141),
    dict(code="complaints-stage-1-on-time", name="Stage 1 responses on time", unit="count", polarity="higher",
         is_public=False, definition="Stage 1 responses sent by their due date (10 working days from "
                                     "acknowledgement, plus any extension).",
         calculation="Count of stage 1 responses sent on or before the response due date.", display_order=142),
    dict(code="complaints-stage-1-median-days", name="Stage 1 median working days to respond", unit="days",
         precision=1, polarity="lower", definition="Median working days from receipt to the stage 1 response.",
         calculation="Median of working days (England and Wales) from receipt to response.", display_order=143),
    dict(code="complaints-stage-2-responses", name="Stage 2 final responses", unit="count", polarity="neutral",
         definition="Stage 2 final responses sent in the month.",
         calculation="Count of stage 2 responses by the month sent.", display_order=145),
    dict(code="complaints-stage-2-on-time", name="Stage 2 responses on time", unit="count", polarity="higher",
         is_public=False, definition="Stage 2 responses sent by their due date (20 working days from "
                                     "acknowledgement, plus any extension).",
         calculation="Count of stage 2 responses sent on or before the response due date.", display_order=146),
    dict(code="complaints-stage-2-median-days", name="Stage 2 median working days to respond", unit="days",
         precision=1, polarity="lower", definition="Median working days from escalation to the final response.",
         calculation="Median of working days (England and Wales) from escalation to response.", display_order=147),
    dict(code="complaints-upheld", name="Complaint responses upheld or partly upheld", unit="count",
         polarity="lower", definition="Responses (either stage) in the month that upheld the complaint in whole or part.",
         calculation="Count of responses with outcome upheld or partly upheld.", display_order=149),
]
DERIVED = [
    dict(code="complaints-stage-1-on-time-percent", name="Stage 1 complaints answered on time (percentage)",
         unit="percent", precision=1, polarity="higher", numerator="complaints-stage-1-on-time",
         denominator="complaints-stage-1-responses", multiplier=100,
         definition="Of the stage 1 responses sent, the percentage sent by their due date under the code.",
         calculation="Stage 1 responses on time divided by stage 1 responses, times 100.", display_order=144),
    dict(code="complaints-stage-2-on-time-percent", name="Stage 2 complaints answered on time (percentage)",
         unit="percent", precision=1, polarity="higher", numerator="complaints-stage-2-on-time",
         denominator="complaints-stage-2-responses", multiplier=100,
         definition="Of the stage 2 responses sent, the percentage sent by their due date under the code.",
         calculation="Stage 2 responses on time divided by stage 2 responses, times 100.", display_order=148),
]


def _responses(number: int):
    def load(ctx: Context) -> pd.DataFrame:
        from .models import ComplaintStage

        start, end = ctx.window
        rows = list(ComplaintStage.objects.filter(number=number, responded_at__gte=start, responded_at__lt=end)
                    .values_list("complaint__customer__division_id", "received_on", "responded_at",
                                 "responded_on", "response_due"))
        frame = pd.DataFrame(rows, columns=["division_id", "received_on", "responded_at", "responded_on", "due"])
        if frame.empty:
            return pd.DataFrame(columns=["month", "division_id", "working_days", "on_time", "n"])
        frame["month"] = month_column(frame["responded_at"]).to_numpy()
        received = pd.to_datetime(frame["received_on"]).to_numpy().astype("datetime64[D]")
        frame["working_days"] = working_days_between(received, local_dates(frame["responded_at"])).astype(float)
        frame["on_time"] = [bool(d and r <= d) for r, d in zip(frame["responded_on"], frame["due"])]
        frame["n"] = 1
        return frame

    return load


def register_all() -> None:
    if is_registered("complaints-received"):
        return
    register_count("complaints-received", model="complaints.Complaint", date_field="created_at",
                   division_field="customer__division_id")
    for number in (1, 2):
        register_completions(cache_key=f"complaint-stage-{number}-responses", load=_responses(number),
                             count=f"complaints-stage-{number}-responses", flagged=f"complaints-stage-{number}-on-time",
                             flag="on_time", median=f"complaints-stage-{number}-median-days")
    register_count("complaints-upheld", model="complaints.ComplaintStage", date_field="responded_at",
                   division_field="complaint__customer__division_id",
                   filters=Q(outcome__in=["upheld", "partly_upheld"]))
