"""SLA escalation: overdue cases go to the team leader once per due date."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F

from oxtom.accounts.models import Team, TeamMembership
from oxtom.core.audit import audit_record

from .. import rules
from ..models import Case, CaseEvent, Status
from ._common import Kind, _alert_staff, _event, _site_url


def overdue_unescalated(on: dt.date | None = None):
    """Open, running (not paused) cases past their due date that have not been escalated for that date."""
    on = on or rules.today()
    return (
        Case.objects.filter(status__in=[Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS],
                            paused_on__isnull=True, due_at__lt=on)
        .exclude(status=Status.CLOSED)  # the partial index's condition, for SQLite's planner
        .exclude(escalated_for=F("due_at"))
    )


@transaction.atomic
def case_escalate_overdue(*, case_id: int, on: dt.date | None = None, by: Any = None) -> bool:
    """Record that one case went overdue and tell its team leaders. Idempotent.

    The claim is a conditional UPDATE on escalated_for, so a double run (two
    beat ticks, a retried task) escalates each case once per due date.
    Returns True if this call did the escalation.
    """
    on = on or rules.today()
    claimed = (
        Case.objects.filter(pk=case_id, paused_on__isnull=True, due_at__lt=on)
        .exclude(status__in=[Status.CLOSED, Status.DECIDED, Status.AWAITING_CUSTOMER])
        .exclude(escalated_for=F("due_at"))
        .update(escalated_for=F("due_at"))
    )
    if not claimed:
        return False
    case = Case.objects.select_related("team", "service").get(pk=case_id)
    leaders = list(
        TeamMembership.objects.filter(team_id=case.team_id, is_leader=True, user__is_active=True)
        .select_related("user").order_by("user_id")
    )
    event = _event(case, Kind.ESCALATED, by, text=f"Overdue since {case.due_at:%-d %B %Y}: team leaders told",
                   due=case.due_at.isoformat(), leaders=[m.user_id for m in leaders])
    audit_record(by=by, action="update", target=case, summary="Escalated as overdue", due=case.due_at.isoformat())
    for membership in leaders:
        _notify_leader(case, event, membership.user)
    if not leaders and case.team.email:
        # No leader named (yet): the team's shared mailbox hears instead, so an overdue case is never silent.
        _notify_leader(case, event, None, mailbox=case.team.email)
    return True


def _notify_leader(case: Case, event: CaseEvent, leader: Any, *, mailbox: str = "") -> None:
    """Email a team leader (or, with `mailbox`, the team's shared address) about an overdue case."""
    who = f"leader:{leader.pk}" if leader is not None else "team-mailbox"
    _alert_staff(case, event, to=mailbox or leader.email,
                 key=f"case:{case.pk}:escalation:{case.due_at.isoformat()}:{who}",
                 subject=f"Overdue case {case.reference}",
                 message=f"Case {case.reference} ({case.service.name}) in {case.team.name} was due on "
                         f"{case.due_at:%-d %B %Y} and is now overdue.\n\nOpen the case: "
                         f"{_site_url('casework:case', case)}",
                 sent="Team mailbox emailed about the escalation" if leader is None
                 else "Team leader emailed about the escalation",
                 failed="A team leader could not be emailed about this escalation",
                 leader=getattr(leader, "pk", None))
