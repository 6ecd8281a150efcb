"""Reads for the performance pages: each page costs a constant number of queries.

Every selector loads whole sets in one query each (measures; the values of
the periods shown for the areas shown; targets; latest commentary) and
assembles rows in Python, so adding measures or months adds rows, not
queries. Public selectors apply small-number suppression themselves: a
template cannot forget to.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from oxtom.accounts.models import User
from oxtom.places.models import Division
from oxtom.places.selectors import divisions_for_public

from . import rules
from .models import (CabinetReport, Commentary, ComparatorGroup, ComputationRun, Measure, Period, Target, Unit, Value,
                     ValueEntry, area_key)

TREND_MONTHS = 13  # this month and the same month last year


class Figure(NamedTuple):
    """One stored figure as the pages read it (a row, not a Value instance)."""

    value: Decimal | None
    base: int | None


@dataclass
class Point:
    period: Period
    value: Decimal | None
    display: str
    suppressed: bool


@dataclass
class Row:
    measure: Measure
    status: rules.Status
    period: Period | None = None
    target: Target | None = None
    target_display: str = ""
    commentary: Commentary | None = None
    county_display: str = ""
    county_label: str = "County"
    comparator_display: str = ""
    comparator_label: str = ""
    series: list[Point] = field(default_factory=list)
    chart: dict | None = None
    base: int | None = None  # what the period's figure rests on (public suppression of stored reports)


def measures_for(*, public: bool) -> QuerySet[Measure]:
    qs = Measure.objects.filter(is_active=True)
    return qs.filter(is_public=True) if public else qs


def _complete(on: dt.date | None = None) -> Q:
    """Periods whose month is over by `on` (today): the one rule for which months headline figures use.

    A month that has only just begun (on 1 December, December's one day) is not a
    month's performance, so every headline uses the last complete month.
    """
    on = on or timezone.localdate()
    return Q(start__lt=on.replace(day=1))


def recent_periods(*, count: int = TREND_MONTHS, on: dt.date | None = None) -> list[Period]:
    """The last `count` complete months, oldest first (one query)."""
    return list(reversed(Period.objects.filter(_complete(on)).order_by("-start")[:count]))


def _year_before(start: dt.date) -> dt.date:
    return start.replace(year=start.year - 1)


def _latest_commentary(measure_ids: list[int], period_ids: list[int]) -> dict[tuple[int, int], Commentary]:
    latest: dict[tuple[int, int], Commentary] = {}
    for c in Commentary.objects.filter(measure_id__in=measure_ids, period_id__in=period_ids) \
            .select_related("written_by").order_by("measure_id", "period_id", "-written_at", "-id"):
        latest.setdefault((c.measure_id, c.period_id), c)
    return latest


def _comparator_averages(measure_ids: list[int], period_ids: list[int]) -> dict[tuple[int, int], tuple[Decimal, str]]:
    """The mean of comparator councils' figures per measure and period (one query).

    Where figures were imported against more than one comparator group, the
    most recently drawn-up group is the one compared with.
    """
    groups: dict[tuple[int, int], dict] = {}
    for v in Value.objects.filter(area_type="comparator", measure_id__in=measure_ids, period_id__in=period_ids,
                                  value__isnull=False).select_related("comparator__group"):
        group = v.comparator.group
        best = groups.get((v.measure_id, v.period_id))
        if best is None or group.as_of > best["group"].as_of:
            best = groups[(v.measure_id, v.period_id)] = {"group": group, "values": []}
        if best["group"].pk == group.pk:
            best["values"].append(v.value)
    return {key: (sum(g["values"]) / len(g["values"]), f"Similar councils' average ({g['group']})")
            for key, g in groups.items()}


def _status(measure: Measure, value: Value | None, previous: Value | None, last_year: Value | None,
            target: Target | None, *, public: bool, use_target: bool = True) -> rules.Status:
    number = value.value if value else None
    suppressed = public and value is not None and rules.is_suppressed(base=value.base, value=number, unit=measure.unit)
    if suppressed:
        return rules.Status(value=None, display="Fewer than 5", suppressed=True, rag=rules.Rag.NONE,
                            direction_month=rules.Direction.NONE, direction_year=rules.Direction.NONE)

    def visible(other: Value | None) -> Decimal | None:
        if other is None or (public and rules.is_suppressed(base=other.base, value=other.value, unit=measure.unit)):
            return None
        return other.value

    return rules.Status(
        value=number,
        display=rules.format_value(number, unit=measure.unit, precision=measure.precision),
        suppressed=False,
        rag=rules.rag_status(value=number, target=target.value if target else None,
                             tolerance=target.amber_tolerance if target else None,
                             polarity=measure.polarity) if use_target else rules.Rag.NONE,
        direction_month=rules.direction(current=number, previous=visible(previous), polarity=measure.polarity,
                                        precision=measure.precision),
        direction_year=rules.direction(current=number, previous=visible(last_year), polarity=measure.polarity,
                                       precision=measure.precision),
    )


def county_rows(period: Period, *, public: bool = False) -> list[Row]:
    """Every active measure's county figure for a period, with target, RAG, direction and commentary.

    Six queries whatever the number of measures.
    """
    measures = list(measures_for(public=public).select_related("priority"))
    starts = [period.start, _previous_month(period.start), _year_before(period.start)]
    periods = {p.start: p for p in Period.objects.filter(start__in=starts)}
    values = {(v.measure_id, v.period_id): v for v in Value.objects.filter(
        area_key="county", period_id__in=[p.pk for p in periods.values()], measure__in=measures)}
    targets = {t.measure_id: t for t in Target.objects.filter(period=period)}
    commentary = _latest_commentary([m.pk for m in measures], [period.pk])
    comparators = _comparator_averages([m.pk for m in measures], [period.pk])
    previous, last_year = periods.get(starts[1]), periods.get(starts[2])
    rows = []
    for m in measures:
        target = targets.get(m.pk)
        status = _status(m, values.get((m.pk, period.pk)),
                         values.get((m.pk, previous.pk)) if previous else None,
                         values.get((m.pk, last_year.pk)) if last_year else None, target, public=public)
        average, label = comparators.get((m.pk, period.pk), (None, ""))
        current = values.get((m.pk, period.pk))
        rows.append(Row(measure=m, status=status, period=period, target=target, base=current.base if current else None,
                        target_display=rules.format_value(target.value, unit=m.unit, precision=m.precision)
                        if target else "", commentary=commentary.get((m.pk, period.pk)),
                        comparator_display=rules.format_value(average, unit=m.unit, precision=m.precision)
                        if average is not None else "", comparator_label=label))
    return rows


def _previous_month(start: dt.date) -> dt.date:
    return dt.date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)


# --- division pages -------------------------------------------------------------------------------


def public_divisions() -> list[Division]:
    """The current set's divisions for the county overview (one query)."""
    return list(divisions_for_public())


def get_public_division(slug: str) -> Division:
    division = divisions_for_public().filter(slug=slug).first()
    if division is None:
        raise Http404
    return division


@dataclass(frozen=True)
class Councillor:
    """What the council publishes about a councillor: name and council contact details only."""

    name: str
    email: str
    phone: str


def councillors_for(division: Division) -> list[Councillor]:
    """The councillors for a division, with their published council email and office phone.

    Public information; nothing else about them (not their sign-in email, never a home address).
    """
    users = (User.objects.filter(member_division=division, is_active=True)
             .only("full_name", "roles", "public_email", "public_phone"))
    return sorted((Councillor(u.full_name, u.public_email, u.public_phone)
                   for u in users if "councillor" in (u.roles or [])), key=lambda c: c.name)


@dataclass
class DivisionPage:
    division: Division
    periods: list[Period]
    rows: list[Row]
    division_count: int
    councillors: list[Councillor]


def division_page(division: Division, *, include_private: bool = False, on: dt.date | None = None) -> DivisionPage:
    """Each measure's latest figure in the division, its trend, the county comparison and target status.

    Queries: periods, measures, values (division and county, all periods at
    once), targets, commentary, division count, councillors: constant.
    """
    public = True  # small numbers are suppressed for councillors too: the pages may be printed and shared
    periods = recent_periods(on=on)
    measures = list(measures_for(public=not include_private))
    period_ids = [p.pk for p in periods]
    own_key = area_key(division_id=division.pk)
    # Plain rows, not model instances: a page reads up to ~1,000 figures and needs two fields of each.
    values: dict[tuple[str, int, int], Figure] = {
        (key, measure_id, period_id): Figure(number, base)
        for key, measure_id, period_id, number, base in Value.objects.filter(
            area_key__in=[own_key, "county"], period_id__in=period_ids, measure__in=measures,
        ).values_list("area_key", "measure_id", "period_id", "value", "base")
    }
    targets = {(t.measure_id, t.period_id): t for t in Target.objects.filter(period_id__in=period_ids)}
    commentary = _latest_commentary([m.pk for m in measures], period_ids)
    comparators = _comparator_averages([m.pk for m in measures], period_ids)
    division_count = max(1, Division.objects.filter(boundary_set_id=division.boundary_set_id).count())
    by_start = {p.start: p for p in periods}
    rows = []
    for m in measures:
        latest = next((p for p in reversed(periods) if (own_key, m.pk, p.pk) in values), None)
        if latest is None:
            rows.append(Row(measure=m, status=_status(m, None, None, None, None, public=public)))
            continue
        prev_p = by_start.get(_previous_month(latest.start))
        year_p = by_start.get(_year_before(latest.start))
        target = targets.get((m.pk, latest.pk))
        # Count targets are county totals: a division's count is not judged against them.
        use_target = m.unit != Unit.COUNT
        status = _status(m, values.get((own_key, m.pk, latest.pk)),
                         values.get((own_key, m.pk, prev_p.pk)) if prev_p else None,
                         values.get((own_key, m.pk, year_p.pk)) if year_p else None,
                         target, public=public, use_target=use_target)
        county = values.get(("county", m.pk, latest.pk))
        county_display, county_label = "", "County"
        if county is not None and county.value is not None:
            number = county.value
            if m.unit == Unit.COUNT:
                number, county_label = county.value / division_count, "County average per division"
            county_display = rules.format_value(number, unit=m.unit, precision=m.precision + (1 if m.unit == Unit.COUNT else 0))
        comparator_display, comparator_label = "", ""
        # Other councils' counts are their totals, not comparable with a division's: rates and times only.
        if (m.pk, latest.pk) in comparators and m.unit != Unit.COUNT:
            average, comparator_label = comparators[(m.pk, latest.pk)]
            comparator_display = rules.format_value(average, unit=m.unit, precision=m.precision)
        series = []
        for p in periods:
            v = values.get((own_key, m.pk, p.pk))
            number = v.value if v else None
            hidden = public and v is not None and rules.is_suppressed(base=v.base, value=number, unit=m.unit)
            series.append(Point(period=p, value=None if hidden else number, suppressed=hidden,
                                display="Fewer than 5" if hidden else rules.format_value(number, unit=m.unit,
                                                                                         precision=m.precision)))
        rows.append(Row(measure=m, status=status, period=latest, target=target if use_target else None,
                        target_display=rules.format_value(target.value, unit=m.unit, precision=m.precision)
                        if target and use_target else "",
                        commentary=commentary.get((m.pk, latest.pk)), county_display=county_display,
                        county_label=county_label, comparator_display=comparator_display,
                        comparator_label=comparator_label, series=series, chart=line_chart(series)))
    return DivisionPage(division=division, periods=periods, rows=rows, division_count=division_count,
                        councillors=councillors_for(division))


CHART_WIDTH, CHART_HEIGHT, CHART_PAD_X, CHART_PAD_Y = 640, 220, 56, 28


def line_chart(series: list[Point]) -> dict | None:
    """Coordinates for a server-rendered SVG line chart; suppressed or missing months are gaps.

    The page shows the same figures in a table, so the chart carries no
    information the table does not.
    """
    known = [float(p.value) for p in series if p.value is not None]
    if not known:
        return None
    low, high = min(0.0, min(known)), max(known)
    if high == low:
        high = low + 1
    inner_w = CHART_WIDTH - 2 * CHART_PAD_X
    inner_h = CHART_HEIGHT - 2 * CHART_PAD_Y
    step = inner_w / max(1, len(series) - 1)

    def y(value: float) -> float:
        return round(CHART_PAD_Y + inner_h - (value - low) / (high - low) * inner_h, 1)

    segments, current, dots, labels = [], [], [], []
    for i, p in enumerate(series):
        x = round(CHART_PAD_X + i * step, 1)
        if i % 3 == 0 or i == len(series) - 1:
            labels.append({"x": x, "text": p.period.start.strftime("%b %y")})
        if p.value is None:
            if current:
                segments.append(current)
            current = []
            continue
        point = (x, y(float(p.value)))
        current.append(point)
        dots.append({"x": point[0], "y": point[1]})
    if current:
        segments.append(current)
    return {
        "width": CHART_WIDTH, "height": CHART_HEIGHT,
        "lines": [" ".join(f"{x},{yy}" for x, yy in seg) for seg in segments],
        "dots": dots, "labels": labels,
        "axis_y": CHART_HEIGHT - CHART_PAD_Y, "axis_x0": CHART_PAD_X, "axis_x1": CHART_WIDTH - CHART_PAD_X,
        "label_y": CHART_HEIGHT - 8, "top_y": CHART_PAD_Y, "high": _short(high), "low": _short(low),
        "tick_x": CHART_PAD_X - 6,
    }


def _short(number: float) -> str:
    return f"{number:,.0f}" if abs(number) >= 10 else f"{number:,.1f}"


def division_csv_rows(page: DivisionPage) -> list[list[Any]]:
    """The division page's figures as CSV rows (suppressed figures stay suppressed)."""
    rows: list[list[Any]] = [["measure_code", "measure", "month", "value", "unit", "note"]]
    for row in page.rows:
        for point in row.series:
            rows.append([row.measure.code, row.measure.name, point.period.start.strftime("%Y-%m"),
                         "" if point.value is None else str(point.value), row.measure.unit,
                         "suppressed: fewer than 5" if point.suppressed else ("" if point.value is not None else "no data")])
    return rows


def county_overview(*, on: dt.date | None = None) -> tuple[Period | None, list[Row]]:
    """The latest complete month that has county figures, and the public county rows for it."""
    period = Period.objects.filter(_complete(on), values__area_key="county").order_by("-start").first()
    if period is None:
        return None, []
    return period, county_rows(period, public=True)


# --- analysts' pages --------------------------------------------------------------------------------


def latest_period(*, on: dt.date | None = None) -> Period | None:
    """The latest complete month (one query)."""
    return Period.objects.filter(_complete(on)).order_by("-start").first()


def get_measure(code: str) -> Measure:
    measure = Measure.objects.select_related("priority", "numerator", "denominator").filter(code=code).first()
    if measure is None:
        raise Http404
    return measure


def get_period(text: str) -> Period:
    """A period from its YYYY-MM form in a URL; 404 for anything else."""
    try:
        start = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise Http404 from None
    period = Period.objects.filter(start=start).select_related("closed_by").first()
    if period is None:
        raise Http404
    return period


@dataclass
class MeasurePeriodRow:
    period: Period
    value: Value | None
    display: str
    target: Target | None
    target_display: str
    rag: str
    rag_label: str
    rag_tag: str


@dataclass
class MeasurePage:
    measure: Measure
    rows: list[MeasurePeriodRow]
    versions: list
    commentary: list[Commentary]
    pending: list
    divisions: list[tuple[Division, str]]
    division_period: Period | None


def measure_page(measure: Measure, *, on: dt.date | None = None, commentary_limit: int = 50) -> MeasurePage:
    """A measure for analysts: its county figures, targets and status by month, versions, commentary
    history, figures waiting for approval and the latest month by division. Constant queries."""
    periods = recent_periods(on=on, count=TREND_MONTHS)
    values = {v.period_id: v for v in Value.objects.filter(measure=measure, area_key="county",
                                                           period__in=periods)}
    targets = {t.period_id: t for t in Target.objects.filter(measure=measure, period__in=periods)}
    rows = []
    for p in reversed(periods):
        v, t = values.get(p.pk), targets.get(p.pk)
        number = v.value if v else None
        rag = rules.rag_status(value=number, target=t.value if t else None,
                               tolerance=t.amber_tolerance if t else None, polarity=measure.polarity)
        rows.append(MeasurePeriodRow(
            period=p, value=v, display=rules.format_value(number, unit=measure.unit, precision=measure.precision)
            if v else "No figure", target=t,
            target_display=rules.format_value(t.value, unit=measure.unit, precision=measure.precision) if t else "",
            rag=rag, rag_label=rules.Rag.LABELS[rag], rag_tag=rules.Rag.TAGS[rag]))
    latest = next((r.period for r in rows if r.value is not None), None)
    divisions: list[tuple[Division, str]] = []
    if latest is not None:
        by_division = {v.division_id: v for v in Value.objects.filter(
            measure=measure, period=latest, area_type="division").select_related("division")}
        divisions = [(v.division, rules.format_value(v.value, unit=measure.unit, precision=measure.precision))
                     for v in sorted(by_division.values(), key=lambda v: v.division.name)]
    return MeasurePage(
        measure=measure, rows=rows,
        versions=list(measure.versions.select_related("changed_by").order_by("-version")),
        commentary=list(Commentary.objects.filter(measure=measure).select_related("period", "written_by")
                        .order_by("-period__start", "-written_at", "-id")[:commentary_limit]),
        pending=list(ValueEntry.objects.filter(measure=measure, status=ValueEntry.Status.PENDING)
                     .select_related("period", "division", "entered_by")),
        divisions=divisions, division_period=latest,
    )


def pending_entries() -> list[ValueEntry]:
    """Figures waiting for a second analyst, oldest first (one query)."""
    return list(ValueEntry.objects.filter(status=ValueEntry.Status.PENDING)
                .select_related("measure", "period", "division", "entered_by").order_by("entered_at", "id"))


def periods_for_analysts(*, on: dt.date | None = None, count: int = 24) -> list[Period]:
    """The latest periods, newest first, with whether each has its Cabinet report (one query)."""
    return list(Period.objects.filter(start__lte=on or timezone.localdate()).select_related(
        "closed_by", "cabinet_report").defer("cabinet_report__pdf", "cabinet_report__content")
        .order_by("-start")[:count])


def pending_entry_count() -> int:
    """How many figures wait for a second analyst (one query)."""
    return ValueEntry.objects.filter(status=ValueEntry.Status.PENDING).count()


def last_computation_run() -> ComputationRun | None:
    """The latest nightly computation run, or None (one query)."""
    return ComputationRun.objects.first()


def get_entry(pk: int) -> ValueEntry:
    """A figure entered by hand, for deciding on; 404 if there is none."""
    return get_object_or_404(ValueEntry.objects.select_related("measure", "period", "division", "entered_by"), pk=pk)


def comparator_groups() -> QuerySet:
    """Every comparator group with its councils (two queries)."""
    return ComparatorGroup.objects.prefetch_related("members")


def cabinet_report(period: Period, *, with_pdf: bool = False) -> CabinetReport | None:
    """The stored Cabinet report of a period, or None; without its PDF bytes unless asked (one query)."""
    reports = CabinetReport.objects.filter(period=period)
    return (reports.only("pdf", "pdf_sha256") if with_pdf else reports.defer("pdf")).first()


def measures_by_code(codes) -> dict[str, Measure]:
    """Measures by their codes, for other apps that link to a measure (the project office's benefits). One query."""
    return {m.code: m for m in Measure.objects.filter(code__in=list(codes)[:200])}


DEMAND_CODES = ("cases-received", "contacts-total", "street-reports-received", "applications-received")
DEMAND_SUFFIXES = ("-received", "-requests", "-referrals")


def demand_measures() -> list[Measure]:
    """The monthly measures of demand (things arriving: reports, applications, contacts, requests, referrals)."""
    return [m for m in Measure.objects.filter(is_active=True, unit="count", aggregation="cumulative")
            if m.code in DEMAND_CODES or m.code.endswith(DEMAND_SUFFIXES)]


def monthly_series(measure_ids: list[int], *, before: dt.date) -> dict[tuple[int, str], list[tuple[dt.date, float]]]:
    """Every stored monthly figure of these measures for complete months before `before`, by (measure, area).

    One query, whatever the number of measures and areas; gaps are the caller's to judge.
    """
    rows = (Value.objects.filter(measure_id__in=measure_ids, period__start__lt=before, value__isnull=False,
                                 area_type__in=["county", "division"])
            .order_by("measure_id", "area_key", "period__start")
            .values_list("measure_id", "area_key", "period__start", "value"))
    series: dict[tuple[int, str], list[tuple[dt.date, float]]] = {}
    for measure_id, key, start, number in rows.iterator(chunk_size=5000):
        series.setdefault((measure_id, key), []).append((start, float(number)))
    return series


def latest_county_values(measure_ids, *, on: dt.date | None = None) -> dict[int, tuple[dt.date, Decimal]]:
    """Each measure's latest county figure for a complete month (before `on`'s month), as (month, value).

    For other apps that track against a measure (the project office's benefits). One query.
    """
    from django.utils import timezone

    month = (on or timezone.localdate()).replace(day=1)
    # The newest row per measure by a correlated subquery, not DISTINCT ON: that is PostgreSQL's alone, and the
    # embedded default (make run) is SQLite.
    county = Value.objects.filter(area_key="county", value__isnull=False, period__start__lt=month)
    newest = county.filter(measure_id=OuterRef("measure_id")).order_by("-period__start").values("pk")[:1]
    rows = (county.filter(measure_id__in=list(measure_ids), pk=Subquery(newest))
            .values_list("measure_id", "period__start", "value"))
    return {measure_id: (start, number) for measure_id, start, number in rows}
