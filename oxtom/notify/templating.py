"""Fill a message template's ((placeholders)) from a context, or refuse loudly.

A message with a hole in it ("Dear ((first_name))" or "Dear ,") is worse than
no message: it reaches a resident and cannot be taken back. So a missing,
empty-None or unknown placeholder raises here, inside the transaction of the
event that asked for the message, and nothing is queued.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .models import PLACEHOLDER_RE, MessageTemplate


class TemplateNotFound(LookupError):
    """No template with that code (for that channel): a programming or set-up error."""


class TemplateContextError(ValueError):
    """The context lacks a value the template needs."""

    def __init__(self, code: str, missing: list[str]):
        self.code = code
        self.missing = missing
        super().__init__(f"Template {code!r} needs {', '.join(missing)} but the context has no value for it")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def missing_placeholders(text: str, context: Mapping[str, Any]) -> list[str]:
    return sorted({name for name in PLACEHOLDER_RE.findall(text or "") if context.get(name) is None})


def render_text(text: str, context: Mapping[str, Any], *, code: str = "") -> str:
    """One pass: a value that itself contains ((x)) is left as typed, never expanded."""
    missing = missing_placeholders(text, context)
    if missing:
        raise TemplateContextError(code, missing)
    return PLACEHOLDER_RE.sub(lambda m: str(context[m.group(1)]), text or "")


SITE_PLACEHOLDERS = frozenset({"council_phone", "council_name"})


def site_context() -> dict[str, str]:
    """Facts every template may use, from settings, so a message never carries its own copy
    of the council's phone number: ((council_phone)), ((council_name))."""
    from django.conf import settings

    return {"council_phone": settings.COUNCIL_PHONE, "council_name": settings.SITE_NAME}


def render(template: MessageTemplate, context: Mapping[str, Any], *, subject: str | None = None) -> Rendered:
    """The subject (override or template's) and body, filled in.

    Subjects are folded onto one line: a value with a line break must not
    become an email header injection or a broken letter heading. The site's
    own facts (site_context) come from settings and cannot be overridden.
    """
    context = {**context, **site_context()}
    missing = sorted(
        set(missing_placeholders(template.body, context))
        | set(missing_placeholders(subject if subject is not None else template.subject, context))
    )
    if missing:
        raise TemplateContextError(template.code, missing)
    subject_text = render_text(subject if subject is not None else template.subject, context, code=template.code)
    return Rendered(
        subject=" ".join(subject_text.split())[:200],
        body=render_text(template.body, context, code=template.code),
    )
