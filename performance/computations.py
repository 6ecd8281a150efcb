"""Measures computed from the platform's own operational data, with pandas.

Each computed measure is one registered function: it takes a Context (the
months to compute, the divisions of the boundary set in use) and returns a
long DataFrame with one row per month and area:

    month (pandas Period, monthly) | division_id (None for the county) | value | base

`base` is how many things the figure rests on (drives suppression). Adding
a measure needs no framework change: write a function and decorate it with
@register("code"), or declare a count in one line with register_count(...)
(a query definition), and add the Measure row (a data migration) with
source="computed". Derived measures (numerator / denominator x multiplier)
need no function at all: services.compute_measures derives them from the
stored figures of their parts. The measures of a capability's own records live
in that app's `measures.py` (portal, applications), registered through
performance/registry.py when the app is ready; this module keeps those of the
kernel's records (cases, contacts, notifications).

Counting is pushed into SQL (GROUP BY month, division) where it can be, so
the data crossing into Python is one row per month x division x category
whatever the volume; medians and end-of-month snapshots need rows and load
only the columns they use, once per run (Context caches them).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from django.apps import apps
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from oxtom.core.calendar import Calendar, is_working_day

from .models import next_month

COLUMNS = ["month", "division_id", "value", "base"]
Computation = Callable[["Context"], pd.DataFrame]
REGISTRY: dict[str, Computation] = {}

# Channels whose contacts count as digital (self-service or written online).
DIGITAL_CHANNELS = ("web", "webchat", "email", "sms")
CONTACT_CHANNELS = ("web", "phone", "face_to_face", "webchat", "email", "sms", "post")
NOTIFICATION_CHANNELS = ("email", "sms", "letter")


class Unavailable(Exception):
    """The data a measure reads does not exist in this installation (its app is not installed yet).

    compute_measures skips the measure and says so; it is not an error.
    """


def model_or_unavailable(label: str):
    """The model for "app_label.Model", or Unavailable if that app is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        raise Unavailable(f"{label} is not installed") from None


def register(code: str) -> Callable[[Computation], Computation]:
    """Register `function` as the computation of the measure with this code."""

    def decorator(function: Computation) -> Computation:
        if code in REGISTRY:
            raise ValueError(f"a computation for {code!r} is already registered")
        REGISTRY[code] = function
        return function

    return decorator


@dataclass
class Context:
    """What one run computes: these months, against these divisions."""

    months: list[dt.date]  # first days of months, ascending
    division_ids: list[int]
    boundary_set_id: int | None = None
    _cache: dict = field(default_factory=dict)

    @cached_property
    def month_index(self) -> pd.PeriodIndex:
        return pd.PeriodIndex([pd.Period(m, freq="M") for m in self.months], freq="M")

    @cached_property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the whole run as aware datetimes in the council's time zone."""
        tz = timezone.get_default_timezone()
        start = dt.datetime.combine(self.months[0], dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(next_month(self.months[-1]), dt.time.min, tzinfo=tz)
        return start, end

    def cached(self, key: str, load: Callable[[], object]) -> object:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    # --- shaping ---------------------------------------------------------------------------------

    def counts(self, rows: pd.DataFrame) -> pd.DataFrame:
        """From rows of (month, division_id, n): a full grid of counts, zero where nothing happened.

        Divisions outside the boundary set in use count for the county only.
        """
        rows = rows[rows["month"].isin(self.month_index)]
        county = rows.groupby("month")["n"].sum().reindex(self.month_index, fill_value=0)
        in_set = rows[rows["division_id"].isin(self.division_ids)]
        grid = pd.MultiIndex.from_product([self.month_index, self.division_ids], names=["month", "division_id"])
        per_division = in_set.groupby(["month", "division_id"])["n"].sum().reindex(grid, fill_value=0)
        return self.long(county_value=county, county_base=county, division_value=per_division,
                         division_base=per_division)

    def medians(self, rows: pd.DataFrame, column: str) -> pd.DataFrame:
        """From rows of (month, division_id, <column>): the median and how many it rests on."""
        rows = rows[rows["month"].isin(self.month_index)]
        county = rows.groupby("month")[column].agg(["median", "size"]).reindex(self.month_index)
        in_set = rows[rows["division_id"].isin(self.division_ids)]
        grid = pd.MultiIndex.from_product([self.month_index, self.division_ids], names=["month", "division_id"])
        per_division = in_set.groupby(["month", "division_id"])[column].agg(["median", "size"]).reindex(grid)
        return self.long(county_value=county["median"], county_base=county["size"].fillna(0),
                         division_value=per_division["median"], division_base=per_division["size"].fillna(0))

    def long(self, *, county_value: pd.Series, county_base: pd.Series, division_value: pd.Series,
             division_base: pd.Series) -> pd.DataFrame:
        county = pd.DataFrame({"month": county_value.index, "division_id": None,
                               "value": county_value.to_numpy(dtype=float),
                               "base": county_base.to_numpy(dtype=float)})
        divisions = pd.DataFrame({"month": division_value.index.get_level_values("month"),
                                  "division_id": division_value.index.get_level_values("division_id"),
                                  "value": division_value.to_numpy(dtype=float),
                                  "base": division_base.to_numpy(dtype=float)})
        divisions["division_id"] = divisions["division_id"].astype(object)
        return pd.concat([county, divisions], ignore_index=True)[COLUMNS]


def month_column(values: Iterable) -> pd.Series:
    """Aware datetimes (or dates) -> monthly pandas Periods in the council's time zone."""
    series = pd.Series(list(values))
    if series.empty:
        return pd.Series([], dtype="period[M]")
    stamps = pd.to_datetime(series, utc=True).dt.tz_convert(str(timezone.get_default_timezone()))
    return stamps.dt.tz_localize(None).dt.to_period("M")


def local_dates(values: pd.Series) -> pd.Series:
    """Aware datetimes -> numpy day values (datetime64[D]) in the council's time zone; NaT stays NaT."""
    stamps = pd.to_datetime(values, utc=True).dt.tz_convert(str(timezone.get_default_timezone()))
    return stamps.dt.tz_localize(None).dt.floor("D").astype("datetime64[s]").to_numpy().astype("datetime64[D]")


@lru_cache(maxsize=32)
def _non_working_weekdays(first_year: int, last_year: int) -> tuple:
    """Bank holidays falling on weekdays, from the one calendar module (England and Wales)."""
    day, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    found = []
    while day <= end:
        if day.weekday() < 5 and not is_working_day(day, Calendar.ENGLAND_AND_WALES):
            found.append(day)
        day += dt.timedelta(days=1)
    return tuple(found)


def working_days_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Vectorised oxtom.core.calendar.working_days_between: working days after start up to end.

    Same answer as the calendar module (tests compare them), at numpy speed.
    """
    if len(start) == 0:
        return np.zeros(0, dtype=int)
    years = np.concatenate([start, end]).astype("datetime64[Y]").astype(int) + 1970
    holidays = np.array(_non_working_weekdays(int(years.min()), int(years.max())), dtype="datetime64[D]")
    one = np.timedelta64(1, "D")
    return np.busday_count(start + one, end + one, holidays=holidays)


# --- query definitions -----------------------------------------------------------------------------


def grouped_counts(ctx: Context, *, model: str, date_field: str, division_field: str,
                   filters: Q | None = None, split: str | None = None) -> pd.DataFrame:
    """COUNT(*) per month x division (x `split`) in SQL, for rows dated within the run's months.

    One scan of the run's window; each row's month is found by comparing its
    date with the month boundaries in a CASE expression, not by truncating
    the date: SQLite truncates in a Python function called once per row,
    which at five years of contacts costs minutes.
    """
    tz = timezone.get_default_timezone()
    bounds = [dt.datetime.combine(next_month(m), dt.time.min, tzinfo=tz) for m in ctx.months]
    start, end = ctx.window
    bucket = Case(*[When(**{f"{date_field}__lt": bound}, then=Value(i)) for i, bound in enumerate(bounds)],
                  default=Value(-1), output_field=IntegerField())
    queryset = model_or_unavailable(model).objects.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
    if filters is not None:
        queryset = queryset.filter(filters)
    keys = ["bucket", division_field] + ([split] if split else [])
    rows = list(queryset.annotate(bucket=bucket).order_by().values(*keys).annotate(n=Count("pk"))
                .values_list(*keys, "n"))
    periods = [pd.Period(m, freq="M") for m in ctx.months]
    frame = pd.DataFrame([(periods[b], *rest) for b, *rest in rows if b >= 0],
                         columns=["month", "division_id"] + (["split"] if split else []) + ["n"])
    if frame.empty:
        frame["month"] = pd.Series([], dtype="period[M]")
    return frame


def register_count(code: str, *, model: str, date_field: str, division_field: str,
                   filters: Q | None = None) -> None:
    """A count measure as a query definition: rows of `model` dated in the month, per division."""

    def compute(ctx: Context) -> pd.DataFrame:
        frame = ctx.cached(f"count:{code}", lambda: grouped_counts(
            ctx, model=model, date_field=date_field, division_field=division_field, filters=filters))
        return ctx.counts(frame)

    register(code)(compute)


def _split_counts(code: str, *, cache_key: str, load: Callable[[Context], pd.DataFrame],
                  categories: tuple[str, ...]) -> None:
    """A count of rows in some categories of a split (e.g. contacts by channel), sharing one query."""

    def compute(ctx: Context) -> pd.DataFrame:
        frame = ctx.cached(cache_key, lambda: load(ctx))
        return ctx.counts(frame[frame["split"].isin(categories)])

    register(code)(compute)


def register_completions(*, cache_key: str, load: Callable[[Context], pd.DataFrame], count: str, flagged: str,
                         flag: str, median: str) -> None:
    """Three measures from one load of things completed in the run: how many were completed in the
    month (`count`), how many of those had `flag` set (`flagged`), and the median working days they
    took (`median`). `load` returns rows of (month, division_id, working_days, <flag>, n)."""

    def rows(ctx: Context) -> pd.DataFrame:
        return ctx.cached(cache_key, lambda: load(ctx))

    def completed(ctx: Context) -> pd.DataFrame:
        return ctx.counts(rows(ctx)[["month", "division_id", "n"]])

    def completed_flagged(ctx: Context) -> pd.DataFrame:
        frame = rows(ctx)
        return ctx.counts(frame[frame[flag].astype(bool)][["month", "division_id", "n"]])

    def median_days(ctx: Context) -> pd.DataFrame:
        frame = rows(ctx)[["month", "division_id", "working_days"]].astype({"working_days": float})
        return ctx.medians(frame, "working_days")

    register(count)(completed)
    register(flagged)(completed_flagged)
    register(median)(median_days)


# --- casework --------------------------------------------------------------------------------------

register_count("cases-received", model="casework.Case", date_field="received_at", division_field="division_id")


def _case_rows(ctx: Context) -> pd.DataFrame:
    """Cases alive at some point in the run: received before its end, not closed before its start."""
    from oxtom.cases.models import Case

    start, end = ctx.window
    rows = list(Case.objects.filter(received_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
                .values_list("division_id", "received_at", "closed_at", "due_at", "paused_on"))
    frame = pd.DataFrame(rows, columns=["division_id", "received_at", "closed_at", "due_at", "paused_on"])
    frame["received"] = local_dates(frame["received_at"]) if len(frame) else np.array([], dtype="datetime64[D]")
    frame["closed"] = local_dates(frame["closed_at"]) if len(frame) else np.array([], dtype="datetime64[D]")
    frame["due"] = pd.to_datetime(frame["due_at"]).to_numpy().astype("datetime64[D]") if len(frame) else \
        np.array([], dtype="datetime64[D]")
    return frame


def _days(column: pd.Series) -> np.ndarray:
    """A date column as numpy days (pandas keeps seconds at the finest; busday_count wants days)."""
    return column.to_numpy().astype("datetime64[D]")


def _closed_cases(ctx: Context) -> pd.DataFrame:
    cases = ctx.cached("cases", lambda: _case_rows(ctx))
    closed = cases[cases["closed_at"].notna()].copy()
    closed["month"] = month_column(closed["closed_at"]).to_numpy() if len(closed) else \
        pd.Series([], dtype="period[M]")
    received, closed_on, due = (_days(closed[c]) for c in ("received", "closed", "due"))
    closed["working_days"] = working_days_between(received, closed_on)
    closed["on_time"] = closed_on <= due
    closed["n"] = 1
    return closed


# Cases closed in the month; those closed on or before their SLA due date; median working days from
# receipt to closure.
register_completions(cache_key="closed", load=_closed_cases, count="cases-closed", flagged="cases-closed-on-time",
                     flag="on_time", median="cases-median-days-to-close")


@register("cases-overdue")
def cases_overdue(ctx: Context) -> pd.DataFrame:
    """Open cases past their due date at the end of each month (a snapshot), or today for the month in progress.

    The same rule as the queues' "overdue" (oxtom.cases.rules.sla_state): due before
    the day of the snapshot and, today, not paused waiting for the customer. A
    month not yet over is counted as it stands today, never at its future last
    day, which would count cases not yet due. Uses each case's due date as it
    stands today (pauses move it on), so a recomputation of an old open month
    can differ slightly: closing the month locks the figure that was published.
    """
    cases = ctx.cached("cases", lambda: _case_rows(ctx))
    received, closed, due = (_days(cases[c]) for c in ("received", "closed", "due"))
    paused_now = cases["paused_on"].notna().to_numpy()
    divisions = cases["division_id"].to_numpy()
    today = np.datetime64(timezone.localdate(), "D")
    parts = []
    for month in ctx.months:
        last_day = min(np.datetime64(next_month(month) - dt.timedelta(days=1), "D"), today)
        open_at_end = (received <= last_day) & (np.isnat(closed) | (closed > last_day))
        overdue = open_at_end & (due < last_day)
        if last_day == today:
            overdue &= ~paused_now
        parts.append(pd.DataFrame({"month": pd.Period(month, freq="M"), "division_id": divisions[overdue], "n": 1}))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["month", "division_id", "n"])
    return ctx.counts(frame)


# --- contacts --------------------------------------------------------------------------------------


def _contacts(ctx: Context) -> pd.DataFrame:
    """Contacts from customers (inbound interactions, not system events) by month, division, channel."""
    return grouped_counts(ctx, model="customers.Interaction", date_field="occurred_at",
                          division_field="customer__division_id",
                          filters=Q(direction="inbound") & ~Q(channel="system"), split="channel")


_split_counts("contacts-total", cache_key="contacts", load=_contacts, categories=CONTACT_CHANNELS)
_split_counts("contacts-digital", cache_key="contacts", load=_contacts, categories=DIGITAL_CHANNELS)
for _channel in CONTACT_CHANNELS:
    _split_counts(f"contacts-{_channel.replace('_', '-')}", cache_key="contacts", load=_contacts,
                  categories=(_channel,))


# --- notifications ---------------------------------------------------------------------------------


def _notifications(ctx: Context) -> pd.DataFrame:
    return grouped_counts(ctx, model="notify.OutboundMessage", date_field="sent_at",
                          division_field="customer__division_id", filters=Q(status="sent"), split="channel")


for _channel in NOTIFICATION_CHANNELS:
    _split_counts(f"notifications-{_channel}", cache_key="notifications", load=_notifications,
                  categories=(_channel,))


# --- contacts resolved at first contact ------------------------------------------------------------

register_count("contacts-logged", model="customers.ContactLog", date_field="recorded_at",
               division_field="division_id")
register_count("contacts-resolved-first-time", model="customers.ContactLog", date_field="recorded_at",
               division_field="division_id", filters=Q(first_contact_resolved=True))
