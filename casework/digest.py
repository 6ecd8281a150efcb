"""Councillors' weekly digest of their division's cases ("no surprises")."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from oxtom.cases import rules
from oxtom.cases.models import Case, Status


DIGEST_LIST_LIMIT = 10


def member_digest_send(*, councillor: Any, on: dt.date | None = None) -> bool:
    """Email a councillor what is new and what is overdue in their division this week.

    Counts and references only (no names or addresses: email is not the place
    for constituents' details). Queued through the outbox with one key per
    councillor per ISO week, so a re-run or a retried task sends nothing more.
    Returns True if a message was queued by this call, False if there was
    nothing to say or it had already gone.
    """
    from oxtom.notify.models import OutboundMessage
    from oxtom.notify.services import notification_queue

    if not (councillor.is_active and councillor.has_role("councillor") and councillor.member_division_id
            and councillor.email):
        return False
    on = on or rules.today()
    year, week, _ = on.isocalendar()
    key = f"member-digest:{councillor.pk}:{year}-W{week:02d}"
    if OutboundMessage.objects.filter(idempotency_key=key).exists():
        return False
    week_start = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=7), dt.time.min))
    visible = Case.objects.for_user(councillor).filter(division_id=councillor.member_division_id)
    new = list(visible.filter(received_at__gte=week_start).select_related("service")
               .order_by("-received_at", "-id")[:DIGEST_LIST_LIMIT])
    new_count = visible.filter(received_at__gte=week_start).count() if len(new) == DIGEST_LIST_LIMIT else len(new)
    from oxtom.cases.selectors import sla_q

    overdue_q = visible.exclude(status=Status.CLOSED).filter(sla_q(rules.SlaState.OVERDUE, on))
    overdue = list(overdue_q.select_related("service").order_by("due_at", "id")[:DIGEST_LIST_LIMIT])
    overdue_count = overdue_q.count() if len(overdue) == DIGEST_LIST_LIMIT else len(overdue)
    if not new_count and not overdue_count:
        return False
    lines = [f"Your division, {councillor.member_division}: the week to {on:%-d %B %Y}.", ""]
    lines.append(f"New cases: {new_count}")
    lines += [f"- {c.reference}: {c.service.name}" for c in new]
    lines.append("")
    lines.append(f"Overdue cases: {overdue_count}")
    lines += [f"- {c.reference}: {c.service.name}, due {c.due_at:%-d %B}" for c in overdue]
    with transaction.atomic():
        notification_queue(
            customer=None, template="staff-alert", to=councillor.email, by=None, idempotency_key=key,
            context={"subject": f"Your division this week: {new_count} new, {overdue_count} overdue",
                     "message": "\n".join(lines)},
        )
    return True
