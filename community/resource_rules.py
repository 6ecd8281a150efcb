"""Book it: the rules for an officer's or room's working week and absences, as small pure functions.

One place for them, so the resource pages (community/services/resource_setup.py) and the Django admin (the
models' clean() and the admin's inline formsets) refuse the same input with the same words. Each returns its
errors keyed by the model's field names ("starts_at", "ends_at") or by the caller's key for a span; the callers
map them to their own boxes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

EARLIEST, LATEST = dt.time(7), dt.time(22)
SPANS_A_DAY = 2
MAX_DAYS = 366
# An absence may be recorded after the event (sickness yesterday) so the day's record and the no-show figures are
# right, but only this far back: older ones would change figures already reported to the performance framework.
PAST_DAYS = 31

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def span_error(starts: dt.time, ends: dt.time) -> str | None:
    """What is wrong with one span of a working day ("the end must be after the start"), or None."""
    if ends <= starts:
        return "the end must be after the start"
    if starts < EARLIEST or ends > LATEST:
        return f"hours must be between {EARLIEST:%H:%M} and {LATEST:%H:%M}"
    return None


def day_message(weekday: int, problem: str) -> str:
    return f"{DAY_NAMES[weekday]}: {problem}"


def week_errors(spans: Iterable[tuple[int, dt.time, dt.time, str]]) -> dict[str, list[str]]:
    """The errors of a whole working week, keyed by each span's key: every span checked on its own, then each
    day's at most two, not overlapping. `spans` are (weekday, start, end, key)."""
    errors: dict[str, list[str]] = {}
    days: dict[int, list[tuple[dt.time, dt.time, str]]] = {}
    for weekday, starts, ends, key in spans:
        problem = span_error(starts, ends)
        if problem:
            errors.setdefault(key, []).append(day_message(weekday, problem))
        else:
            days.setdefault(weekday, []).append((starts, ends, key))
    for weekday, day in days.items():
        day.sort()
        for (_, b1, _), (a2, _, key) in zip(day, day[1:]):
            if a2 < b1:
                errors.setdefault(key, []).append(day_message(weekday, "the two spans must not overlap"))
        for _, _, key in day[SPANS_A_DAY:]:
            errors.setdefault(key, []).append(day_message(weekday, f"at most {SPANS_A_DAY} spans a day"))
    return errors


def earliest_start(now: dt.datetime) -> dt.date:
    """The first day (Europe/London) an absence recorded now may start on."""
    return timezone.localdate(now) - dt.timedelta(days=PAST_DAYS)


def absence_errors(starts_at: dt.datetime, ends_at: dt.datetime, *, now: dt.datetime,
                   unchanged: bool = False) -> dict[str, list[str]]:
    """What is wrong with an absence from `starts_at` to `ends_at` (end excluded), keyed "starts_at"/"ends_at".

    It may already have started or ended (recorded afterwards), but may not start more than PAST_DAYS days
    ago. `unchanged`: an absence saved earlier whose times are not being changed (edited in the admin for its
    reason, say) is not refused for having grown old since."""
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = ["The end must be after the start"]
    elif ends_at - starts_at > dt.timedelta(days=MAX_DAYS):
        errors["ends_at"] = [f"An absence can be at most {MAX_DAYS} days: retire the officer or room instead"]
    if not unchanged and earliest_start(now) > timezone.localdate(starts_at):
        errors["starts_at"] = [f"An absence can start at most {PAST_DAYS} days ago: older ones would change "
                               "figures already reported"]
    return errors
