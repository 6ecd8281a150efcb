"""The declared datasets for bulk uploads: each one's columns and rules as a pandera schema.

A file is read with every cell as text (so a UPN keeps its leading letter and a postcode its
spaces), checked column by column against the schema with pandera's lazy validation (every
failure in one pass, not the first), and each failure becomes a line of the row-by-row report:
the row as a spreadsheet numbers it (the header is row 1), the column, and what to fix.
Only a file with no failures is converted into rows for the database (services.py stores them).

Cells are refused when they start like a spreadsheet formula (= + - @, or a tab or carriage
return before one): such a cell would run as a formula when the data is opened or exported.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import pandera.pandas as pa

from .models import Dataset

MAX_BYTES = 20 * 1024 * 1024  # 50,000 SEN rows are about 4MB as CSV; a county-wide return fits
MAX_ROWS = 100_000
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # an .xlsx is a zip: more than this unpacked is a zip bomb
MAX_STORED_ERRORS = 1000
MAX_CELL = 200
XLSX_MAGIC = b"PK\x03\x04"
FORMULA_START = re.compile(r"^[\t\r\n ]*[=+\-@]")


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number (header = 1); 0 for the whole file
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Checked:
    """What checking a file found: the rows ready to store, or the problems."""

    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reusable column rules ---------------------------------------------------------------------------

def _no_formula(series: pd.Series) -> pd.Series:
    return ~series.str.match(FORMULA_START)


NO_FORMULA = pa.Check(_no_formula, error="must not start with = + - or @ (a spreadsheet formula): "
                                         "remove the character or type the text without it")
FITS = pa.Check(lambda s: s.str.len() <= MAX_CELL, error=f"must be {MAX_CELL} characters or fewer")


def _required(label: str) -> pa.Check:
    return pa.Check(lambda s: s != "", error=f"Enter the {label}")


def parse_dates(series: pd.Series) -> pd.Series:
    """Dates written 2014-09-01 or 01/09/2014 (or an Excel date); NaT where neither."""
    text = series.str.replace(r" 00:00:00$", "", regex=True)
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def _date_check(label: str, *, earliest: dt.date, latest: dt.date, optional: bool = False) -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        parsed = parse_dates(series)
        ok = parsed.notna() & (parsed >= pd.Timestamp(earliest)) & (parsed <= pd.Timestamp(latest))
        return ok | (series == "") if optional else ok

    return pa.Check(check, error=f"{label} must be a real date like 01/09/2014, between "
                                 f"{earliest:%d/%m/%Y} and {latest:%d/%m/%Y}")


def _int_check(label: str, low: int, high: int) -> pa.Check:
    def check(series: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(series.where(series.str.fullmatch(r"\d{1,6}"), None), errors="coerce")
        return numbers.notna() & (numbers >= low) & (numbers <= high)

    return pa.Check(check, error=f"{label} must be a whole number from {low} to {high}")


def _matches(pattern: str, message: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), error=message)


def _one_of(values: dict[str, str], label: str) -> pa.Check:
    listed = ", ".join(values)
    return pa.Check(lambda s: s.isin(list(values)), error=f"{label} must be one of {listed}")


def text_column(label: str, *checks: pa.Check, required: bool = True) -> pa.Column:
    rules = ([_required(label)] if required else []) + [NO_FORMULA, FITS, *checks]
    return pa.Column(str, rules, nullable=False)


POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"
URN = r"\d{6}"

# --- SEN pupil records --------------------------------------------------------------------------------

YEAR_GROUPS = {"N1": "Nursery 1", "N2": "Nursery 2", "R": "Reception",
               **{str(n): f"Year {n}" for n in range(1, 15)}}
SEN_PROVISION = {"K": "SEN support", "E": "Education, health and care plan"}
# The Department for Education's primary need codes (school census).
PRIMARY_NEEDS = {
    "SPLD": "Specific learning difficulty", "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty", "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health", "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment", "VI": "Vision impairment", "MSI": "Multi-sensory impairment",
    "PD": "Physical disability", "ASD": "Autistic spectrum disorder", "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}


def _upn_check_letter(upn: str) -> bool:
    """A UPN's first character is a check letter over the other twelve (DfE's modulus 23 rule)."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    if len(upn) != 13 or not upn[1:12].isdigit():
        return False
    total = sum(int(char) * weight for char, weight in zip(upn[1:12], range(2, 13)))
    last = upn[12]
    if last.isdigit():
        total += int(last) * 13
    elif last in letters:
        total += letters.index(last) * 13
    else:
        return False
    return upn[0] == letters[total % 23]


def upn_with_check_letter(digits12: str) -> str:
    """The UPN whose last twelve characters are `digits12` (for demo and bench files)."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    total = sum(int(char) * weight for char, weight in zip(digits12[:11], range(2, 13)))
    last = digits12[11]
    total += (int(last) if last.isdigit() else letters.index(last)) * 13
    return letters[total % 23] + digits12


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def sen_schema() -> pa.DataFrameSchema:
    today = _today()
    ehc_needs_date = pa.Check(
        lambda df: (df["sen_provision"] != "E") | (df["ehc_plan_issued_on"] != ""),
        name="ehc_plan_issued_on", error="Enter the date the EHC plan was issued (SEN provision is E)")
    support_has_no_date = pa.Check(
        lambda df: (df["sen_provision"] != "K") | (df["ehc_plan_issued_on"] == ""),
        name="ehc_plan_issued_on", error="Leave the EHC plan date blank for SEN support (K)")
    return pa.DataFrameSchema(
        {
            "upn": text_column("unique pupil number", pa.Check(
                lambda s: s.map(_upn_check_letter).astype(bool),
                error="Unique pupil number must be 13 characters, a check letter then 12 digits or letters, "
                      "like U999260000123")),
            "forename": text_column("forename"),
            "surname": text_column("surname"),
            "date_of_birth": text_column("date of birth", _date_check(
                "Date of birth", earliest=today.replace(year=today.year - 26), latest=today)),
            "school_urn": text_column("school URN", _matches(URN, "School URN must be 6 digits, like 123456")),
            "year_group": text_column("year group", _one_of(YEAR_GROUPS, "Year group")),
            "sen_provision": text_column("SEN provision", _one_of(SEN_PROVISION, "SEN provision")),
            "primary_need": text_column("primary need", _one_of(PRIMARY_NEEDS, "Primary need")),
            "ehc_plan_issued_on": text_column("EHC plan date", _date_check(
                "EHC plan date", earliest=dt.date(2014, 9, 1), latest=today, optional=True), required=False),
            "postcode": text_column("postcode", _matches(POSTCODE, "Postcode must be a UK postcode, like OX1 1ND")),
        },
        checks=[ehc_needs_date, support_has_no_date],
        strict=True, ordered=False,
    )


def _dates(series: pd.Series) -> list[dt.date | None]:
    """The checked date column as dates (None where blank), parsed once for the whole column."""
    parsed = parse_dates(series)
    return [None if pd.isna(value) else value.date() for value in parsed.tolist()]


def _columns_as_lists(frame: pd.DataFrame) -> dict[str, list]:
    # Plain Python lists: reading pandas' string arrays cell by cell costs more than the checks.
    return {column: frame[column].tolist() for column in frame.columns}


def sen_rows(frame: pd.DataFrame) -> list[dict]:
    c = _columns_as_lists(frame)
    born, issued = _dates(frame["date_of_birth"]), _dates(frame["ehc_plan_issued_on"])
    return [
        {"row_number": n + 2, "upn": c["upn"][n], "forename": c["forename"][n], "surname": c["surname"][n],
         "date_of_birth": born[n], "school_urn": c["school_urn"][n], "year_group": c["year_group"][n],
         "sen_provision": c["sen_provision"][n], "primary_need": c["primary_need"][n],
         "ehc_plan_issued_on": issued[n], "postcode": _postcode(c["postcode"][n])}
        for n in range(len(frame))
    ]


def _postcode(text: str) -> str:
    compact = text.replace(" ", "")
    return f"{compact[:-3]} {compact[-3:]}"


# --- home to school transport routes ------------------------------------------------------------------

VEHICLES = {"taxi": "Taxi", "mpv": "Multi-purpose vehicle", "minibus": "Minibus", "coach": "Coach",
            "wav": "Wheelchair accessible vehicle"}
YES_NO = {"yes": True, "no": False}


def transport_schema() -> pa.DataFrameSchema:
    today = _today()
    pupils_fit = pa.Check(
        lambda df: pd.to_numeric(df["pupils"], errors="coerce").fillna(0)
        <= pd.to_numeric(df["seats"], errors="coerce").fillna(10**6),
        name="pupils", error="Pupils must be no more than the vehicle's seats")
    return pa.DataFrameSchema(
        {
            "route_code": text_column("route code", _matches(r"HTS-\d{4}", "Route code must be like HTS-0412")),
            "school_urn": text_column("school URN", _matches(URN, "School URN must be 6 digits, like 123456")),
            "school_name": text_column("school name"),
            "operator": text_column("operator"),
            "vehicle_type": text_column("vehicle type", _one_of(VEHICLES, "Vehicle type")),
            "seats": text_column("seats", _int_check("Seats", 1, 75)),
            "pupils": text_column("pupils", _int_check("Pupils", 0, 75)),
            "passenger_assistant": text_column("passenger assistant", _one_of(YES_NO, "Passenger assistant")),
            "morning_pickup": text_column("morning pickup", _matches(
                r"(0[5-9]|1[01]):[0-5]\d", "Morning pickup must be a 24-hour time between 05:00 and 11:59, "
                                          "like 07:45")),
            "daily_cost": text_column("daily cost", _matches(
                r"£?\d{1,5}(\.\d{2})?", "Daily cost must be an amount in pounds up to £99,999, like 86.50")),
            "contract_ends_on": text_column("contract end date", _date_check(
                "Contract end date", earliest=dt.date(2020, 1, 1), latest=today.replace(year=today.year + 10))),
        },
        checks=[pupils_fit],
        strict=True, ordered=False,
    )


def transport_rows(frame: pd.DataFrame) -> list[dict]:
    c = _columns_as_lists(frame)
    ends = _dates(frame["contract_ends_on"])
    return [
        {"row_number": n + 2, "route_code": c["route_code"][n], "school_urn": c["school_urn"][n],
         "school_name": c["school_name"][n], "operator": c["operator"][n], "vehicle_type": c["vehicle_type"][n],
         "seats": int(c["seats"][n]), "pupils": int(c["pupils"][n]),
         "passenger_assistant": YES_NO[c["passenger_assistant"][n]],
         # As text: the bulk insert hands values straight to the driver, and sqlite3 has no time type.
         "morning_pickup": dt.time.fromisoformat(c["morning_pickup"][n]).isoformat(),
         "daily_cost_pence": round(float(c["daily_cost"][n].lstrip("£")) * 100), "contract_ends_on": ends[n]}
        for n in range(len(frame))
    ]


# --- the registry -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeclaredDataset:
    code: str
    name: str
    description: str
    schema: Callable[[], pa.DataFrameSchema]
    to_rows: Callable[[pd.DataFrame], list[dict]]
    unique: str  # the column no two rows may share
    upper: tuple[str, ...] = ()  # columns compared in capitals (codes people type in either case)
    lower: tuple[str, ...] = ()
    demo_file: str = ""

    @property
    def columns(self) -> list[str]:
        return list(self.schema().columns)


DATASETS: dict[str, DeclaredDataset] = {
    Dataset.SEN_PUPILS: DeclaredDataset(
        Dataset.SEN_PUPILS, "SEN pupil records",
        "Pupils with special educational needs: SEN support (K) or an education, health and care plan (E).",
        sen_schema, sen_rows, unique="upn", upper=("upn", "year_group", "sen_provision", "primary_need", "postcode"),
        demo_file="sen-pupils.csv"),
    Dataset.TRANSPORT_ROUTES: DeclaredDataset(
        Dataset.TRANSPORT_ROUTES, "Home to school transport routes",
        "The routes the council contracts to take eligible pupils to school, with vehicle, seats and cost.",
        transport_schema, transport_rows, unique="route_code", upper=("route_code",),
        lower=("vehicle_type", "passenger_assistant"), demo_file="transport-routes.csv"),
}


def dataset(code: str) -> DeclaredDataset:
    return DATASETS[code]


# --- reading and checking a file ----------------------------------------------------------------------

def _read(data: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [Problem(0, "", f"The file must be smaller than {MAX_BYTES // (1024 * 1024)}MB")]
    if not data.strip():
        return None, [Problem(0, "", "The file is empty")]
    try:
        if data.startswith(XLSX_MAGIC):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                    return None, [Problem(0, "", "The workbook is too large once unpacked: save it as CSV, "
                                                 "or split it into smaller files")]
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            if b"\x00" in data[:4096]:
                return None, [Problem(0, "", "The file must be a CSV or an Excel workbook (.xlsx)")]
            frame = pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False,
                                skipinitialspace=True)
    except UnicodeDecodeError:
        return None, [Problem(0, "", "The file must be a CSV saved as UTF-8, or an Excel workbook (.xlsx)")]
    except Exception:  # noqa: BLE001 - pandas and openpyxl raise many kinds for a broken file; one message
        return None, [Problem(0, "", "The file could not be read as a CSV or an Excel workbook (.xlsx)")]
    return frame, []


def _columns(frame: pd.DataFrame, declared: DeclaredDataset) -> list[Problem]:
    columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    columns = [re.sub(r"\.\d+$", "", c) if re.sub(r"\.\d+$", "", c) in columns else c for c in columns]
    expected = declared.columns
    missing = [c for c in expected if c not in columns]
    unexpected = [c or "(blank)" for c in columns if c not in expected]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if not (missing or unexpected or repeated):
        frame.columns = columns
        return []
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if unexpected:
        parts.append("unexpected " + ", ".join(unexpected[:10]))
    if repeated:
        parts.append("repeated " + ", ".join(repeated))
    return [Problem(1, "", f"The columns must be {', '.join(expected)}: " + "; ".join(parts))]


def check_file(data: bytes, code: str) -> Checked:
    """Read and check one uploaded file against dataset `code`'s schema; rows to store only if clean."""
    declared = dataset(code)
    frame, problems = _read(data)
    if problems:
        return Checked(problems=problems)
    problems = _columns(frame, declared)
    if problems:
        return Checked(problems=problems)
    if len(frame) == 0:
        return Checked(problems=[Problem(0, "", "The file has a header but no rows")])
    if len(frame) > MAX_ROWS:
        return Checked(problems=[Problem(0, "", f"The file must have {MAX_ROWS:,} rows or fewer")])
    frame = frame.reset_index(drop=True).astype(str).apply(lambda col: col.str.strip())
    for column in declared.upper:
        frame[column] = frame[column].str.upper()
    for column in declared.lower:
        frame[column] = frame[column].str.lower()
    schema = declared.schema()
    columns = list(schema.columns)
    problems = _validate(frame, schema)
    key = frame[declared.unique]
    repeated = key.duplicated(keep="first") & (key != "")
    if repeated.any():
        first_row = pd.Series(frame.index, index=key).groupby(level=0).first()
        problems += [Problem(int(i) + 2, declared.unique, f"{column_label(declared.unique)} is repeated: it is "
                             f"already on row {int(first_row[key.at[i]]) + 2}")
                     for i in frame.index[repeated][:MAX_STORED_ERRORS]]
    problems.sort(key=lambda p: (p.row, columns.index(p.column) if p.column in columns else 99))
    if problems:
        return Checked(problems=problems, row_count=len(frame))
    return Checked(rows=declared.to_rows(frame), row_count=len(frame))


def _validate(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[Problem]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems: dict[tuple[int, str], Problem] = {}
    # A check over the whole row names the column it is about (the check's name).
    row_checks = {check.error: check.name for check in schema.checks}
    for context, column, message, index in zip(cases["schema_context"], cases["column"], cases["check"],
                                               cases["index"]):
        if index is None or pd.isna(index):
            continue
        row = int(index) + 2
        if context == "DataFrameSchema":
            column = row_checks.get(message) or column
        key = (row, str(column))
        # One message per cell (the first rule it breaks), as a form shows one error per field.
        if key not in problems:
            text = str(message)
            if not text[:1].isupper():
                text = f"{column_label(str(column))} {text}"
            problems[key] = Problem(row, str(column), text)
    return list(problems.values())


def column_label(column: str) -> str:
    """A column's name as a sentence starts it: "upn" -> "UPN", "school_urn" -> "School URN"."""
    words = column.split("_")
    special = {"upn": "UPN", "urn": "URN", "ehc": "EHC", "sen": "SEN"}
    text = " ".join(special.get(word, word) for word in words)
    return text[:1].upper() + text[1:]


def formula_safe(value: object) -> str:
    """A cell value as text that a spreadsheet shows as text, never runs as a formula (for CSV exports)."""
    text = "" if value is None else str(value)
    return "'" + text if FORMULA_START.match(text) else text
