"""Shares as the hub's pages print them (money is the built-in `pounds` filter, oxtom/core/money.py)."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def share(value: float | None) -> str:
    """A fraction as a percentage with one decimal place; "Not known" where there is no base."""
    if value is None:
        return "Not known"
    return f"{value * 100:.1f}%"
