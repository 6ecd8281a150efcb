from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import AuditEvent, Heartbeat


@shared_task(name="oxtom.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat, run by a worker: proves both are alive for /healthz."""
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})


@shared_task(name="oxtom.core.tasks.purge_expired_records", ignore_result=True)
def purge_expired_records() -> int:
    """Apply the retention period to audit events."""
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(occurred_at__lt=cutoff).delete()
    from .submissions import purge_old_submissions

    return deleted + purge_old_submissions()


@shared_task(name="oxtom.core.tasks.purge_draft_uploads", ignore_result=True, acks_late=True, time_limit=600)
def purge_draft_uploads() -> int:
    """Hourly (beat): files parked by journeys given up on more than 24 hours ago."""
    from .uploads import draft_uploads_purge

    return draft_uploads_purge()
