"""The staff home's complaints section: for the complaints team, what is waiting; for anyone who owns a
complaint's learning action, their open actions to mark done."""
from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from oxtom.cases.models import Status

from .models import ComplaintStage, LearningAction
from .services import can_handle_complaints

SHOWN = 10


def complaints_section(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    actions = list(LearningAction.objects.filter(owner=user, done_at__isnull=True).select_related("complaint")
                   .order_by("due_on", "id")[:SHOWN])
    waiting = None
    if can_handle_complaints(user):
        waiting = ComplaintStage.objects.filter(responded_on__isnull=True).exclude(case__status=Status.CLOSED).aggregate(
            acknowledge=Count("pk", filter=Q(acknowledged_on__isnull=True)),
            respond=Count("pk", filter=Q(acknowledged_on__isnull=False)))
    if not actions and waiting is None:
        return None
    return {"actions": actions, "waiting": waiting}
