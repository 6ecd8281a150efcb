"""Periodic housekeeping for assisted digital. Thin: the services do the work."""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="oxtom.customers.tasks.sweep_assisted", acks_late=True, ignore_result=True,
             soft_time_limit=120, time_limit=180)
def sweep_assisted() -> dict:
    """End acting-for sessions past their expiry and close chats left idle. Safe to run twice at once."""
    return {
        "sessions_expired": services.assisted_sessions_expire(),
        "chats_closed": services.webchats_close_idle(),
    }
