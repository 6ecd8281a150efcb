"""The one working-day calendar.

Service SLAs count England & Wales bank holidays. FOI deadlines (FOIA
s10(6)) exclude a bank holiday in *any* UK nation, so that calendar is the
union of England, Wales, Scotland and Northern Ireland holidays.
"""
from __future__ import annotations

import enum
from datetime import date, timedelta
from functools import lru_cache

import holidays


class Calendar(enum.Enum):
    ENGLAND_AND_WALES = "england_wales"
    ANY_UK_NATION = "any_uk_nation"


_SUBDIVISIONS = {
    Calendar.ENGLAND_AND_WALES: ("ENG",),
    Calendar.ANY_UK_NATION: ("ENG", "WLS", "SCT", "NIR"),
}


@lru_cache(maxsize=256)
def _holidays_for_year(calendar: Calendar, year: int) -> frozenset[date]:
    days: set[date] = set()
    for subdiv in _SUBDIVISIONS[calendar]:
        days.update(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())
    return frozenset(days)


def is_working_day(day: date, calendar: Calendar = Calendar.ENGLAND_AND_WALES) -> bool:
    return day.weekday() < 5 and day not in _holidays_for_year(calendar, day.year)


def add_working_days(start: date, days: int, calendar: Calendar = Calendar.ENGLAND_AND_WALES) -> date:
    """The date `days` working days after `start` (start itself does not count).

    add_working_days(Friday, 1) is the next working Monday. Negative counts go back.
    """
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current, calendar):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, calendar: Calendar = Calendar.ENGLAND_AND_WALES) -> int:
    """Working days after `start` up to and including `end` (negative if end < start)."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign == 1 else (end, start)
    count = 0
    current = lo
    while current < hi:
        current += timedelta(days=1)
        if is_working_day(current, calendar):
            count += 1
    return sign * count
