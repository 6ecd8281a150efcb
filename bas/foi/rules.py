"""Pure FOI rules: the cost limit, the extension each regime allows, and the personal-data check.

No database access, so each rule is tested on its own and shared by services and pages.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from oxtom.core.calendar import Calendar, add_working_days

# The Freedom of Information and Data Protection (Appropriate Limit and Fees) Regulations 2004:
# £450 for local government, staff time at £25 an hour, so 18 hours.
COST_LIMIT_POUNDS = 450
HOURLY_RATE_POUNDS = 25
COST_LIMIT_HOURS = Decimal(COST_LIMIT_POUNDS) / Decimal(HOURLY_RATE_POUNDS)

TARGET_WORKING_DAYS = 20
EIR_EXTENDED_WORKING_DAYS = 40  # EIR reg 7: complex and voluminous requests
FOI_PIE_EXTRA_WORKING_DAYS = 20  # FOIA s10(3): a "reasonable" extension; the ICO's guidance is 20 more days
REVIEW_WORKING_DAYS = 20
# The ICO's guidance (section 45 code of practice): ask for an internal review within 40 working days of the response.
REVIEW_WINDOW_WORKING_DAYS = 40
CALENDAR = Calendar.ANY_UK_NATION  # FOIA s10(6): a bank holiday anywhere in the UK is not a working day


def over_cost_limit(hours: Decimal | float | int | None) -> bool:
    return hours is not None and Decimal(str(hours)) > COST_LIMIT_HOURS


def estimated_cost(hours: Decimal | float | int) -> Decimal:
    return (Decimal(str(hours)) * HOURLY_RATE_POUNDS).quantize(Decimal("0.01"))


def statutory_due(received_on: dt.date, working_days: int = TARGET_WORKING_DAYS) -> dt.date:
    """Day one is the first working day after receipt; any UK nation's bank holidays are skipped."""
    return add_working_days(received_on, working_days, CALENDAR)


def extended_due(*, regime: str, clock_started_on: dt.date, current_due: dt.date) -> dt.date:
    """The latest due date an extension can give: 40 working days from the start (EIR), or 20 more (FOI)."""
    if regime == "eir":
        return add_working_days(clock_started_on, EIR_EXTENDED_WORKING_DAYS, CALENDAR)
    return add_working_days(current_due, FOI_PIE_EXTRA_WORKING_DAYS, CALENDAR)


def review_asked_by(sent_on: dt.date) -> dt.date:
    """The last day a requester may ask for an internal review of a response sent on `sent_on`."""
    return add_working_days(sent_on, REVIEW_WINDOW_WORKING_DAYS, CALENDAR)


# --- the personal data check ----------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    kind: str
    found: str
    context: str


_EMAIL = re.compile(r"\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# UK numbers: 01/02/03/07/08 and +44, with the usual spaces, dashes and brackets.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)\d(?:[\s\-)]{0,2}\d){8,9}(?!\d)")
# National Insurance numbers (HMRC's letter rules: no D, F, I, Q, U, V; second letter not O).
_NI = re.compile(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")
_EMPLOYEE = re.compile(
    r"\b(?:employee|payroll|staff|personnel|emp)\.?\s*(?:no\.?|number|num|id|ref(?:erence)?)?\s*[:#.]?\s*"
    r"([A-Z]{0,3}-?\d{4,10})\b", re.IGNORECASE)
_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
# A house number then, on the same line and within a few words, a full postcode.
_ADDRESS = re.compile(r"\b\d{1,4}[A-Za-z]?,?\s+[A-Za-z][^\n\d@]{2,60}?\b" + _POSTCODE + r"\b")

MAX_HITS = 500  # per document: past this the officer is told to look at the document as a whole


def _context(text: str, start: int, end: int) -> str:
    left, right = max(0, start - 40), min(len(text), end + 40)
    return " ".join(text[left:right].split())[:300]


def names_from(lines: str) -> list[str]:
    """The names to look for: one a line, two characters at least (initials alone match too much)."""
    names = []
    for line in (lines or "").splitlines():
        name = " ".join(line.split())
        if len(name) >= 2 and name.casefold() not in {n.casefold() for n in names}:
            names.append(name[:100])
    return names[:50]


def scan(text: str, *, names: list[str] = ()) -> list[Hit]:
    """Personal data in `text`: names given, emails, phone numbers, NI numbers, employee numbers, addresses."""
    text = text or ""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, match_start: int, match_end: int, found: str) -> None:
        if any(s < match_end and match_start < e for s, e in taken):
            return  # already part of another hit (an email's digits are not a phone number)
        taken.append((match_start, match_end))
        hits.append(Hit(kind, found.strip()[:200], _context(text, match_start, match_end)))

    for match in _EMAIL.finditer(text):
        add("email", match.start(), match.end(), match.group())
    for match in _NI.finditer(text):
        add("ni_number", match.start(), match.end(), match.group())
    for match in _EMPLOYEE.finditer(text):
        add("employee", match.start(), match.end(), match.group())
    for match in _ADDRESS.finditer(text):
        add("address", match.start(), match.end(), match.group())
    for match in _PHONE.finditer(text):
        add("phone", match.start(), match.end(), match.group())
    for name in names:
        for match in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE):
            add("name", match.start(), match.end(), match.group())
    return hits[:MAX_HITS]


REDACTED = "[redacted]"


def redact(text: str, found: str) -> str:
    """`text` with every occurrence of `found` replaced (case-insensitive for names and emails)."""
    if not found:
        return text
    return re.sub(re.escape(found), REDACTED, text or "", flags=re.IGNORECASE)
