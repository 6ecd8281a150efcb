"""The staff home's FOI section: requests waiting for this person (approval, or due soon)."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors, services
from .models import OPEN_STAGES, FoiRequest


def foi_work(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not services.is_foi_staff(user):  # the FOI pages' own rule: the permission and the FOI team
        return None
    soon = selectors.due_soon_date()
    return {
        "approvals": selectors.for_approval(user)[:10],
        "due_soon": FoiRequest.objects.filter(stage__in=OPEN_STAGES, case__due_at__lte=soon).count(),
    }


def foi_allocations(request: HttpRequest) -> dict[str, Any] | None:
    """FOI allocations asked of the user's teams (the service holding the information), soonest due first."""
    rows = selectors.open_allocations_for(request.user, limit=6)
    if not rows:
        return None
    return {"allocations": rows[:5], "more": len(rows) > 5}
