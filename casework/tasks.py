"""The workbench's background jobs. Thin: find work, call a service."""
from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="casework.tasks.send_member_digests", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
    soft_time_limit=100, time_limit=120,
)
def send_member_digests() -> int:
    """Queue each councillor's weekly digest (idempotent per councillor per ISO week)."""
    from django.contrib.auth import get_user_model

    from .digest import member_digest_send

    sent = 0
    councillors = get_user_model().objects.filter(is_active=True, member_division__isnull=False)
    for councillor in councillors.select_related("member_division").order_by("pk"):
        if councillor.has_role("councillor"):
            sent += member_digest_send(councillor=councillor)
    return sent
