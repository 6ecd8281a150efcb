"""Answers as people read them: the question asked and a formatted value, never a Python value.

The record behind a case (a street report, an application, an enquiry) is
owned by a capability that knows its own questions; each turns its answers
into `Row`s for the case pages through oxtom/cases/owners.py. The formatting
they share lives here, so that on every page a date reads "17 August 1990",
a yes/no question "Yes", a choice its label, a number its unit and a list
one item a line. `readable` is the last resort for a value no question
describes: it still never shows a dict, a list or a field key.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .formats import govuk_date, govuk_datetime

NOT_GIVEN = "Not given"

# Number questions whose code carries the unit ("depth_mm"), for catalogues that do not name one.
_UNIT_SUFFIXES = {"mm": "mm", "cm": "cm", "m": "metres", "km": "km", "kg": "kg", "pence": "pence",
                  "days": "days", "months": "months", "years": "years"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Row:
    """One answer: the question as it was asked, the value as words (lines split by newlines), any files."""

    question: str
    value: str = ""
    links: tuple[Link, ...] = field(default_factory=tuple)


def long_date(value: dt.date) -> str:
    """17 August 1990 (oxtom.core.formats: GOV.UK style)."""
    return govuk_date(value)


def long_datetime(value: dt.datetime) -> str:
    """17 August 1990 at 6:18pm (oxtom.core.formats: GOV.UK style, in the council's time zone)."""
    return govuk_datetime(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def number_text(value: Any, unit: str = "") -> str:
    """1,250 mm; 2.5 metres. A value that is not a number is shown as the words given."""
    number = _as_number(value)
    if number is None:
        return readable(value)
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        text = f"{number.normalize():,f}"
    return f"{text} {unit}" if unit else text


def unit_for(code: str, declared: str = "") -> str:
    """The unit a number answer is shown with: the one the question declares, else the code's suffix."""
    if declared:
        return declared
    suffix = code.rsplit("_", 1)[-1] if "_" in code else ""
    return _UNIT_SUFFIXES.get(suffix, "")


def humanise(code: str) -> str:
    """A label for a field no question describes: "date_of_birth" -> "Date of birth", "depth_mm" -> "Depth (mm)"."""
    text = str(code).strip()
    unit = ""
    if "_" in text and text.rsplit("_", 1)[-1] in _UNIT_SUFFIXES:
        text, unit = text.rsplit("_", 1)
    words = text.replace("_", " ").replace("-", " ").strip()
    words = words[:1].upper() + words[1:] if words else "Answer"
    return f"{words} ({_UNIT_SUFFIXES[unit]})" if unit else words


def yes_no(value: Any) -> str | None:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and value.strip().lower() in ("yes", "y", "true"):
        return "Yes"
    if isinstance(value, str) and value.strip().lower() in ("no", "n", "false"):
        return "No"
    return None


def readable(value: Any) -> str:
    """Words for any stored value, with no question to guide us: never a repr, a brace or a bracket."""
    if value is None or value == "" or value == [] or value == {}:
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float, Decimal)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return long_datetime(value)
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, str):
        as_date = _as_date(value)
        if as_date is not None:
            return long_date(as_date)
        as_datetime = _as_datetime(value)
        if as_datetime is not None:
            return long_datetime(as_datetime)
        return value
    if isinstance(value, Mapping):
        return "\n".join(f"{humanise(k)}: {readable(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return "\n".join(readable(v) for v in value)
    return str(value)


def format_answer(value: Any, *, kind: str = "text", choices: Mapping[str, str] | None = None,
                  unit: str = "") -> str:
    """One answer as words, by the kind of question that asked it.

    kind: text | string | number | date | datetime | yesno | choice | multichoice
    (Open311's singlevaluelist and multivaluelist are choice and multichoice).
    Choice values show their labels; a key no longer among the choices shows as given.
    """
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    kind = {"singlevaluelist": "choice", "multivaluelist": "multichoice", "string": "text"}.get(kind, kind)
    if kind in ("choice", "multichoice") or (choices and kind not in ("yesno",)):
        names = {str(k): str(v) for k, v in (choices or {}).items()}
        items = value if isinstance(value, (list, tuple)) else [value]
        return "\n".join(names.get(str(v), readable(v)) for v in items)
    if kind == "yesno":
        return yes_no(value) or readable(value)
    if kind == "number":
        return number_text(value, unit)
    if kind == "date":
        as_date = _as_date(value)
        return long_date(as_date) if as_date is not None else readable(value)
    if kind == "datetime":
        as_datetime = _as_datetime(value)
        return long_datetime(as_datetime) if as_datetime is not None else readable(value)
    return readable(value)


def generic_rows(answers: Mapping[str, Any] | None, *, labels: Mapping[str, str] | None = None,
                 skip: frozenset[str] | set[str] = frozenset()) -> list[Row]:
    """Rows for answers no catalogue describes: the label given for a key, else the key in words."""
    labels = labels or {}
    rows = []
    for key, value in (answers or {}).items():
        if key in skip:
            continue
        rows.append(Row(labels.get(key) or humanise(key), readable(value)))
    return rows
