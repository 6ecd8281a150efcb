"""Request hygiene at the edge: one place for what no field of any form may carry.

* A NUL byte in the path or in any GET/POST parameter (name or value) is answered
  400 before a view runs. No field, selector or query has to check for it again
  (PostgreSQL refuses NUL in text outright, so one reaching a query was a 500).
* Bidirectional controls (LRE/RLE/LRO/RLO/PDF, the isolates, the LRM/RLM/ALM
  marks) and invisible zero-width characters (ZWSP, word joiner, BOM) are
  stripped from every GET and POST value, so free text shown to staff, other
  residents or the public cannot reorder itself ("Trojan Source") or hide words
  from search and moderation. ZWJ and ZWNJ are kept where they do real work,
  between two non-ASCII characters (emoji sequences, Persian and Indic words),
  and stripped inside ASCII words, where they only hide things.
  Password fields are left as typed: stripping them would change the secret.

Form-encoded bodies only: JSON bodies (the REST API) go through their serializers.
A capability that answers errors in its own format (Open311's error list)
registers a responder for its path prefix with `register_bad_request_responder`.
"""
from __future__ import annotations

import re
from typing import Callable

from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict

# Bidi embeddings/overrides/isolates and marks, and the invisible zero-width characters.
_ALWAYS = "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u180e"
_ALWAYS_RE = re.compile(f"[{_ALWAYS}]")
# ZWNJ / ZWJ unless both neighbours are non-ASCII.
_JOINER_RE = re.compile(r"(?<![^\x00-\x7f])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f])")
_ANY_INVISIBLE_RE = re.compile(f"[{_ALWAYS}\u200c\u200d]")

Responder = Callable[..., HttpResponse]  # (request, message, *, field) -> response
_responders: list[tuple[str, Responder]] = []


def clean_free_text(value: str) -> str:
    """`value` without bidi controls and hiding zero-width characters (see the module docstring)."""
    if not _ANY_INVISIBLE_RE.search(value):
        return value
    return _JOINER_RE.sub("", _ALWAYS_RE.sub("", value))


def register_bad_request_responder(prefix: str, responder: Responder) -> None:
    """Answer refused requests under `prefix` with `responder(request, message, field=name)`
    (`field` is the parameter's name, '' for the path); called in an app's ready()."""
    if all(p != prefix for p, _ in _responders):
        _responders.append((prefix, responder))


def _refuse(request: HttpRequest, message: str, field: str = "") -> HttpResponse:
    for prefix, responder in _responders:
        if request.path.startswith(prefix):
            return responder(request, message, field=field)
    raise BadRequest(message)


def _is_secret(name: str) -> bool:
    return "password" in name.lower()


def _cleaned(data: QueryDict) -> QueryDict | None:
    """A cleaned copy of `data`, or None when nothing needed cleaning. Raises ValueError on a NUL byte."""
    changed = False
    out = QueryDict(mutable=True, encoding=data.encoding)
    for name, values in data.lists():
        if "\x00" in name or any("\x00" in v for v in values if isinstance(v, str)):
            raise ValueError(name)
        if _is_secret(name):
            out.setlist(name, values)
            continue
        clean = [clean_free_text(v) if isinstance(v, str) else v for v in values]
        changed = changed or clean != values
        out.setlist(name, clean)
    if not changed:
        return None
    out._mutable = False
    return out


def _field(exc: ValueError) -> str:
    return str(exc.args[0]).replace("\x00", "") if exc.args else ""


class RequestHygieneMiddleware:
    """400 for a NUL byte anywhere in the path or parameters; invisible controls stripped from values."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return _refuse(request, "The address contains a character that cannot be used")
        try:
            get = _cleaned(request.GET)
        except ValueError as exc:
            return _refuse(request, "A search or link parameter contains a character that cannot be used",
                           _field(exc))
        if get is not None:
            request.GET = get
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                   "multipart/form-data"):
            try:
                post = _cleaned(request.POST)
            except ValueError as exc:
                return _refuse(request, "The form contains a character that cannot be used: remove it and try again",
                               _field(exc))
            except (RequestDataTooBig, TooManyFieldsSent):
                return _refuse(request, "The request is too large")
            if post is not None:
                request.POST = post
        return self.get_response(request)
