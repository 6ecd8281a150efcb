from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="applications.tasks.reconcile_paid", ignore_result=True, acks_late=True,
             soft_time_limit=240, time_limit=270)
def reconcile_paid() -> dict:
    """Every 10 minutes (beat): issue anything paid for whose success handler did not finish, and send the
    refunds owed for renewals not made (their permit stopped first) that the provider has not answered yet."""
    counts = services.applications_reconcile_paid()
    counts.update(services.renewal_refunds_send())
    return counts
