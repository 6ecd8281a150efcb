"""Get next: an officer claims the most urgent waiting case of their team."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from ..models import Case, Status
from ._common import Kind, _event, _move, _save, _status_event, can_take_cases


CLAIMABLE_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)


def _claimable(team: Team):
    # The redundant "not closed" term repeats the partial index's condition word for
    # word, which is what lets SQLite's planner use case_team_unassigned.
    return (
        Case.objects.filter(team=team, assignee__isnull=True, status__in=CLAIMABLE_STATUSES)
        .exclude(status=Status.CLOSED)
        .order_by("priority", "due_at", "id")
    )


def case_claim_next(*, officer: Any, team: Team) -> Case | None:
    """Give `officer` the most urgent unassigned open case of `team` (priority, then due date).

    Returns None when there is nothing to claim. Two officers claiming at the
    same moment never get the same case:
    - PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so concurrent claimers
      each lock a different row without waiting on one another;
    - elsewhere (SQLite): a conditional UPDATE "set assignee where still
      unassigned"; a loser moves on to the next candidate.
    """
    if not (getattr(officer, "is_authenticated", False) and officer.has_team_permission(Permission.CASE_WORK, team.pk)):
        raise PermissionDenied("You cannot work on cases")
    if not can_take_cases(officer, team.pk):
        raise PermissionDenied("You are not in this team")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            case = _claimable(team).select_for_update(skip_locked=True).first()
            if case is None:
                return None
            return _record_claim(case, officer)
    for _attempt in range(5):
        candidate_ids = list(_claimable(team).values_list("id", flat=True)[:20])
        if not candidate_ids:
            return None
        for case_id in candidate_ids:
            with transaction.atomic():
                current = Case.objects.filter(
                    pk=case_id, assignee__isnull=True, status__in=CLAIMABLE_STATUSES
                ).values_list("status", flat=True).first()
                if current is None:
                    continue
                # The claim itself: only one UPDATE can find the row still unassigned.
                won = Case.objects.filter(pk=case_id, assignee__isnull=True, status=current).update(
                    assignee=officer, status=Status.IN_PROGRESS, version=F("version") + 1,
                    modified_at=timezone.now(), modified_by=officer,
                )
                if won:
                    case = Case.objects.get(pk=case_id)
                    _record_claim_events(case, officer, previous_status=current)
                    return case
    return None


def _record_claim(case: Case, officer: Any) -> Case:
    previous_status = case.status
    case.assignee = officer
    fields = ["assignee"]
    if case.status != Status.IN_PROGRESS:
        _move(case, Status.IN_PROGRESS)
        fields.append("status")
    _save(case, fields, officer)
    _record_claim_events(case, officer, previous_status=previous_status)
    return case


def _record_claim_events(case: Case, officer: Any, *, previous_status: str) -> None:
    _event(case, Kind.ASSIGNED, officer, text=f"Taken by {officer} (get next case)", assignee=officer.pk, previous=None)
    if case.status != previous_status:
        _status_event(case, previous_status, officer, customer_message="An officer is now working on your request.")
    audit_record(by=officer, action="update", target=case, summary="Case claimed with get next")
