"""Money as people read it. Amounts are whole pence (int) everywhere; this is the one place they become pounds.

    pounds(123456)            -> "£1,234.56"
    pounds(123456, whole=True) -> "£1,235"
    pounds(-250)              -> "-£2.50"
    pounds(None)              -> "–"
    decimal_pounds(123456)    -> "1234.56" (CSV and open data: no sign, no separators)

Templates use the built-in filter `{{ amount_pence|pounds }}` (`|pounds:"whole"`),
from oxtom/core/templatetags/govuk_format.py.
"""
from __future__ import annotations

NO_FIGURE = "–"


def pounds(pence: int | None, whole: bool | str = False) -> str:
    """Pence as £1,234.56, or rounded to whole pounds; negative as -£1.00; a dash for no figure."""
    if pence is None or pence == "":
        return NO_FIGURE
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    magnitude = abs(pence)
    if whole:
        return f"{sign}£{(magnitude + 50) // 100:,}"
    return f"{sign}£{magnitude // 100:,}.{magnitude % 100:02d}"


def decimal_pounds(pence: int) -> str:
    """Pence as a plain decimal number of pounds, 1234.56, for CSV and open data files."""
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"
