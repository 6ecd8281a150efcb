"""Scheduled jobs (oxtom/settings.py CELERY_BEAT_SCHEDULE): thin, each calls a service with today's date."""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True, time_limit=600)
def activate_starters() -> int:
    """Switch on starters' sign-ins on their start date (just after midnight, and again in the morning)."""
    return services.starters_activate_due(today=timezone.localdate())


@shared_task(acks_late=True, time_limit=600)
def deactivate_leavers() -> int:
    """Close leavers' sign-ins at the end of their last working day (and catch up in the morning)."""
    return services.leavers_deactivate_due(through=services.deactivation_cutoff())
