"""Performance background jobs. Thin: decide the months, call the service."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    name="performance.tasks.compute_measures", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3,
    soft_time_limit=1500, time_limit=1800,
)
def compute_measures(months: int | None = None) -> int:
    """Recompute every computed measure for recent months (nightly).

    Recent months are recomputed because late data (a case closed late, a
    contact logged the next day) changes them; closed periods are skipped by
    the service, so running twice, or after a crash, changes nothing.
    """
    count = int(months or getattr(settings, "PERFORMANCE_COMPUTE_MONTHS", 13))
    result = services.compute_measures(months=services.months_back(timezone.localdate(), count))
    logger.info("performance: %d values for %d open periods in %.1fs; %d locked periods skipped; %d errors",
                result.values_written, result.periods, result.seconds, result.skipped_locked, len(result.errors))
    return result.values_written
