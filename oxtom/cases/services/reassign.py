"""Team leaders move several cases to another officer at once."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission

from ..models import Case, Status
from ._common import _is_admin, can_take_cases, is_team_member
from .work import case_assign


MAX_BULK_CASES = 200


@transaction.atomic
def case_bulk_reassign(*, team: Team, items: list[tuple[int, int]], assignee: Any, by: Any) -> int:
    """Give several of `team`'s open cases to one officer of the team. All or nothing.

    `items` are (case id, version the leader saw) pairs. If any case has moved
    on since (someone else changed it), nothing is reassigned and the leader is
    told how many changed, so they can look again. Cases already with that
    officer are left alone. Returns how many cases changed hands.
    """
    if not (getattr(by, "is_authenticated", False) and by.has_team_permission(Permission.CASE_ASSIGN, team.pk)
            and (_is_admin(by) or is_team_member(by, team.pk))):
        raise PermissionDenied("Only a team leader of this team can reassign its cases")
    if not items:
        raise ValidationError({"cases": "Select at least one case to reassign"})
    if len(items) > MAX_BULK_CASES:
        raise ValidationError({"cases": f"Select {MAX_BULK_CASES} cases or fewer at a time"})
    if assignee is None or not can_take_cases(assignee, team.pk):
        raise ValidationError({"assignee": f"Choose an officer in {team.name}"})
    wanted = dict(items)
    cases = list(Case.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(cases) != len(wanted) or any(c.team_id != team.pk for c in cases):
        raise ValidationError({"cases": "Some of the selected cases are no longer in this team's queue: look again"})
    closed = [c for c in cases if c.status == Status.CLOSED]
    if closed:
        raise ValidationError({"cases": f"{len(closed)} of the selected cases are closed: look again"})
    moved = [c for c in cases if c.version != wanted[c.pk]]
    if moved:
        raise ValidationError(
            f"{len(moved)} of the selected cases changed while you were looking. Nothing has been reassigned: "
            "check the queue and try again.",
            code="stale",
        )
    changed = 0
    for case in cases:
        if case.assignee_id == assignee.pk:
            continue
        case_assign(case=case, assignee=assignee, expected_version=case.version, by=by)
        changed += 1
    return changed
