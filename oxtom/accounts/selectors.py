"""Reads about staff accounts and teams that several capabilities need."""
from __future__ import annotations

from .models import Team, User


def team_addresses(team: Team | str | None) -> list[str]:
    """Where to email a team: its shared mailbox if it has one, else its active members (by slug or team)."""
    if isinstance(team, str):
        team = Team.objects.filter(slug=team).first()
    if team is None:
        return []
    if team.email:
        return [team.email]
    return list(team.memberships.filter(user__is_active=True).exclude(user__email="")
                .values_list("user__email", flat=True).order_by("user__email"))


def active_staff_by_email(email: str) -> User | None:
    """An active member of staff by email address (any case); None for anyone else, residents included.

    For pages where one colleague names another (a panel member, a starter's buddy)."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    return user if user is not None and user.can_enter_staff_area else None
