"""Dates and times as GOV.UK writes them: "6:18pm", "midday", "1 December 2026 at 6:18pm".

One place for the style (GOV.UK style guide, "Times"): 12-hour clock with am/pm and
no dots or space, no ":00" on the hour, "midday" and "midnight" rather than 12pm/12am.
Django's own "a" format gives "p.m.", which GOV.UK does not use. Aware datetimes are
shown in the council's time zone (Europe/London). Templates use the filters
`govuk_time` and `govuk_datetime` (built in to every template, see settings.TEMPLATES).
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def govuk_time(value: dt.datetime | dt.time | None) -> str:
    """'6:18pm', '9am', 'midday', 'midnight' ('' for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).time()
    if not isinstance(value, dt.time):
        return str(value)
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def govuk_date(value: dt.date | None, style: str = "long") -> str:
    """'1 December 2026' (long), '1 Dec 2026' (short) or 'Tuesday 1 December' (weekday: times to choose from)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    if not isinstance(value, dt.date):
        return str(value)
    if style == "weekday":
        return f"{value:%A} {value.day} {value:%B}"
    return f"{value.day} {value:%b %Y}" if style == "short" else f"{value.day} {value:%B %Y}"


def govuk_datetime(value: dt.datetime | None, style: str = "long") -> str:
    """'1 December 2026 at 6:18pm' (long), '1 Dec 2026 at 6:18pm' (short) or 'Tuesday 1 December at 6:18pm'
    (weekday); a bare date has no time."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.datetime):
        return govuk_date(value, style)
    return f"{govuk_date(value, style)} at {govuk_time(value)}"
