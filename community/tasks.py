"""Scheduled work for the directory and bookings (the beat schedule is in oxtom/settings.py).

Thin tasks: each calls a service that is safe to run twice (conditional
UPDATEs, outbox idempotency keys), so a double run or a killed worker
loses and duplicates nothing.
"""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.notify.services import notification_queue

# Entries unconfirmed for 12 months are flagged to their partners; a month later they are hidden.
FLAG_AFTER = dt.timedelta(days=365)
HIDE_AFTER = dt.timedelta(days=365 + 30)

TASK_OPTIONS = dict(acks_late=True, soft_time_limit=240, time_limit=300, autoretry_for=(Exception,),
                    retry_backoff=True, max_retries=5)


def confirmations_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Flag entries not confirmed for 12 months (telling the partners), hide those flagged a month unanswered."""
    from .models import PartnerMembership, Service
    from .services.directory import sync_listed

    now = now or timezone.now()
    flagged = hidden = 0
    for service in Service.objects.filter(confirmed_at__lte=now - FLAG_AFTER, flagged_at__isnull=True,
                                          hidden_at__isnull=True).select_related("organisation")[:2000]:
        with transaction.atomic():
            if not Service.objects.filter(pk=service.pk, flagged_at__isnull=True).update(flagged_at=now):
                continue
            audit_record(by=None, action="update", target=service, summary="Flagged: not confirmed for 12 months")
            for email in PartnerMembership.objects.filter(organisation=service.organisation_id) \
                    .values_list("user__email", flat=True):
                notification_queue(
                    customer=None, to=email, template="staff-alert", by=None,
                    context={"subject": "Please check your directory entry",
                             "message": f"{service.name} has not been confirmed for 12 months. Sign in and confirm it "
                                        "is still right, or change it, within 30 days or it will be hidden."},
                    idempotency_key=f"community:flag:{service.pk}:{service.confirmed_at:%Y%m%d}:{email}"[:200])
            flagged += 1
    for service in Service.objects.filter(confirmed_at__lte=now - HIDE_AFTER, hidden_at__isnull=True,
                                          flagged_at__lte=now - (HIDE_AFTER - FLAG_AFTER))[:2000]:
        with transaction.atomic():
            if Service.objects.filter(pk=service.pk, hidden_at__isnull=True).update(hidden_at=now):
                service.hidden_at = now
                sync_listed(service)
                audit_record(by=None, action="update", target=service, summary="Hidden: not confirmed")
                hidden += 1
    return {"flagged": flagged, "hidden": hidden}


@shared_task(**TASK_OPTIONS)
def check_confirmations() -> dict[str, int]:
    return confirmations_run()


@shared_task(**TASK_OPTIONS)
def expire_offers() -> int:
    from .services.bookings import expire_offers as run

    return run()


@shared_task(**TASK_OPTIONS)
def send_reminders() -> int:
    """Day-before reminders for event bookings and (as each service is configured) appointments."""
    from .services.appointments import appointment_reminders_send
    from .services.bookings import send_reminders as run

    return run() + appointment_reminders_send()
