"""Triage: screening a case in a team's intake before it joins the queue."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from oxtom.accounts.models import Team
from oxtom.core.audit import audit_record

from .. import clock
from ..models import Case, Priority, Status
from ._common import Kind, MAX_TEXT, _event, _lock, _move, _require_worker, _save, _timeline
from .claim import CLAIMABLE_STATUSES


def in_intake(case: Case) -> bool:
    """An open case still in its service's screening (intake) queue (a screener may have claimed it)."""
    return case.status in CLAIMABLE_STATUSES and case.service.triage_team_id is not None \
        and case.team_id == case.service.triage_team_id


@transaction.atomic
def case_screen(
    *, case: Case, team: Team, priority: int, safeguarding: bool, vulnerable_customer: bool,
    special_category: bool, note: str, expected_version: int, by: Any,
) -> Case:
    """A screener routes a referral from the intake queue to the team that will work it.

    Flags fast-track: a safeguarding concern is always urgent, a vulnerable
    customer at least high priority, so the case is at the top of the
    receiving team's "get next". The due date follows the new priority. The
    answers go with the case, so the customer is not asked again.
    """
    case = _lock(case, expected_version)
    _require_worker(case, by)
    if not in_intake(case):
        raise ValidationError("This case is not waiting for screening", code="invalid_transition")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = 0
    if priority not in Priority.values:
        raise ValidationError({"priority": "Choose a priority from urgent to low"})
    if team.pk == case.team_id:
        raise ValidationError({"team": "Choose the team that will work the case, not the screening team"})
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": f"The note must be {MAX_TEXT:,} characters or fewer"})
    if safeguarding:
        priority = Priority.URGENT
    elif vulnerable_customer:
        priority = min(priority, Priority.HIGH)
    previous_team, previous_priority, previous_status = case.team, case.priority, case.status
    if case.status != Status.NEW:
        _move(case, Status.NEW)  # the receiving team accepts it from its own queue
    case.team, case.assignee, case.priority = team, None, priority
    case.safeguarding, case.vulnerable_customer, case.special_category = safeguarding, vulnerable_customer, special_category
    case.due_at = clock.due_for(case, priority=priority)
    _save(case, ["status", "team", "assignee", "priority", "safeguarding", "vulnerable_customer", "special_category",
                 "due_at"], by)
    flags = [name for name, on in (("safeguarding", safeguarding), ("vulnerable customer", vulnerable_customer),
                                   ("special category", special_category)) if on]
    _event(case, Kind.SCREENED, by, text=note or f"Routed to {team.name}", from_team=previous_team.pk, to_team=team.pk,
           from_status=previous_status, to_status=case.status,
           priority=priority, previous_priority=previous_priority, flags=flags)
    _timeline(case, kind="case.screened", summary=f"Case {case.reference} passed to {team.name}", by=by)
    audit_record(by=by, action="update", target=case, summary=f"Screened and routed to {team.name}",
                 to_team=team.pk, priority=priority, flags=flags)
    return case
