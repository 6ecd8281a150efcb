"""Renewal background jobs: thin wrappers around the set-based services."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services


@shared_task(
    name="applications.renewals.tasks.nightly_run", ignore_result=False, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
    soft_time_limit=1500, time_limit=1800,
)
def nightly_run() -> dict:
    """Beat, every night: act on replies, lapse, invite, remind. Safe to repeat or run after a crash
    (every step picks only rows still waiting for it; see services.py)."""
    batch_size = int(getattr(settings, "RENEWALS_BATCH_SIZE", services.BATCH_SIZE))
    return services.renewals_run(batch_size=batch_size).as_dict()


@shared_task(
    name="applications.renewals.tasks.apply_replies", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
    soft_time_limit=250, time_limit=300,
)
def apply_replies(max_batches: int = 50) -> int:
    """Beat, every few minutes: act on YES replies that were recorded but not yet acted on."""
    done = 0
    for _ in range(max_batches):
        count = services.renewals_apply_pending_replies()
        if not count:
            break
        done += count
    # Renewal fees under saved-card agreements whose task never ran (a broker outage at the YES).
    services.renewals_pay_pending_by_agreement()
    return done


@shared_task(
    name="applications.renewals.tasks.pay_renewals_by_agreement", ignore_result=True, acks_late=True,
    autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5,
    soft_time_limit=250, time_limit=300,
)
def pay_renewals_by_agreement(application_ids: list[int]) -> dict:
    """After YES replies commit: take the renewal fees under the payers' saved-card agreements.

    Safe to repeat (one payment key per application); payments the provider has not settled are
    finished by the payments sweeper, which runs the same success and failure handlers."""
    return services.renewals_pay_by_agreement(application_ids=application_ids)
