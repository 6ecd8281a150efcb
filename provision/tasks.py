"""The provision hub's background jobs. Thin: call a service."""
from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="provision.tasks.runway_alerts", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, soft_time_limit=100, time_limit=120)
def runway_alerts() -> int:
    """Tell the hub about contracts reaching a runway milestone (each milestone once)."""
    from .services import runway_alerts_send

    return runway_alerts_send()
