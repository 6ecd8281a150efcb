"""GOV.UK times and dates: "6:18pm", never "6:18p.m." (issue 10), from one filter used by every template."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template

from oxtom.core.formats import govuk_date, govuk_datetime, govuk_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("time, expected", [
    (dt.time(18, 18), "6:18pm"),
    (dt.time(9, 0), "9am"),
    (dt.time(9, 5), "9:05am"),
    (dt.time(12, 0), "midday"),
    (dt.time(0, 0), "midnight"),
    (dt.time(12, 30), "12:30pm"),
    (dt.time(0, 30), "12:30am"),
    (dt.time(23, 59), "11:59pm"),
])
def test_govuk_time(time, expected):
    assert govuk_time(time) == expected


def test_aware_datetimes_are_shown_in_london_time():
    summer_utc = dt.datetime(2026, 7, 1, 17, 18, tzinfo=dt.timezone.utc)  # 6:18pm BST
    assert govuk_datetime(summer_utc) == "1 July 2026 at 6:18pm"
    assert govuk_datetime(summer_utc, "short") == "1 Jul 2026 at 6:18pm"
    assert govuk_date(dt.date(2026, 12, 1)) == "1 December 2026"
    assert govuk_datetime(dt.date(2026, 12, 1)) == "1 December 2026"
    # Times to choose from (appointment slots) name the day, in London time: 23:30 UTC in July is the next day.
    assert govuk_datetime(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone.utc), "weekday") == "Thursday 2 July at 12:30am"
    assert govuk_time(None) == govuk_datetime(None) == govuk_datetime("") == ""


def test_the_filters_are_built_in_to_every_template():
    when = dt.datetime(2026, 12, 1, 18, 18, tzinfo=LONDON)
    html = Template("{{ when|govuk_datetime }} / {{ when|govuk_datetime:'short' }} / {{ when|govuk_time }}").render(
        Context({"when": when}))
    assert html == "1 December 2026 at 6:18pm / 1 Dec 2026 at 6:18pm / 6:18pm"


# Django's own time formats: "a"/"A"/"P" give "p.m."/"PM", "H:i" the 24-hour clock, and |time uses TIME_FORMAT.
_DJANGO_TIME = re.compile(r"""\|date:["'][^"']*(?:[aAPgGhH]:?i|[aAP])[^"']*["']|\|time\b""")


def test_no_template_formats_a_time_itself():
    offenders = []
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    for root in roots:
        for path in root.rglob("*.html"):
            for n, line in enumerate(path.read_text().splitlines(), start=1):
                if _DJANGO_TIME.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{n}")
    assert offenders == [], "use |govuk_datetime or |govuk_time (oxtom/core/formats.py)"
