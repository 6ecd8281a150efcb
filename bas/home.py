"""The staff home's business admin section: ask for help, your open requests, and (for BAS teams) the queue."""
from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors

HOME_LIMIT = 5


def bas_section(request: HttpRequest) -> dict[str, Any] | None:
    """Every member of staff: the link to the menu, their open requests (at most five) and how many wait for
    a rating; BAS officers also see their teams' waiting counts. At most five queries."""
    user = request.user
    if not getattr(user, "can_enter_staff_area", False):
        return None
    teams = selectors.bas_teams_for(user)
    counts = selectors.waiting_counts([t.pk for t in teams]) if teams else {}
    return {"open": selectors.my_requests(user, open_only=True, limit=HOME_LIMIT),
            "to_rate": selectors.unrated_count(user),
            "queues": [(t, counts.get(t.pk, 0)) for t in teams]}
