"""The staff home's FOI section: requests waiting for this person (approval, or due soon)."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from oxtom.accounts.permissions import Permission

from . import selectors
from .models import OPEN_STAGES, FoiRequest


def foi_work(request: HttpRequest) -> dict[str, Any] | None:
    user = request.user
    if not user.has_permission(Permission.FOI_WORK):
        return None
    soon = selectors.due_soon_date()
    return {
        "approvals": selectors.for_approval(user)[:10],
        "due_soon": FoiRequest.objects.filter(stage__in=OPEN_STAGES, case__due_at__lte=soon).count(),
    }
