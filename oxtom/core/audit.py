"""Write audit events. Called by services and by staff views of personal data."""
from __future__ import annotations

from typing import Any

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
