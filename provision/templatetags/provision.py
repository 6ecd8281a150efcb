"""Money and shares as the hub's pages print them."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pounds(pence: int | None, whole: str = "") -> str:
    """Pence as £1,234.56 (or £1,235 with `|pounds:"whole"`); a dash for no figure."""
    if pence is None:
        return "–"
    sign = "-" if pence < 0 else ""
    if whole:
        return f"{sign}£{round(abs(pence) / 100):,}"
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


@register.filter
def share(value: float | None) -> str:
    """A fraction as a percentage with one decimal place; "Not known" where there is no base."""
    if value is None:
        return "Not known"
    return f"{value * 100:.1f}%"
