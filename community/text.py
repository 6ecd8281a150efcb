"""Checks for text people type into the directory and bookings: no control characters, bounded length."""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: object, *, label: str, max_length: int, required: bool = False, multiline: bool = False,
               required_message: str = "") -> str:
    """The text trimmed; ValidationError naming the field for control characters, too long, or missing."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").strip()
    if _CONTROL.search(text) or (not multiline and "\n" in text):
        raise ValidationError(f"{label} must not contain special characters", code="hostile")
    if len(text) > max_length:
        raise ValidationError(f"{label} must be {max_length:,} characters or fewer", code="max_length")
    if required and not text:
        raise ValidationError(required_message or f"Enter {label[0].lower() + label[1:]}", code="required")
    return text
