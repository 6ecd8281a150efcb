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


@shared_task(name="insight.tasks.score_referrals", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, soft_time_limit=1500, time_limit=1800)
def score_referrals() -> int:
    """Score this week's MASH referrals with the signed-off model (weekly): a rerun of the week adds nothing twice."""
    run = services.risk_scores_compute()
    if run is None:
        return 0
    logger.info("insight: week %s, %d referrals scored, %d closed cases flagged in %.1fs", run.week, run.scored,
                run.flagged, run.seconds)
    return run.scored


@shared_task(name="insight.tasks.train_risk_model", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, soft_time_limit=1700, time_limit=1800)
def train_risk_model(run_id: int) -> int | None:
    """Train the version an analyst asked for on the training form (a redelivery trains nothing twice)."""
    run = services.training_run(run_id)
    if run is None:
        return None
    logger.info("insight: training run %s %s (version %s)", run.pk, run.status, run.version_id)
    return run.version_id
