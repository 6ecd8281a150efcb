"""Recruitment's background jobs. Thin: call a service."""
from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="people.tasks.expire_pool", ignore_result=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, soft_time_limit=100, time_limit=120)
def expire_pool() -> int:
    """Retention of the pool of talent: candidates whose consent has expired are removed (idempotent)."""
    from . import pool_index
    from .services import pool_expire

    removed = pool_expire()
    pool_index.rebuild()  # repairs any drift from a write made outside the services
    return removed
