"""Reads about staff accounts and teams that several capabilities need."""
from __future__ import annotations

from .models import Team


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
