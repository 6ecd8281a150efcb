"""What the staff home shows besides roles and teams: sections that capabilities register.

The kernel imports no capability, so casework (my cases, due soon and overdue,
find a case) adds its section from its AppConfig.ready(), as it registers merge
relations and inbound-text handlers. A section is a template and a function
from the request to that template's context, or None when it has nothing for
this user. Each function must cost a constant number of queries.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django.http import HttpRequest

SectionContext = Callable[[HttpRequest], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Section:
    template: str
    context: dict[str, Any]


_SECTIONS: list[tuple[str, SectionContext]] = []


def register_staff_home_section(template: str, context: SectionContext) -> None:
    """Add a section (idempotent: ready() may run more than once in tests)."""
    if (template, context) not in _SECTIONS:
        _SECTIONS.append((template, context))


def sections_for(request: HttpRequest) -> list[Section]:
    out = []
    for template, context in _SECTIONS:
        data = context(request)
        if data is not None:
            out.append(Section(template, data))
    return out
