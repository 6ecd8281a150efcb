"""oxtom.accounts.selectors: where to email a team, and a colleague named by email."""
from __future__ import annotations

import pytest

from oxtom.accounts.selectors import active_staff_by_email, team_addresses
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_colleague_is_found_by_email_in_any_case_and_only_if_active_staff():
    officer = f.UserFactory(email="olive.officer@example.org", roles=["officer"])
    f.UserFactory(email="left@example.org", roles=["officer"], is_active=False)
    f.UserFactory(email="resident@example.org", roles=["resident"])
    assert active_staff_by_email("  Olive.Officer@EXAMPLE.org ") == officer
    assert active_staff_by_email("left@example.org") is None, "someone who has left"
    assert active_staff_by_email("resident@example.org") is None, "a resident is not a colleague"
    assert active_staff_by_email("") is None and active_staff_by_email("x" * 500) is None


def test_a_team_is_emailed_at_its_mailbox_or_its_active_members():
    team = f.TeamFactory(slug="alerts-team")
    for email, active in (("b@example.org", True), ("a@example.org", True), ("gone@example.org", False)):
        f.TeamMembershipFactory(team=team, user=f.UserFactory(email=email, roles=["officer"], is_active=active))
    assert team_addresses("alerts-team") == ["a@example.org", "b@example.org"]
    team.email = "alerts@example.org"
    team.save()
    assert team_addresses(team) == ["alerts@example.org"]
    assert team_addresses("no-such-team") == [] and team_addresses(None) == []
