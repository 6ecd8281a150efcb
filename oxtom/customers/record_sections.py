"""What the staff customer record shows besides the kernel's own parts: sections the capabilities register.

The kernel imports no capability, so Apply for it adds "Permits, badges and passes" to the record
from its AppConfig.ready(), as it registers merge moves and timeline scopes. A section is a template
and a function `context(user, customer)` giving that template's context, or None when it has nothing
for this reader. Each function reads through its own app's selectors scoped to `user` (a reader sees
and is linked to only what those selectors allow) and costs a constant number of queries whatever
the customer holds.

A section may name what it showed under `"audited"` (e.g. "3 permits, badges or passes"): the
record page writes it into its one audit event for the view, so the audit trail says what personal
data the page put in front of the reader.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

SectionContext = Callable[[Any, Any], "dict[str, Any] | None"]


@dataclass(frozen=True)
class RecordSection:
    template: str
    context: dict[str, Any]


_SECTIONS: list[tuple[str, SectionContext]] = []


def register_record_section(template: str, context: SectionContext) -> None:
    """Add a section (idempotent: ready() may run more than once in tests)."""
    if (template, context) not in _SECTIONS:
        _SECTIONS.append((template, context))


def record_sections_for(user: Any, customer: Any) -> list[RecordSection]:
    out = []
    for template, context in _SECTIONS:
        data = context(user, customer)
        if data is not None:
            out.append(RecordSection(template, data))
    return out
