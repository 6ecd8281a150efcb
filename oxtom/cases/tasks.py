"""The case engine's background jobs. Thin: find work, call a service per case."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from .services import case_escalate_overdue, overdue_unescalated

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES = 20  # 10,000 cases a run; anything left is picked up by the next run


@shared_task(
    name="oxtom.cases.tasks.escalate_overdue", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
    soft_time_limit=100, time_limit=120,
)
def escalate_overdue() -> int:
    """Escalate every case that has newly gone overdue; returns how many were escalated.

    Safe to run twice at once or after a crash: each case is claimed with a
    conditional UPDATE (case_escalate_overdue), so it is escalated once per due date.
    """
    escalated = 0
    for _ in range(MAX_BATCHES):
        ids = list(overdue_unescalated().order_by("due_at", "id").values_list("id", flat=True)[:BATCH_SIZE])
        if not ids:
            break
        for case_id in ids:
            escalated += case_escalate_overdue(case_id=case_id)
        if len(ids) < BATCH_SIZE:
            break
    if escalated:
        logger.info("escalated %d overdue cases", escalated)
    return escalated
