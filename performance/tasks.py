"""Performance background jobs. Thin: decide the months, call the service."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from . import reports, services
from .models import Period

logger = logging.getLogger(__name__)

# Publishing happens after an analyst's close commits: give up within a second rather than hang the page.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


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
    logger.info("performance: %d values for %d open periods in %.1fs; %d locked periods skipped; %d errors; "
                "%d measures whose data is not installed", result.values_written, result.periods, result.seconds,
                result.skipped_locked, len(result.errors), len(result.unavailable))
    # The sweeper for Cabinet reports: a period closed while the broker was down still gets its report.
    # One report that cannot be made must neither stop the others nor fail (and so retry) the whole
    # computation, whose figures are already stored: it is logged and tried again tomorrow.
    for period in reports.missing_reports():
        try:
            reports.cabinet_report_generate(period=period)
        except Exception:  # noqa: BLE001
            logger.exception("performance: could not make the Cabinet report for %s", period.label)
    return result.values_written


@shared_task(
    name="performance.tasks.generate_cabinet_report", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, soft_time_limit=100, time_limit=120,
)
def generate_cabinet_report(period_id: int) -> int:
    """Make the Cabinet report of a period that has just closed (once; a rerun returns the stored one)."""
    period = Period.objects.get(pk=period_id)
    return reports.cabinet_report_generate(period=period).pk


def enqueue_report(period_id: int) -> bool:
    """Publish generate_cabinet_report; False (logged, not raised) if the broker can't take it."""
    try:
        generate_cabinet_report.apply_async((period_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the nightly job is the safety net
        logger.warning("performance: could not queue the report for period %s (%s)", period_id, type(exc).__name__)
        return False
    return True
