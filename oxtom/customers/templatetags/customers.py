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


@register.filter
def address_lines(customer) -> list[str]:
    """The address as the lines that exist, for display one per line."""
    return [line for line in (customer.address_line_1, customer.address_line_2, customer.town, customer.postcode) if line]


@register.filter
def full_name(customer) -> str:
    """Title, first and last name, without gaps where one is missing."""
    return " ".join(part for part in (customer.title, customer.first_name, customer.last_name) if part)
