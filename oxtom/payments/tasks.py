from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="oxtom.payments.tasks.sweep_payments", ignore_result=True, acks_late=True,
             soft_time_limit=240, time_limit=270)
def sweep_payments() -> dict:
    """Every 5 minutes (beat): poll payments stuck in created/started/submitted."""
    return services.payments_sweep()
