"""Celery tasks for notifications: thin wrappers that take ids and call services."""
from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Publishing happens in a web request's on_commit hook: if the broker is down,
# give up within about a second and leave the row to the sweeper rather than
# hang the resident's page.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


@shared_task(
    bind=True,
    name="oxtom.notify.tasks.dispatch_message",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,  # = services.max_send_seconds: the lease heartbeat stops renewing by then
    max_retries=None,  # attempts are counted on the outbox row, not here
    autoretry_for=(OperationalError, InterfaceError),  # the database itself was unreachable
    retry_kwargs={"max_retries": 10},
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def dispatch_message(self, message_id: str) -> str:
    """Send one outbox message; on a failed attempt schedule the next with exponential backoff."""
    result = services.message_dispatch(message_id=uuid.UUID(str(message_id)), worker=self.request.hostname or "")
    if result.retry_in is not None:
        # The row already says when it is next due; if this retry message is
        # lost the sweeper finds the row anyway.
        raise self.retry(countdown=result.retry_in, max_retries=None)
    return result.outcome


@shared_task(name="oxtom.notify.tasks.sweep_outbox", ignore_result=True, acks_late=True, soft_time_limit=50, time_limit=55)
def sweep_outbox(older_than_seconds: float | None = None) -> dict:
    """Every minute (beat): re-enqueue stranded messages and take back abandoned claims."""
    result = services.outbox_sweep(older_than_seconds=older_than_seconds)
    return {"requeued": result.requeued, "expired_leases": result.expired_leases, "dead_lettered": result.dead_lettered}


def enqueue_dispatch(message_id: uuid.UUID, *, urgent: bool = False) -> bool:
    """Publish a dispatch task; False (logged, not raised) if the broker can't take it.

    `urgent` (a message taken back from a killed worker) goes ahead of queued everyday tasks.
    """
    from django.conf import settings

    options = {"priority": settings.URGENT_TASK_PRIORITY} if urgent else {}
    try:
        dispatch_message.apply_async((str(message_id),), retry=True, retry_policy=PUBLISH_RETRY_POLICY, **options)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the committed row is the safety net
        logger.warning("notify: could not enqueue message %s (%s); the sweeper will retry", message_id, type(exc).__name__)
        return False
    return True
