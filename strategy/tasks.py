"""Strategy background jobs. Thin: call the service."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from .services import pmo

logger = logging.getLogger(__name__)


@shared_task(name="strategy.tasks.chase_late_highlights", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, soft_time_limit=240, time_limit=300)
def chase_late_highlights() -> int:
    """Email the manager of each project whose highlight report is late (once per project and month)."""
    chased = pmo.chase_late_highlights()
    logger.info("strategy: chased %d late highlight reports", chased)
    return chased
