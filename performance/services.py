"""Writes for the performance framework. Every write goes through here (docs/CONVENTIONS.md §2).

The rules that keep published figures trustworthy live here: a closed
period is never written to, a manual figure needs a second analyst's
approval, a red figure needs commentary, and computing twice gives the
same rows as computing once (upsert on measure x period x area).
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.places.models import Division
from oxtom.places.selectors import current_boundary_set

from . import computations, rules
from .models import (
    AreaType, Commentary, ComputationRun, Measure, MeasureVersion, Period, Source, Target, Value, ValueEntry,
    area_key, next_month,
)

MAX_DECIMAL = Decimal("99999999999999")


def _require_analyst(by: Any) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or not by.has_permission(Permission.PERFORMANCE_MANAGE):
        raise PermissionDenied


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """The `count` month starts ending with the month of `last`, ascending."""
    months = [month_start(last)]
    while len(months) < count:
        first = months[0]
        months.insert(0, dt.date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))
    return months


def periods_ensure(months: Iterable[dt.date]) -> dict[dt.date, Period]:
    """The Period rows for these month starts, creating any missing (idempotent, two queries)."""
    starts = sorted({month_start(m) for m in months})
    Period.objects.bulk_create([Period(start=s) for s in starts], ignore_conflicts=True)
    return {p.start: p for p in Period.objects.filter(start__in=starts)}


# --- measure definitions ---------------------------------------------------------------------------


@transaction.atomic
def measure_update(*, measure: Measure, changes: dict[str, Any], reason: str, by: Any) -> Measure:
    """Change a measure's definition: the version goes up and the new definition is kept.

    Figures already stored keep the version they were computed under, so a
    reader can tell which definition a past figure used.
    """
    _require_analyst(by)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the definition is changing"})
    for name, value in changes.items():
        if name not in ("name", "definition", "calculation", "unit", "precision", "polarity", "owner",
                        "directorate", "tom_layer", "priority", "multiplier", "is_public", "aggregation"):
            raise ValidationError(f"{name} cannot be changed here")
        setattr(measure, name, value)
    measure.version += 1
    measure.modified_by = by
    measure.full_clean()
    measure.save()
    MeasureVersion.objects.create(measure=measure, version=measure.version, definition=measure.definition_snapshot(),
                                  changed_at=timezone.now(), changed_by=by, reason=reason.strip()[:300])
    audit_record(by=by, action="update", target=measure, summary=f"Measure {measure.code} now version {measure.version}")
    return measure


# --- computed figures ------------------------------------------------------------------------------


@dataclass
class ComputeResult:
    periods: int = 0
    values_written: int = 0
    skipped_locked: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # measures whose data's app is not installed
    timings: dict[str, float] = field(default_factory=dict)


def compute_measures(*, months: list[dt.date], codes: Iterable[str] | None = None,
                     by: Any = None) -> ComputeResult:
    """Compute every registered measure (or those in `codes`) for these months, then derived ones.

    Idempotent: values are upserted on (measure, period, area). Closed
    periods are skipped entirely, so a locked figure is never overwritten.
    One measure failing is recorded and does not stop the others.
    """
    started = time.perf_counter()
    result = ComputeResult()
    run = ComputationRun.objects.create(started_at=timezone.now())
    boundary_set = current_boundary_set()
    periods = periods_ensure(months)
    open_months = sorted(start for start, p in periods.items() if not p.is_locked)
    result.skipped_locked = len(periods) - len(open_months)
    result.periods = len(open_months)
    wanted = set(codes) if codes is not None else None
    measures = [m for m in Measure.objects.filter(is_active=True, source=Source.COMPUTED)
                if wanted is None or m.code in wanted]
    if open_months and measures:
        division_ids = list(boundary_set.divisions.values_list("pk", flat=True)) if boundary_set else []
        ctx = computations.Context(months=open_months, division_ids=division_ids,
                                   boundary_set_id=boundary_set.pk if boundary_set else None)
        base = [m for m in measures if not m.is_derived]
        derived = [m for m in measures if m.is_derived]
        for measure in base:
            function = computations.REGISTRY.get(measure.code)
            if function is None:
                # Apps register their own measures when ready (performance/registry.py): none here
                # means the app is not installed. tests/performance guard every code having one.
                result.unavailable.append(f"{measure.code}: no computation is registered (its app is not installed)")
                continue
            t0 = time.perf_counter()
            try:
                frame = function(ctx)
                result.values_written += _store_frame(measure=measure, frame=frame, periods=periods,
                                                      boundary_set_id=ctx.boundary_set_id)
            except computations.Unavailable as exc:
                result.unavailable.append(f"{measure.code}: {exc}")
            except Exception as exc:  # noqa: BLE001 - one broken measure must not stop the night's run
                result.errors.append(f"{measure.code}: {type(exc).__name__}: {exc}")
            result.timings[measure.code] = time.perf_counter() - t0
        for measure in derived:
            t0 = time.perf_counter()
            result.values_written += _derive(measure=measure, periods=[periods[m] for m in open_months],
                                             boundary_set_id=ctx.boundary_set_id)
            result.timings[measure.code] = time.perf_counter() - t0
    result.seconds = time.perf_counter() - started
    ComputationRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), periods=result.periods, values_written=result.values_written,
        skipped_locked=result.skipped_locked, errors=result.errors)
    return result


def _store_frame(*, measure: Measure, frame: pd.DataFrame, periods: dict[dt.date, Period],
                 boundary_set_id: int | None) -> int:
    """Upsert the figures that changed (or are new); returns how many figures the run produced.

    Most of a nightly run's months have not changed since the night before:
    comparing first (one query) writes only the few that did, and keeps
    `recorded_at` as when the figure last changed.
    """
    now = timezone.now()
    produced = 0
    stored = {(period_id, key): rest for period_id, key, *rest in Value.objects.filter(
        measure=measure, period_id__in=[p.pk for p in periods.values() if not p.is_locked],
        area_type__in=[AreaType.COUNTY, AreaType.DIVISION],
    ).values_list("period_id", "area_key", "value", "base", "boundary_set_id", "measure_version", "source")}
    rows = []
    for month, division_id, value, base in frame[computations.COLUMNS].itertuples(index=False, name=None):
        period = periods.get(month.start_time.date())
        if period is None or period.is_locked:
            continue
        produced += 1
        division_id = None if division_id is None or pd.isna(division_id) else int(division_id)
        key = area_key(division_id=division_id)
        number = None if pd.isna(value) else Decimal(str(round(float(value), 4)))
        base = None if pd.isna(base) else int(base)
        if stored.get((period.pk, key)) == [number, base, boundary_set_id, measure.version, Source.COMPUTED]:
            continue
        rows.append(Value(
            measure=measure, period=period, division_id=division_id,
            area_type=AreaType.DIVISION if division_id is not None else AreaType.COUNTY,
            area_key=key, boundary_set_id=boundary_set_id, value=number, base=base,
            source=Source.COMPUTED, measure_version=measure.version, recorded_at=now,
        ))
    _upsert(rows)
    return produced


def _upsert(rows: list[Value]) -> int:
    """Every figure written (computed, approved, imported) comes through here: cached pages are renewed."""
    if rows:
        from .figures_cache import figures_changed

        figures_changed()
    with transaction.atomic():
        Value.objects.bulk_create(
            rows, batch_size=2000, update_conflicts=True, unique_fields=["measure", "period", "area_key"],
            update_fields=["value", "base", "source", "measure_version", "recorded_at", "recorded_by",
                           "boundary_set", "division", "area_type", "comparator"],
        )
    return len(rows)


def _derive(*, measure: Measure, periods: list[Period], boundary_set_id: int | None) -> int:
    """numerator / denominator x multiplier per period and area, from the stored figures of the parts."""
    period_ids = [p.pk for p in periods if not p.is_locked]
    parts = pd.DataFrame(list(Value.objects.filter(
        measure_id__in=[measure.numerator_id, measure.denominator_id], period_id__in=period_ids,
    ).values_list("measure_id", "period_id", "area_key", "area_type", "division_id", "comparator_id", "value")),
        columns=["measure_id", "period_id", "area_key", "area_type", "division_id", "comparator_id", "value"])
    if parts.empty:
        return 0
    parts["value"] = parts["value"].astype(float)
    numerators = parts[parts["measure_id"] == measure.numerator_id].set_index(["period_id", "area_key"])
    denominators = parts[parts["measure_id"] == measure.denominator_id].set_index(["period_id", "area_key"])
    joined = numerators.join(denominators[["value"]].rename(columns={"value": "value_den"}), how="inner")
    multiplier = float(measure.multiplier)
    now = timezone.now()
    rows = []
    by_id = {p.pk: p for p in periods}
    for (period_id, key), row in joined.iterrows():
        den = row["value_den"]
        value = None if pd.isna(den) or den == 0 or pd.isna(row["value"]) else row["value"] / den * multiplier
        rows.append(Value(
            measure=measure, period=by_id[period_id], area_key=key, area_type=row["area_type"],
            division_id=None if pd.isna(row["division_id"]) else int(row["division_id"]),
            comparator_id=None if pd.isna(row["comparator_id"]) else int(row["comparator_id"]),
            boundary_set_id=boundary_set_id,
            value=None if value is None else Decimal(str(round(value, 4))),
            base=None if pd.isna(den) else int(den), source=Source.COMPUTED,
            measure_version=measure.version, recorded_at=now,
        ))
    return _upsert(rows)


# --- targets, commentary, closing ------------------------------------------------------------------


def _period_for(start: dt.date | None) -> Period:
    period = Period.objects.filter(start=start).first() if start else None
    if period is None:
        raise ValidationError({"period": "Choose a period that exists"})
    return period


@transaction.atomic
def target_set(*, measure: Measure, period_start: dt.date, value: Decimal, amber_tolerance: Decimal,
               by: Any) -> Target:
    """Set (or replace) a measure's county-wide target for a period. Locked periods refuse."""
    _require_analyst(by)
    period = _period_for(period_start)
    if period.is_locked:
        raise ValidationError({"period": f"{period.label} is closed: its targets are locked"})
    if amber_tolerance is None or amber_tolerance < 0:
        raise ValidationError({"amber_tolerance": "Enter a tolerance of 0 or more"})
    target, _ = Target.objects.update_or_create(
        measure=measure, period=period,
        defaults={"value": value, "amber_tolerance": amber_tolerance, "set_by": by, "set_at": timezone.now()},
    )
    audit_record(by=by, action="update", target=target, summary=f"Target for {measure.code} {period.label}: {value}")
    return target


@transaction.atomic
def commentary_add(*, measure: Measure, period: Period, text: str, by: Any) -> Commentary:
    """Add commentary on a measure's position in a period. Earlier commentary is kept as history."""
    _require_analyst(by)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter the commentary"})
    if len(text) > 5000:
        raise ValidationError({"text": "Commentary must be 5,000 characters or fewer"})
    if period.is_locked:
        raise ValidationError({"text": f"{period.label} is closed: its commentary is locked"})
    latest = Commentary.objects.filter(measure=measure, period=period).order_by("-written_at", "-id").first()
    if latest is not None and latest.text == text:  # a resubmitted form, not new words
        return latest
    commentary = Commentary.objects.create(measure=measure, period=period, text=text, written_by=by,
                                           written_at=timezone.now())
    audit_record(by=by, action="create", target=commentary, summary=f"Commentary on {measure.code} {period.label}")
    return commentary


def county_status(*, measure: Measure, period: Period) -> str:
    """The county RAG of a measure in a period (two queries)."""
    value = Value.objects.filter(measure=measure, period=period, area_key="county").values_list("value", flat=True).first()
    target = Target.objects.filter(measure=measure, period=period).first()
    if target is None:
        return rules.Rag.NONE
    return rules.rag_status(value=value, target=target.value, tolerance=target.amber_tolerance,
                            polarity=measure.polarity)


def red_without_commentary(period: Period) -> list[Measure]:
    """Measures that are red for the county in this period and have no commentary yet."""
    from .selectors import county_rows

    return [row.measure for row in county_rows(period) if row.status.rag == rules.Rag.RED and not row.commentary]


@transaction.atomic
def period_close(*, period: Period, by: Any):
    """Close a month: its figures lock, and the Cabinet report is generated from them.

    Refused while any red measure has no commentary: the report must say why.
    """
    _require_analyst(by)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_locked:
        raise ValidationError(f"{period.label} is already closed")
    if not period.has_ended:  # its figures are still arriving
        raise ValidationError(f"{period.label} has not ended yet: close it once the month is over")
    missing = red_without_commentary(period)
    if missing:
        raise ValidationError(
            [f"{m.name} is red for {period.label}: add commentary before closing the period" for m in missing])
    period.status = Period.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = by
    period.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(by=by, action="update", target=period, summary=f"Closed {period.label}")
    period_id = period.pk
    transaction.on_commit(lambda: enqueue_cabinet_report(period_id))
    return period


def enqueue_cabinet_report(period_id: int) -> bool:
    """Queue the Cabinet report of a closed period. Never raises: if the broker is down the
    nightly job finds the closed period without a report and makes it."""
    from .tasks import enqueue_report

    return enqueue_report(period_id)


# --- manual entry with approval --------------------------------------------------------------------


@transaction.atomic
def value_entry_submit(*, measure: Measure, period: Period, division: Division | None, value: Decimal,
                       base: int | None = None, note: str = "", commentary: str = "", by: Any) -> ValueEntry:
    """An analyst enters a figure; it waits for another analyst's approval before anyone sees it.

    A figure that would be red needs commentary with it (refused otherwise).
    """
    _require_analyst(by)
    if measure.source != Source.MANUAL:
        raise ValidationError({"measure": "Only manually entered measures take typed figures"})
    if period.is_locked:
        raise ValidationError({"period": f"{period.label} is closed: its figures are locked"})
    if value is None or abs(value) > MAX_DECIMAL:
        raise ValidationError({"value": "Enter a number no larger than 99,999,999,999,999"})
    if division is None:
        target = Target.objects.filter(measure=measure, period=period).first()
        rag = rules.rag_status(value=value, target=target.value if target else None,
                               tolerance=target.amber_tolerance if target else None, polarity=measure.polarity)
        if rag == rules.Rag.RED and not commentary.strip():
            raise ValidationError({"commentary": "This figure is red: say why in the commentary"})
        if commentary.strip():
            commentary_add(measure=measure, period=period, text=commentary, by=by)
    duplicate = ValueEntry.objects.filter(measure=measure, period=period, division=division, value=value, base=base,
                                          status=ValueEntry.Status.PENDING, entered_by=by).first()
    if duplicate is not None:  # a resubmitted form: one figure waits for approval, not two
        return duplicate
    entry = ValueEntry.objects.create(measure=measure, period=period, division=division, value=value, base=base,
                                      note=note.strip(), entered_by=by, entered_at=timezone.now())
    audit_record(by=by, action="create", target=entry, summary=f"Entered {measure.code} {period.label}")
    return entry


@transaction.atomic
def value_entry_decide(*, entry: ValueEntry, approve: bool, note: str = "", by: Any) -> ValueEntry:
    """A second analyst approves (the figure is stored) or rejects an entry. Nobody approves their own."""
    _require_analyst(by)
    entry = ValueEntry.objects.select_for_update().select_related("measure", "period").get(pk=entry.pk)
    if entry.status != ValueEntry.Status.PENDING:
        raise ValidationError("This figure has already been decided")
    if entry.entered_by_id == by.pk:
        raise ValidationError("Another analyst must approve a figure you entered")
    if entry.period.is_locked:
        raise ValidationError(f"{entry.period.label} is closed: its figures are locked")
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why the figure is rejected"})
    entry.status = ValueEntry.Status.APPROVED if approve else ValueEntry.Status.REJECTED
    entry.decided_by, entry.decided_at, entry.decision_note = by, timezone.now(), note.strip()
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        division_id = entry.division_id
        _upsert([Value(
            measure=entry.measure, period=entry.period, division_id=division_id,
            area_type=AreaType.DIVISION if division_id else AreaType.COUNTY, area_key=area_key(division_id=division_id),
            boundary_set_id=entry.division.boundary_set_id if entry.division else _current_set_id(),
            value=entry.value, base=entry.base, source=Source.MANUAL, measure_version=entry.measure.version,
            recorded_at=entry.decided_at, recorded_by=by,
        )])
    audit_record(by=by, action="update", target=entry, summary=f"{entry.get_status_display()}: {entry.measure.code}")
    return entry


def _current_set_id() -> int | None:
    boundary_set = current_boundary_set()
    return boundary_set.pk if boundary_set else None


def month_after(day: dt.date) -> dt.date:
    return next_month(day)


def parse_decimal(text: str) -> Decimal | None:
    """A number as typed or as found in a file ('1,234.5' allowed), or None."""
    try:
        number = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) <= MAX_DECIMAL else None


# --- comparator groups -----------------------------------------------------------------------------


@transaction.atomic
def comparator_group_create(*, name: str, as_of: dt.date, members: list[tuple[str, str]], by: Any):
    """Store a dated set of comparator councils. Sets are never edited: a new set is a new group,
    so figures imported against an old set keep meaning what they meant."""
    from django.utils.text import slugify

    from .models import Comparator, ComparatorGroup

    _require_analyst(by)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter the group's name"})
    if not members:
        raise ValidationError({"members": "Enter at least one council"})
    slug = slugify(f"{name} {as_of:%Y-%m-%d}")[:60]
    if ComparatorGroup.objects.filter(slug=slug).exists():
        raise ValidationError({"name": f"There is already a group called {name} drawn up on {as_of:%d %B %Y}"})
    group = ComparatorGroup.objects.create(name=name[:120], slug=slug, as_of=as_of)
    Comparator.objects.bulk_create([Comparator(group=group, code=code, name=label) for code, label in members])
    audit_record(by=by, action="create", target=group, summary=f"Comparator group {group} ({len(members)} councils)")
    return group
