"""Display helpers for customer templates. Load with {% load customers %}."""
from __future__ import annotations

from django import template

from ..models import INTEREST_CHOICES
from ..validation import format_phone_for_display

register = template.Library()
_INTEREST_LABELS = dict(INTEREST_CHOICES)


@register.filter
def phone_display(value: str) -> str:
    """E.164 as people write it: +441865792422 -> 01865 792422."""
    return format_phone_for_display(value or "")


@register.filter
def interest_labels(codes: list[str]) -> list[str]:
    return [_INTEREST_LABELS.get(code, code) for code in (codes or [])]
