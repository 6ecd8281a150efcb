"""Recruitment measures, registered with performance's measures registry (PeopleConfig.ready()).

A vacancy counts when its offer is accepted (the issue's time to hire: vacancy request to accepted offer,
in working days); it counts for the county only (a post is not in a division).
"""
from __future__ import annotations

import pandas as pd

from performance.registry import Context, is_registered, local_dates, month_column, register_completions, \
    working_days_between

MEASURES = [
    dict(code="vacancies-filled", name="Vacancies filled", unit="count", polarity="higher", is_public=False,
         definition="Vacancies whose preferred candidate accepted the offer in the month.",
         calculation="Count of vacancies with an offer accepted in the month.", display_order=140),
    dict(code="vacancies-filled-from-pool", name="Vacancies filled from the pool of talent", unit="count",
         polarity="higher", is_public=False,
         definition="Vacancies filled in the month by a candidate put forward from the pool of talent.",
         calculation="Count of vacancies filled in the month whose accepted candidate came from the pool.",
         display_order=141),
    dict(code="time-to-hire", name="Time to hire", unit="days", precision=1, polarity="lower", is_public=False,
         definition="Median working days from the manager's vacancy request to the candidate accepting the offer.",
         calculation="Median of working days (England and Wales) from request to acceptance, vacancies filled "
                     "in the month.", display_order=142),
]


def _filled(ctx: Context) -> pd.DataFrame:
    from .models import Vacancy

    start, end = ctx.window
    rows = list(Vacancy.objects.filter(offer_accepted_at__gte=start, offer_accepted_at__lt=end)
                .values_list("requested_at", "offer_accepted_at", "filled_from_pool"))
    frame = pd.DataFrame(rows, columns=["requested_at", "accepted_at", "from_pool"])
    if frame.empty:
        return pd.DataFrame(columns=["month", "division_id", "working_days", "from_pool", "n"])
    frame["month"] = month_column(frame["accepted_at"]).to_numpy()
    frame["division_id"] = None
    frame["working_days"] = working_days_between(local_dates(frame["requested_at"]),
                                                 local_dates(frame["accepted_at"])).astype(float)
    frame["n"] = 1
    return frame


if not is_registered("vacancies-filled"):
    register_completions(cache_key="people-filled-vacancies", load=_filled, count="vacancies-filled",
                         flagged="vacancies-filled-from-pool", flag="from_pool", median="time-to-hire")
