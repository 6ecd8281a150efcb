"""Spend imports: the finance system's accounts-payable and procurement-card exports (CSV or XLSX), with pandas.

All or nothing: the whole file is checked and every problem reported by row; only a file with no
problems is stored, in one transaction, each line matched to a contract on the way in
(provision/matching.py). Importing the same file again stores nothing and says when it was imported.

Accounts payable columns:
    transaction_number, invoice_date, payment_date, supplier_id, supplier_name, amount_net,
    irrecoverable_vat, cost_centre, directorate, expense_type, purchase_order
Procurement card columns:
    transaction_number, transaction_date, merchant_name, merchant_category, amount_net,
    irrecoverable_vat, cost_centre, directorate, expense_type
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record

from . import matching
from .models import SpendImport, SpendKind, SpendLine, Supplier
from .services import _require_hub

COLUMNS = {
    SpendKind.PAYABLE: ["transaction_number", "invoice_date", "payment_date", "supplier_id", "supplier_name",
                        "amount_net", "irrecoverable_vat", "cost_centre", "directorate", "expense_type",
                        "purchase_order"],
    SpendKind.CARD: ["transaction_number", "transaction_date", "merchant_name", "merchant_category", "amount_net",
                     "irrecoverable_vat", "cost_centre", "directorate", "expense_type"],
}
OPTIONAL = {"purchase_order", "irrecoverable_vat", "invoice_date", "merchant_category"}
MAX_BYTES = 40 * 1024 * 1024  # a year of accounts payable (about 164,000 lines) is about 20MB as CSV
MAX_ROWS = 250_000
MAX_REPORTED = 200
LIMITS = {"transaction_number": 40, "supplier_id": 20, "supplier_name": 200, "merchant_name": 200,
          "merchant_category": 100, "cost_centre": 20, "directorate": 100, "expense_type": 100, "purchase_order": 30}
AMOUNT_RE = re.compile(r"^-?£?-?\d{1,3}(,\d{3})*(\.\d{1,2})?$|^-?£?-?\d+(\.\d{1,2})?$")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Problem:
    row: int  # as a spreadsheet shows it (the header is row 1); 0 for the whole file
    message: str


@dataclass
class ImportReport:
    kind: str
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    stored: int = 0
    batch: SpendImport | None = None
    already: bool = False  # the same file was imported before: nothing stored this time
    matched: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRejected(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.problems)} problems")
        self.report = report


def _read(data: bytes, kind: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [Problem(0, "The file must be smaller than 40MB")]
    if not data.strip():
        return None, [Problem(0, "The file is empty")]
    try:
        if data.startswith(XLSX_MAGIC):
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            frame = pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False,
                                skipinitialspace=True)
    except UnicodeDecodeError:
        return None, [Problem(0, "The file must be a CSV saved as UTF-8, or an Excel workbook (.xlsx)")]
    except Exception as exc:  # pandas and openpyxl raise many kinds for a broken file; the person needs one message
        return None, [Problem(0, f"The file could not be read as CSV or Excel: {str(exc)[:200]}")]
    columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    # pandas renames a repeated header "x" to "x.1": put the name back, so it is reported as repeated.
    columns = [re.sub(r"\.\d+$", "", c) if re.sub(r"\.\d+$", "", c) in columns else c for c in columns]
    expected = COLUMNS[kind]
    missing = [c for c in expected if c not in columns and c not in OPTIONAL]
    unexpected = [c for c in columns if c not in expected]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unexpected or duplicated:
        parts = [f"missing {', '.join(missing)}"] if missing else []
        if unexpected:
            parts.append("unexpected " + ", ".join(c or "(blank)" for c in unexpected[:10]))
        if duplicated:
            parts.append("repeated " + ", ".join(duplicated))
        return None, [Problem(1, f"The columns must be {', '.join(expected)}: " + "; ".join(parts))]
    frame.columns = columns
    for column in expected:
        if column not in frame.columns:
            frame[column] = ""
    if len(frame) == 0:
        return None, [Problem(0, "The file has a header but no rows")]
    if len(frame) > MAX_ROWS:
        return None, [Problem(0, f"The file must have {MAX_ROWS:,} rows or fewer")]
    return frame[expected].apply(lambda col: col.astype(str).str.strip()), []


def _pence(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Amounts like 1234.56, 1,234.56 or £1,234.56 as whole pence; and which rows were not amounts."""
    ok = series.str.match(AMOUNT_RE) & (series != "")
    cleaned = series.where(ok, "0").str.replace(r"[£,]", "", regex=True)
    negative = cleaned.str.contains("-")
    magnitude = pd.to_numeric(cleaned.str.replace("-", "", regex=False), errors="coerce").fillna(0)
    pence = (magnitude * 100).round().astype("int64")
    return pence.where(~negative, -pence), ~ok


def _dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    iso = pd.to_datetime(series, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(series, format="%d/%m/%Y", errors="coerce")
    parsed = iso.fillna(uk)
    return parsed.dt.date, parsed.isna()


def check(data: bytes, kind: str) -> tuple[list[dict], ImportReport]:
    """Every row checked; the clean rows and a report of every problem (nothing stored)."""
    report = ImportReport(kind=kind)
    frame, problems = _read(data, kind)
    if frame is None:
        report.problems = problems
        return [], report
    report.rows = len(frame)
    rownum = pd.Series(range(2, len(frame) + 2), index=frame.index)
    date_column = "payment_date" if kind == SpendKind.PAYABLE else "transaction_date"
    paid_on, bad_date = _dates(frame[date_column])
    amount, bad_amount = _pence(frame["amount_net"])
    vat_raw = frame["irrecoverable_vat"].where(frame["irrecoverable_vat"] != "", "0")
    vat, bad_vat = _pence(vat_raw)
    invoice_on = None
    bad_invoice = pd.Series(False, index=frame.index)
    if kind == SpendKind.PAYABLE:
        given = frame["invoice_date"] != ""
        invoice_on, bad_invoice = _dates(frame["invoice_date"].where(given, "1900-01-01"))
        bad_invoice &= given
        invoice_on = invoice_on.where(given, None)
    issues: dict[int, list[str]] = {}

    def flag(mask: pd.Series, message: str) -> None:
        for row in rownum[mask].tolist():
            issues.setdefault(row, []).append(message)

    flag(bad_date, f"{date_column.replace('_', ' ').capitalize()} must be a date like 2026-04-30 or 30/04/2026")
    flag(bad_amount, "Amount net must be an amount in pounds, like 1234.56")
    flag(bad_vat, "Irrecoverable VAT must be an amount in pounds, like 12.50, or blank")
    flag(bad_invoice, "Invoice date must be a date like 2026-04-30 or 30/04/2026, or blank")
    required = ["transaction_number", "cost_centre", "directorate", "expense_type"]
    required += ["supplier_id", "supplier_name"] if kind == SpendKind.PAYABLE else ["merchant_name"]
    for column in required:
        flag(frame[column] == "", f"{column.replace('_', ' ').capitalize()} is missing")
    for column, limit in LIMITS.items():
        if column in frame.columns:
            flag(frame[column].str.len() > limit, f"{column.replace('_', ' ').capitalize()} is longer than {limit} "
                                                   "characters")
    repeated = frame["transaction_number"].duplicated(keep="first") & (frame["transaction_number"] != "")
    flag(repeated, "This transaction number appears earlier in the file")
    numbers = [n for n in frame["transaction_number"].unique().tolist() if n]
    seen: set[str] = set()
    for start in range(0, len(numbers), 5000):
        seen.update(SpendLine.objects.filter(kind=kind, transaction_number__in=numbers[start:start + 5000])
                    .values_list("transaction_number", flat=True))
    flag(frame["transaction_number"].isin(seen), "This transaction was imported from an earlier file")
    suppliers: dict[str, Supplier] = {}
    if kind == SpendKind.PAYABLE:
        ids = [i for i in frame["supplier_id"].unique().tolist() if i]
        for start in range(0, len(ids), 5000):
            # A merged duplicate's number still imports: its spend is the survivor's (provision/merging.py).
            suppliers.update({s.finance_id: s.resolved for s in Supplier.objects.filter(
                finance_id__in=ids[start:start + 5000]).select_related("merged_into")})
        unknown = (frame["supplier_id"] != "") & ~frame["supplier_id"].isin(list(suppliers))
        flag(unknown, "The supplier id is not in the supplier records: add the supplier first")
    else:
        # Card merchants are rarely suppliers; where a merchant's name is a supplier's, the spend is theirs.
        merchants = [n for n in frame["merchant_name"].unique().tolist() if n]
        suppliers = {s.name.lower(): s for s in Supplier.objects.live().filter(name__in=merchants)}
    report.problems = [Problem(row, "; ".join(messages)) for row, messages in sorted(issues.items())]
    if report.problems:
        return [], report
    # Whole columns as lists: indexing a Series row by row costs more than the rest of the import.
    paid_list, amount_list, vat_list = paid_on.tolist(), amount.tolist(), vat.tolist()
    invoice_list = invoice_on.tolist() if invoice_on is not None else [None] * len(frame)
    payee_column = "supplier_name" if kind == SpendKind.PAYABLE else "merchant_name"
    keys = frame["supplier_id"].tolist() if kind == SpendKind.PAYABLE else frame["merchant_name"].str.lower().tolist()
    rows = [{
        "transaction_number": number, "paid_on": paid, "invoice_date": invoice, "supplier": suppliers.get(key),
        "payee_name": payee, "amount_net_pence": int(pence), "irrecoverable_vat_pence": int(vat_pence),
        "cost_centre": centre, "directorate": directorate, "expense_type": expense, "purchase_order": order,
        "merchant_category": category,
    } for number, paid, invoice, key, payee, pence, vat_pence, centre, directorate, expense, order, category in zip(
        frame["transaction_number"].tolist(), paid_list, invoice_list, keys, frame[payee_column].tolist(),
        amount_list, vat_list, frame["cost_centre"].tolist(), frame["directorate"].tolist(),
        frame["expense_type"].tolist(),
        frame["purchase_order"].tolist() if "purchase_order" in frame else [""] * len(frame),
        frame["merchant_category"].tolist() if "merchant_category" in frame else [""] * len(frame))]
    return rows, report


def spend_import(*, data: bytes, file_name: str, kind: str, by: Any) -> ImportReport:
    """Check, match and store a whole export, or nothing (ImportRejected carries the row report)."""
    _require_hub(by)
    if kind not in SpendKind.values:
        raise ValueError(f"unknown spend kind {kind!r}")
    digest = hashlib.sha256(data).hexdigest()
    earlier = SpendImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return ImportReport(kind=kind, rows=earlier.rows, batch=earlier, already=True)
    rows, report = check(data, kind)
    if not report.ok:
        raise ImportRejected(report)
    matches = matching.match_lines(rows)
    with transaction.atomic():
        batch = SpendImport.objects.create(kind=kind, file_name=file_name[:255], sha256=digest, rows=len(rows),
                                           total_pence=sum(r["amount_net_pence"] for r in rows), imported_by=by,
                                           imported_at=timezone.now())
        lines = [SpendLine(batch=batch, kind=kind, contract=contract, match=how, **row)
                 for row, (contract, how) in zip(rows, matches)]
        SpendLine.objects.bulk_create(lines, batch_size=2000)
        audit_record(by=by, action="import", target=batch, summary=f"{len(rows)} spend lines imported",
                     file_name=file_name[:255])
    report.stored, report.batch = len(rows), batch
    for _, how in matches:
        report.matched[how] = report.matched.get(how, 0) + 1
    return report
