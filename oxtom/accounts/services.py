"""Writes to teams: who is in a team and who leads it. Each checks USER_ADMIN and is audited.

Team membership is what decides whose cases an officer works and whose queue a
leader allocates (oxtom.cases.services.can_work_case), so a change here is a change
of access: it is recorded with the actor.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.core.audit import audit_record

from .models import TEAM_ROLE_CHOICES, Team, TeamMembership, User
from .permissions import Permission


def _require_admin(by: Any) -> None:
    if not (getattr(by, "is_authenticated", False) and by.has_permission(Permission.USER_ADMIN)):
        raise PermissionDenied("Only an administrator can change teams")


def _check_member(user: Any) -> None:
    if not user.is_active:
        raise ValidationError({"user": "That person's sign-in is switched off: choose someone else"})
    if not user.can_enter_staff_area:
        raise ValidationError({"user": "Choose a member of staff: this person cannot use the staff pages"})


@transaction.atomic
def team_member_add(*, team: Team, user: User, is_leader: bool, by: Any) -> TeamMembership:
    """Put `user` in `team` (as its leader if `is_leader`). Adding someone already in the team is refused."""
    _require_admin(by)
    _check_member(user)
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise ValidationError({"user": f"{user} is already in {team.name}"})
    if is_leader and not user.has_permission(Permission.TEAM_MANAGE):
        raise ValidationError({"role": f"{user} is not a team leader: give them the team leader role first, or "
                                       "add them as a member"})
    membership = TeamMembership.objects.create(team=team, user=user, is_leader=is_leader)
    audit_record(by=by, action="create", target=membership,
                 summary=f"Added {user} to {team.name}" + (" as team leader" if is_leader else ""),
                 team=team.slug, user=user.pk, is_leader=is_leader)
    return membership


@transaction.atomic
def team_member_set_role(*, membership: TeamMembership, is_leader: bool, by: Any) -> TeamMembership:
    """Make a member the team's leader, or a member only."""
    _require_admin(by)
    membership = TeamMembership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    if membership.is_leader == is_leader:
        raise ValidationError({"role": f"{membership.user} is already {'a leader' if is_leader else 'a member'} "
                                       f"of {membership.team.name}"})
    if is_leader and not (membership.user.has_permission(Permission.TEAM_MANAGE) or membership.team_role == "team_leader"):
        raise ValidationError({"role": f"{membership.user} is not a team leader: give them the team leader role "
                                       "first"})
    membership.is_leader = is_leader
    membership.save(update_fields=["is_leader"])
    audit_record(by=by, action="update", target=membership,
                 summary=f"{membership.user} is now {'leader' if is_leader else 'a member'} of {membership.team.name}",
                 team=membership.team.slug, user=membership.user_id, is_leader=is_leader)
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMembership, by: Any) -> None:
    """Take someone out of a team. Their open cases stay assigned to them (the leader reassigns them)."""
    _require_admin(by)
    membership = TeamMembership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    team, user = membership.team, membership.user
    audit_record(by=by, action="delete", target=membership, summary=f"Took {user} out of {team.name}",
                 team=team.slug, user=user.pk, was_leader=membership.is_leader)
    membership.delete()


@transaction.atomic
def team_member_set_team_role(*, membership: TeamMembership, team_role: str, by: Any) -> TeamMembership:
    """Give a member a role for this team's work only ("" takes it away).

    An officer role held here lets them work this team's queue and cases, and nowhere else; their own
    roles still decide everything outside the team. A change of access, so audited like the others.
    """
    _require_admin(by)
    team_role = team_role or ""
    if team_role not in dict(TEAM_ROLE_CHOICES):
        raise ValidationError({"team_role": "Choose a role from the list"})
    membership = TeamMembership.objects.select_for_update().select_related("team", "user").get(pk=membership.pk)
    if membership.team_role == team_role:
        raise ValidationError({"team_role": f"{membership.user} already has that role in {membership.team.name}"})
    if membership.is_leader and team_role != "team_leader" and not membership.user.has_permission(Permission.TEAM_MANAGE):
        raise ValidationError({"team_role": f"{membership.user} leads {membership.team.name} on this role: make them "
                                            "a member first"})
    previous = membership.team_role
    membership.team_role = team_role
    membership.save(update_fields=["team_role"])
    label = dict(TEAM_ROLE_CHOICES)[team_role]
    audit_record(by=by, action="update", target=membership,
                 summary=f"{membership.user}'s role in {membership.team.name}: {label}",
                 team=membership.team.slug, user=membership.user_id, team_role=team_role, previous=previous)
    return membership
