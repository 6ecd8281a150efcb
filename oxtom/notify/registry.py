"""Which placeholders each message code is sent with, registered by the app that sends it (in its ready()).

A template edited in the admin may then use only those (and the site's own, templating.site_context): a
placeholder the code never fills would make every send of that message refuse (TemplateContextError) inside the
event that asked for it, so the edit is refused instead. Codes nobody registered are not checked.
"""
from __future__ import annotations

from collections.abc import Iterable

_PLACEHOLDERS: dict[str, frozenset[str]] = {}


def register_placeholders(code: str, names: Iterable[str]) -> None:
    """The context keys `code` is always queued with."""
    _PLACEHOLDERS[code] = frozenset(names)


def allowed_placeholders(code: str) -> frozenset[str] | None:
    """What a template of `code` may use, or None when its sender registered nothing."""
    names = _PLACEHOLDERS.get(code)
    if names is None:
        return None
    from .templating import SITE_PLACEHOLDERS

    return names | SITE_PLACEHOLDERS
