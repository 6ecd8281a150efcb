"""Application measures, registered with performance's measures registry (ApplicationsConfig.ready())."""
from __future__ import annotations

import pandas as pd

from performance.registry import (Context, local_dates, month_column, register_completions, register_count,
                                  working_days_between)

# An application counts in the division of the customer's address.

register_count("applications-received", model="applications.Application", date_field="submitted_at",
               division_field="customer__division_id")


def _decided_applications(ctx: Context) -> pd.DataFrame:
    """Applications decided in the run, with working days from submission to decision."""
    from .models import Application

    start, end = ctx.window
    rows = list(Application.objects.filter(decided_at__gte=start, decided_at__lt=end)
                .values_list("customer__division_id", "submitted_at", "decided_at", "decided_automatically"))
    frame = pd.DataFrame(rows, columns=["division_id", "submitted_at", "decided_at", "automatic"])
    if frame.empty:
        return pd.DataFrame(columns=["month", "division_id", "working_days", "automatic", "n"])
    frame["month"] = month_column(frame["decided_at"]).to_numpy()
    frame["working_days"] = working_days_between(local_dates(frame["submitted_at"]),
                                                 local_dates(frame["decided_at"])).astype(float)
    frame["n"] = 1
    return frame


# Applications decided (approved or refused) in the month; those decided by the service's rules with no
# officer involved; median working days from submission to decision.
register_completions(cache_key="decided-applications", load=_decided_applications, count="applications-decided",
                     flagged="applications-decided-automatically", flag="automatic",
                     median="applications-median-days-to-decision")
