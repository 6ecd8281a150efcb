"""Write audit events. Called by services and by staff views of personal data.

Each event records the client's address. Services are called with an actor, not a
request, so the address travels beside the call: `AuditClientAddressMiddleware`
puts `oxtom.core.clientip.client_ip(request)` (the trusted proxy header only when
TRUSTED_PROXY_COUNT is set) in a context variable for the length of the request,
and every `audit_record` / `audit_record_many` made meanwhile reads it. Work outside
a request (Celery tasks, management commands) records no address; a caller holding
a request of its own may pass `request=` to say so explicitly.
"""
from __future__ import annotations

import contextvars
import ipaddress
from typing import Any, Callable, Iterable

from django.db import models
from django.http import HttpRequest, HttpResponse

from .clientip import client_ip
from .models import AuditEvent

_client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_address", default=None)


def _address(request: HttpRequest | None) -> str | None:
    """An IP address to store, or None (no request, or none the socket gave)."""
    if request is None:
        return _client_address.get()
    raw = client_ip(request)
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


class AuditClientAddressMiddleware:
    """Makes the client's address known to every audit event written while the request runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_address.set(_address(request))
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)


def audit_record(*, by: Any, action: str, target: models.Model, summary: str = "",
                 request: HttpRequest | None = None, **detail: Any) -> AuditEvent:
    """Append one audit event about `target`, acted on by `by` (a user or None for the system)."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:255],
        detail=detail,
        client_ip=_address(request),
    )


def audit_record_many(entries: Iterable[dict], *, by: Any) -> int:
    """Append many audit events in one INSERT per 1,000 (a nightly batch); returns how many.

    Each entry names `action`, `target_type` and `target_id` (as audit_record
    derives them from a model), and may give `summary` and `detail`; every
    event is acted on by `by`. Only inserted, never read back here.
    """
    from .bulk import insert_many

    actor_id = getattr(by, "pk", None) if getattr(by, "is_authenticated", False) else None
    address = _address(None)
    rows = []
    for entry in entries:
        unknown = set(entry) - {"action", "target_type", "target_id", "summary", "detail"}
        if unknown:
            raise ValueError(f"Unexpected audit fields {sorted(unknown)}")
        rows.append(dict(actor_id=actor_id, action=entry["action"], target_type=entry["target_type"],
                         target_id=str(entry["target_id"]), summary=str(entry.get("summary", ""))[:255],
                         detail=entry.get("detail") or {}, client_ip=address))
    insert_many(AuditEvent, rows)
    return len(rows)
