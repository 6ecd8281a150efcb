"""The staff navigation's FOI link and the FOI pages agree (one rule, services.is_foi_staff): a holder of
the FOI permission outside the information governance team sees no link and the page refuses them (403),
a team member sees the link and the page."""
from __future__ import annotations

import pytest

LINK = 'href="/staff/foi/"'


@pytest.mark.django_db
def test_permission_holder_outside_the_team_sees_no_link_and_the_page_refuses(client_for, foi_outsider):
    from bas.foi.services import is_foi_staff
    from oxtom.accounts.permissions import Permission

    assert foi_outsider.has_permission(Permission.FOI_WORK)  # the permission, but not the team
    client = client_for(foi_outsider)
    home = client.get("/staff/")
    assert home.status_code == 200 and LINK not in home.content.decode()
    assert client.get("/staff/foi/").status_code == 403
    assert is_foi_staff(foi_outsider) is False


@pytest.mark.django_db
def test_team_member_sees_the_link_and_the_page(client_for, coordinator):
    client = client_for(coordinator)
    assert LINK in client.get("/staff/").content.decode()
    assert client.get("/staff/foi/").status_code == 200


@pytest.mark.django_db
def test_officer_without_the_permission_sees_neither(client_for, officer_in_team):
    client = client_for(officer_in_team)
    assert LINK not in client.get("/staff/").content.decode()
    assert client.get("/staff/foi/").status_code == 403
