"""Insight background jobs. Thin: call the service."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="insight.tasks.forecast_measures", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, soft_time_limit=1500, time_limit=1800)
def forecast_measures() -> int:
    """Recompute every demand forecast (nightly, after the measures): a rerun replaces, never duplicates."""
    result = services.forecasts_compute()
    logger.info("insight: %d series forecast (%d shown, %d too short, %d low volume) in %.1fs", result.series,
                result.shown, result.too_short, result.low_volume, result.seconds)
    return result.series
