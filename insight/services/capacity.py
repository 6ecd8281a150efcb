"""Writes for insight: a team's capacity for a demand measure, month by month (what the forecast is checked against)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from ..models import Capacity

MAX_CAPACITY = 1_000_000  # items a month: more than the whole county's demand of any measure
MAX_MONTHS = 24
FURTHEST_START_MONTHS = 24  # a capacity is for planning the forecast's horizon, not the far future


def is_analyst(user: Any) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and (
        user.has_permission(Permission.INSIGHT_WORK) or user.has_permission(Permission.PERFORMANCE_MANAGE)))


def led_team_ids(user: Any) -> set[int]:
    """The teams this user leads with the right to manage them (one query)."""
    if not (user and getattr(user, "is_authenticated", False)) or not user.is_active:
        return set()
    led = set(TeamMembership.objects.filter(user_id=user.pk, is_leader=True).values_list("team_id", flat=True))
    return {t for t in led if user.has_team_permission(Permission.TEAM_MANAGE, t)}


def capacity_teams(user: Any):
    """The teams whose capacity this user may set: every team for an analyst, the teams they lead for a leader."""
    if is_analyst(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def _months(first: dt.date, count: int) -> list[dt.date]:
    index = first.year * 12 + first.month - 1
    return [dt.date((index + k) // 12, (index + k) % 12 + 1, 1) for k in range(count)]


@transaction.atomic
def capacity_set(*, team: Team, measure: Any, first_month: dt.date, months: int, capacity: int, by: Any,
                 today: dt.date | None = None) -> list[Capacity]:
    """Set `team`'s capacity for `measure` to `capacity` a month for `months` months from `first_month`.

    Replaces what was set for those months. Only an analyst, or a leader of the team, may set it.
    """
    if not (is_analyst(by) or team.pk in led_team_ids(by)):
        raise PermissionDenied
    from performance.selectors import demand_measures

    errors: dict[str, list[str]] = {}
    if measure is None or measure.pk not in {m.pk for m in demand_measures()}:
        errors["measure"] = ["Choose a measure of demand"]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"Enter a capacity from 1 to {MAX_CAPACITY:,} a month"]
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        errors["months"] = [f"Enter how many months, from 1 to {MAX_MONTHS}"]
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    if not isinstance(first_month, dt.date):
        errors["first_month"] = ["Enter the first month"]
    else:
        first_month = first_month.replace(day=1)
        if first_month < this_month:
            errors["first_month"] = ["The first month must be this month or later"]
        elif first_month > _months(this_month, FURTHEST_START_MONTHS + 1)[-1]:
            errors["first_month"] = [f"The first month must be within {FURTHEST_START_MONTHS} months from now"]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    span = _months(first_month, months)
    rows = []
    for month in span:
        row, _ = Capacity.objects.update_or_create(
            team=team, measure=measure, month=month, defaults={"capacity": capacity, "set_by": by, "set_at": now})
        rows.append(row)
    audit_record(by=by, action="update", target=team,
                 summary=f"Capacity for {measure.name} set to {capacity:,} a month, "
                         f"{span[0]:%B %Y} to {span[-1]:%B %Y}")
    return rows
