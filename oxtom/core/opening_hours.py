"""When a staffed service (webchat) is open: one source, from settings, with the bank holidays
of the one working-day calendar (oxtom/core/calendar.py).

settings.WEBCHAT_HOURS is "09:00-17:00" (on working days: Monday to Friday except
England & Wales bank holidays) or "always".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .calendar import is_working_day


@dataclass(frozen=True)
class OpeningHours:
    opens: dt.time | None  # None: always open
    closes: dt.time | None

    @classmethod
    def parse(cls, text: str, *, name: str = "opening hours") -> "OpeningHours":
        text = (text or "").strip().lower()
        if text == "always":
            return cls(None, None)
        try:
            start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ImproperlyConfigured(f"{name}={text!r} must look like 09:00-17:00, or be 'always'") from None
        if end <= start:
            raise ImproperlyConfigured(f"{name}={text!r}: closing time must be after opening time")
        return cls(start, end)

    @property
    def always(self) -> bool:
        return self.opens is None

    def is_open(self, at: dt.datetime | None = None) -> bool:
        if self.always:
            return True
        local = timezone.localtime(at or timezone.now())
        return is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, at: dt.datetime | None = None) -> dt.datetime | None:
        """When it next opens after `at` (None if open now or always open)."""
        if self.is_open(at):
            return None
        local = timezone.localtime(at or timezone.now())
        day = local.date()
        if is_working_day(day) and local.time() < self.opens:
            return _at(day, self.opens)
        for _ in range(366):
            day += dt.timedelta(days=1)
            if is_working_day(day):
                return _at(day, self.opens)
        return None  # pragma: no cover - a year with no working day

    def describe(self) -> str:
        """'Monday to Friday, 9am to 5pm, except bank holidays' (or 'at any time'), after "open"."""
        if self.always:
            return "at any time"
        return f"Monday to Friday, {clock(self.opens)} to {clock(self.closes)}, except bank holidays"


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def clock(time: dt.time) -> str:
    """GOV.UK style: 9am, 5:30pm, midday (the one time format, oxtom.core.formats)."""
    from .formats import govuk_time

    return govuk_time(time)


def when(moment: dt.datetime) -> str:
    """'9am on Monday 4 January'."""
    local = timezone.localtime(moment)
    return f"{clock(local.time())} on {local:%A} {local.day} {local:%B}"


def webchat_hours() -> OpeningHours:
    from django.conf import settings

    return OpeningHours.parse(settings.WEBCHAT_HOURS, name="WEBCHAT_HOURS")
