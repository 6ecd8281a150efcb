"""CSV import of figures from partners and comparator councils, with pandas.

All or nothing: the whole file is checked first and every problem is
reported by row; only a file with no problems is stored, in one
transaction. The expected columns:

    measure_code, period, area_type, area_code, value[, base]

period is YYYY-MM; area_type is county, division (area_code: the
division's ONS code or its slug in the current boundary set) or
comparator (area_code: the council's ONS code in the chosen comparator
group, a stored, dated set).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.places.selectors import current_boundary_set

from . import services
from .models import AreaType, ComparatorGroup, ImportBatch, Measure, Source, Value, area_key

REQUIRED = ["measure_code", "period", "area_type", "area_code", "value"]
OPTIONAL = ["base"]
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_REPORTED = 200  # problems listed; the count says how many more
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class Problem:
    row: int  # the row number as a spreadsheet shows it (the header is row 1); 0 for the whole file
    message: str


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    stored: int = 0
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRejected(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.problems)} problems")
        self.report = report


def _read(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [Problem(0, "The file must be smaller than 2MB")]
    if not data.strip():
        return None, [Problem(0, "The file is empty")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(0, "The file must be a CSV saved as UTF-8")]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        return None, [Problem(0, f"The file could not be read as CSV: {str(exc)[:200]}")]
    columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in columns]
    unexpected = [c for c in columns if c not in REQUIRED + OPTIONAL]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unexpected or duplicated:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unexpected:
            parts.append("unexpected " + ", ".join(c or "(blank)" for c in unexpected[:10]))
        if duplicated:
            parts.append("repeated " + ", ".join(duplicated))
        return None, [Problem(1, "The columns must be " + ", ".join(REQUIRED) + " (and optionally base): "
                              + "; ".join(parts))]
    frame.columns = columns
    if len(frame) == 0:
        return None, [Problem(0, "The file has a header but no rows")]
    if len(frame) > MAX_ROWS:
        return None, [Problem(0, f"The file must have {MAX_ROWS:,} rows or fewer")]
    return frame.apply(lambda col: col.str.strip()), []


def check(data: bytes, *, comparator_group: ComparatorGroup | None = None,
          today: dt.date | None = None) -> tuple[list[dict], ImportReport]:
    """Every row checked; returns the clean rows and a report of every problem (nothing is stored)."""
    report = ImportReport()
    frame, problems = _read(data)
    if frame is None:
        report.problems = problems
        return [], report
    report.rows = len(frame)
    today = today or timezone.localdate()
    latest_month = today.replace(day=1)
    measures = {m.code: m for m in Measure.objects.filter(code__in=set(frame["measure_code"]))}
    boundary_set = current_boundary_set()
    divisions: dict[str, Any] = {}
    if boundary_set is not None:
        for d in boundary_set.divisions.defer("geometry"):
            divisions[d.slug.lower()] = d
            if d.ons_code:
                divisions[d.ons_code.lower()] = d
    comparators = {c.code.lower(): c for c in comparator_group.members.all()} if comparator_group else {}
    periods = {p.start: p for p in services.Period.objects.all()}
    clean: list[dict] = []
    seen: dict[tuple, int] = {}
    for index, row in enumerate(frame.to_dict("records")):
        line = index + 2
        errors: list[str] = []
        measure = measures.get(row["measure_code"])
        if not row["measure_code"]:
            errors.append("Enter a measure code")
        elif measure is None:
            errors.append(f"Unknown measure code '{row['measure_code'][:60]}'")
        elif measure.source != Source.IMPORTED:
            errors.append(f"{measure.code} is not an imported measure (its figures are {measure.get_source_display().lower()})")
        start = None
        match = PERIOD_RE.match(row["period"])
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            errors.append(f"Period '{row['period'][:20]}' must be a month like 2026-04")
        else:
            start = dt.date(int(match.group(1)), int(match.group(2)), 1)
            if start > latest_month:
                errors.append(f"Period {row['period']} is in the future")
            elif start in periods and periods[start].is_locked:
                errors.append(f"Period {row['period']} is closed: its figures are locked")
        area_type = row["area_type"].lower()
        division = comparator = None
        if area_type == AreaType.COUNTY:
            pass
        elif area_type == AreaType.DIVISION:
            division = divisions.get(row["area_code"].lower())
            if division is None:
                errors.append(f"Unknown division code '{row['area_code'][:30]}'")
        elif area_type == AreaType.COMPARATOR:
            if comparator_group is None:
                errors.append("Choose the comparator group before importing comparator rows")
            else:
                comparator = comparators.get(row["area_code"].lower())
                if comparator is None:
                    errors.append(f"'{row['area_code'][:30]}' is not a council in {comparator_group}")
        else:
            errors.append("Area type must be county, division or comparator")
        value = services.parse_decimal(row["value"]) if row["value"] else None
        if value is None:
            errors.append(f"Value '{row['value'][:30]}' is not a number" if row["value"] else "Enter a value")
        base = None
        if row.get("base"):
            base = services.parse_decimal(row["base"])
            if base is None or base < 0 or base != int(base) or base > 2_000_000_000:
                errors.append(f"Base '{row['base'][:30]}' must be a whole number of 0 or more")
                base = None
        key = area_key(division_id=division.pk if division else None,
                       comparator_id=comparator.pk if comparator else None)
        if measure is not None and start is not None and not errors:
            identity = (measure.code, start, key)
            if identity in seen:
                errors.append(f"Duplicate: row {seen[identity]} already has {measure.code} for "
                              f"{row['period']} in this area")
            else:
                seen[identity] = line
        if errors:
            for message in errors:
                report.problems.append(Problem(line, message))
            continue
        clean.append(dict(measure=measure, start=start, area_type=area_type, key=key, division=division,
                          comparator=comparator, value=value, base=None if base is None else int(base)))
    return clean, report


@transaction.atomic
def values_import(*, data: bytes, file_name: str, comparator_group: ComparatorGroup | None = None,
                  by: Any) -> ImportReport:
    """Check a CSV and, only if every row is right, store all of it. Raises ImportRejected otherwise."""
    services._require_analyst(by)
    rows, report = check(data, comparator_group=comparator_group)
    if not report.ok:
        raise ImportRejected(report)
    periods = services.periods_ensure(r["start"] for r in rows)
    if any(periods[r["start"]].is_locked for r in rows):  # closed between check and store
        raise ValidationError("A period in the file was closed while it was being imported: try again")
    boundary_set = current_boundary_set()
    now = timezone.now()
    report.stored = services._upsert([Value(
        measure=r["measure"], period=periods[r["start"]], area_type=r["area_type"], area_key=r["key"],
        division=r["division"], comparator=r["comparator"],
        boundary_set_id=r["division"].boundary_set_id if r["division"] else (
            boundary_set.pk if boundary_set and r["area_type"] == AreaType.COUNTY else None),
        value=r["value"], base=r["base"], source=Source.IMPORTED, measure_version=r["measure"].version,
        recorded_at=now, recorded_by=by,
    ) for r in rows])
    report.batch = ImportBatch.objects.create(file_name=file_name[:200], rows=report.stored, imported_by=by,
                                              imported_at=now, comparator_group=comparator_group)
    audit_record(by=by, action="create", target=report.batch, summary=f"Imported {report.stored} figures")
    return report
