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

JSON bodies (the REST API under /api/, any `application/json` or `+json` POST,
PUT or PATCH) get the same treatment at the same depth: a NUL anywhere in the
body (raw, or as a `\u0000` escape in a key or a string) is a 400, and every
string (object keys too, passwords excepted) loses its invisible controls; the
body is re-serialised only when something was stripped. A body that is not
JSON (malformed, not UTF-8) is left as sent for the view's own parser to
refuse, and one larger than DATA_UPLOAD_MAX_MEMORY_SIZE is never read here (the
view's own limit answers it: the API's 413, or Django's 400).
A capability that answers errors in its own format (Open311's error list)
registers a responder for its path prefix with `register_bad_request_responder`.
"""
from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any, Callable

from django.conf import settings
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


_JSON_METHODS = ("POST", "PUT", "PATCH")


def _is_json(request: HttpRequest) -> bool:
    kind = (request.content_type or "").lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _cleaned_json(data: Any) -> tuple[Any, bool]:
    """(`data` with every string cleaned, whether anything changed). Raises ValueError(path) on a NUL.

    Iterative, so a deeply nested body the JSON decoder accepted cannot exhaust the stack here.
    """
    changed = False

    def clean(value: str, where: str, secret: bool) -> str:
        nonlocal changed
        if "\x00" in value:
            raise ValueError(where)
        if secret:
            return value
        out = clean_free_text(value)
        changed = changed or out != value
        return out

    root: list[Any] = [data]
    stack: list[tuple[Any, Any, str, bool]] = [(root, 0, "", False)]  # (container, index, path, secret)
    while stack:
        parent, index, where, secret = stack.pop()
        value = parent[index]
        if isinstance(value, str):
            parent[index] = clean(value, where, secret)
        elif isinstance(value, list):
            stack.extend((value, i, where, secret) for i in range(len(value)))
        elif isinstance(value, dict):
            items = list(value.items())
            value.clear()
            for key, item in items:
                name = clean(key, f"{where}.{key}" if where else key, False)
                value[name] = item
                stack.append((value, name, f"{where}.{name}" if where else name, secret or _is_secret(name)))
    return root[0], changed


def _clean_json_body(request: HttpRequest) -> None:
    """Clean the JSON body in place (see the module docstring). Raises ValueError(field) on a NUL."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return  # the view's own parser answers a nonsense length
    limit = getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None)
    if length <= 0 or (limit is not None and length > limit):
        return
    body = request.body
    if b"\x00" in body:
        raise ValueError("")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return  # not JSON: the view's parser refuses it in its own words
    data, changed = _cleaned_json(data)
    if changed:
        new = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request._body = new
        request._stream = BytesIO(new)
        request.META["CONTENT_LENGTH"] = str(len(new))


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
        elif request.method in _JSON_METHODS and _is_json(request):
            try:
                _clean_json_body(request)
            except ValueError as exc:
                return _refuse(request, "The request contains a character that cannot be used", _field(exc))
        return self.get_response(request)
