"""iCalendar files (RFC 5545) for bookings and appointments, with the icalendar library.

Times are written in Europe/London with its VTIMEZONE, so a calendar shows 10:00 as 10:00 on both sides
of a clock change; icalendar escapes commas, semicolons, backslashes and new lines in text and folds long
lines, so typed text (a venue's name, a description) cannot break the file.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

PRODID = "-//Oxfordshire County Council//Community and appointments//EN"


def ics_for(items: list[dict[str, Any]], *, name: str = "") -> bytes:
    """Each item: uid, summary, starts, ends, stamp, location, description (and optional status)."""
    from icalendar import Calendar, Event

    tz = timezone.get_default_timezone()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", str(tz))
    for item in items:
        event = Event()
        event.add("uid", item["uid"])
        event.add("summary", item["summary"])
        event.add("dtstart", item["starts"].astimezone(tz))
        event.add("dtend", item["ends"].astimezone(tz))
        event.add("dtstamp", (item.get("stamp") or timezone.now()).astimezone(dt.timezone.utc))
        event.add("location", item.get("location", ""))
        event.add("description", item.get("description", ""))
        if item.get("status"):
            event.add("status", item["status"])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
