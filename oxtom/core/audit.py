"""Write audit events. Called by services and by staff views of personal data."""
from __future__ import annotations

from typing import Any, Iterable

from django.db import models

from .models import AuditEvent


def audit_record(*, by: Any, action: str, target: models.Model, summary: str = "", **detail: Any) -> AuditEvent:
    """Append one audit event about `target`, acted on by `by` (a user or None for the system)."""
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:255],
        detail=detail,
    )


def audit_record_many(entries: Iterable[dict], *, by: Any) -> int:
    """Append many audit events in one INSERT per 1,000 (a nightly batch); returns how many.

    Each entry names `action`, `target_type` and `target_id` (as audit_record
    derives them from a model), and may give `summary` and `detail`; every
    event is acted on by `by`. Only inserted, never read back here.
    """
    from .bulk import insert_many

    actor_id = getattr(by, "pk", None) if getattr(by, "is_authenticated", False) else None
    rows = []
    for entry in entries:
        unknown = set(entry) - {"action", "target_type", "target_id", "summary", "detail"}
        if unknown:
            raise ValueError(f"Unexpected audit fields {sorted(unknown)}")
        rows.append(dict(actor_id=actor_id, action=entry["action"], target_type=entry["target_type"],
                         target_id=str(entry["target_id"]), summary=str(entry.get("summary", ""))[:255],
                         detail=entry.get("detail") or {}))
    insert_many(AuditEvent, rows)
    return len(rows)
