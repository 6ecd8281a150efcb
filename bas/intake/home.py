"""The staff home's post room section: how much post is waiting, for business admin officers only."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors
from .services import can_work_intake


def post_waiting(request: HttpRequest) -> dict[str, Any] | None:
    if not can_work_intake(request.user):
        return None
    return {"waiting": selectors.unrouted_count()}
