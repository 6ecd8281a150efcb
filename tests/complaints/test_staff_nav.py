"""The staff navigation's complaints link and the complaints pages agree (one rule,
services.can_handle_complaints): a complaints officer outside the complaints team sees no link and the page
refuses them (403), a team member sees the link and the page."""
from __future__ import annotations

import pytest

LINK = 'href="/staff/complaints/"'


@pytest.mark.django_db
def test_permission_holder_outside_the_team_sees_no_link_and_the_page_refuses(client_for, officer_not_in_team):
    from bas.complaints.services import can_handle_complaints
    from oxtom.accounts.permissions import Permission

    assert officer_not_in_team.has_permission(Permission.COMPLAINTS_WORK)  # the permission, but not the team

    client = client_for(officer_not_in_team)
    home = client.get("/staff/")
    assert home.status_code == 200 and LINK not in home.content.decode()
    assert client.get("/staff/complaints/").status_code == 403
    assert can_handle_complaints(officer_not_in_team) is False


@pytest.mark.django_db
def test_team_member_sees_the_link_and_the_page(client_for, officer_1):
    client = client_for(officer_1)
    assert LINK in client.get("/staff/").content.decode()
    assert client.get("/staff/complaints/").status_code == 200
