"""Teams that data migrations of other apps need (street reports, applications, enquiries).

Called with the migration's historical Team model, so it works at any point
in the migration history.
"""
from __future__ import annotations

from typing import Any, Iterable


def teams_ensure(Team: Any, rows: Iterable[tuple[str, str, str]]) -> dict[str, Any]:
    """Teams by slug for (slug, name, description) rows, creating only the missing ones.

    An existing team matched by slug, or by name (an administrator may have
    made it by hand first), is left exactly as it is.
    """
    teams = {}
    for slug, name, description in rows:
        team = Team.objects.filter(slug=slug).first() or Team.objects.filter(name=name).first()
        if team is None:
            team = Team.objects.create(slug=slug, name=name, description=description)
        teams[slug] = team
    return teams
