"""The staff home's casework section: the officer's own open cases, soonest due first, what is
overdue or due soon, and a box that goes straight to a case by its reference."""
from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest

from oxtom.accounts.permissions import Permission

from oxtom.cases import rules, selectors
from oxtom.cases.models import Case, Status

MY_CASES_SHOWN = 25


def my_work(request: HttpRequest) -> dict[str, Any] | None:
    """Two queries whatever the number of cases: the counts, and the first MY_CASES_SHOWN cases."""
    user = request.user
    if not user.has_team_permission(Permission.CASE_VIEW_TEAM):
        return None
    on = rules.today()
    mine = Case.objects.filter(assignee=user).exclude(status=Status.CLOSED)
    counts = mine.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=selectors.sla_q(rules.SlaState.OVERDUE, on)),
        due_soon=Count("pk", filter=selectors.sla_q(rules.SlaState.DUE_SOON, on)),
    )
    cases = list(mine.select_related("service").only(
        "reference", "title", "status", "due_at", "paused_on", "service__name", "service__calendar").order_by("due_at", "id")[:MY_CASES_SHOWN])
    rows = []
    for case in cases:
        state = rules.case_sla_state(case, on=on)
        rows.append({"case": case, "sla": state, "sla_label": rules.SlaState.LABELS.get(state, "")})
    return {"counts": counts, "rows": rows, "more": max(0, counts["total"] - len(rows)),
            "reference": "", "error": "", "tasks": selectors.open_tasks_for(user), "today": on}


def my_requests(request: HttpRequest) -> dict[str, Any] | None:
    """Any member of staff: how many of the requests they made are still open, and the link (one query)."""
    user = request.user
    if not getattr(user, "can_enter_staff_area", False):
        return None
    return {"open": Case.objects.filter(requested_by=user).exclude(status=Status.CLOSED).count()}
