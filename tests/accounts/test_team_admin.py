"""The administrator's team pages: add and remove members and change their role, checked by USER_ADMIN,
audited, through oxtom.accounts.services. Before: USER_ADMIN existed and nothing checked it; the only way to
put an officer in a team was Django's admin."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.accounts import services
from oxtom.accounts.models import TeamMembership
from oxtom.core.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return f.UserFactory(email="new.officer@example.org", roles=["officer"], full_name="Nia Newcomer")


def test_only_an_administrator_changes_teams(team, newcomer, team_leader, officer_in_team, resident_a):
    for user in (team_leader, officer_in_team, resident_a, None):
        with pytest.raises(PermissionDenied):
            services.team_member_add(team=team, user=newcomer, is_leader=False, by=user)
    assert not TeamMembership.objects.filter(user=newcomer).exists()


def test_add_change_role_and_remove_are_audited(team, newcomer, administrator):
    leader = f.UserFactory(email="new.leader@example.org", roles=["team_leader"])
    membership = services.team_member_add(team=team, user=leader, is_leader=False, by=administrator)
    services.team_member_set_role(membership=membership, is_leader=True, by=administrator)
    assert TeamMembership.objects.get(pk=membership.pk).is_leader
    services.team_member_remove(membership=membership, by=administrator)
    assert not TeamMembership.objects.filter(pk=membership.pk).exists()
    summaries = list(AuditEvent.objects.filter(target_type="accounts.teammembership").order_by("id")
                     .values_list("actor", "summary"))
    assert [actor for actor, _ in summaries] == [administrator.pk] * 3
    assert "Added" in summaries[0][1] and "leader" in summaries[1][1] and "Took" in summaries[2][1]


@pytest.mark.parametrize("problem", ["duplicate", "inactive", "resident", "leader_without_role"])
def test_bad_additions_are_refused_with_a_field_message(team, newcomer, administrator, officer_in_team, resident_a,
                                                        problem):
    user, leader = newcomer, False
    if problem == "duplicate":
        user = officer_in_team
    elif problem == "inactive":
        newcomer.is_active = False
        newcomer.save()
    elif problem == "resident":
        user = resident_a
    else:
        leader = True
    with pytest.raises(ValidationError) as raised:
        services.team_member_add(team=team, user=user, is_leader=leader, by=administrator)
    assert set(raised.value.message_dict) <= {"user", "role"}


def test_the_pages_add_a_member_by_email_and_show_errors_on_the_page(client_for, team, newcomer, administrator):
    client = client_for(administrator)
    assert client.get("/staff/teams/").status_code == 200
    page = client.get(f"/staff/teams/{team.slug}/").content.decode()
    assert 'name="email"' in page and 'name="role"' in page
    response = client.post(f"/staff/teams/{team.slug}/", {"email": "NEW.Officer@example.org", "role": "member"})
    assert response.status_code == 302
    assert TeamMembership.objects.filter(team=team, user=newcomer, is_leader=False).exists()
    for data, message in [
        ({"email": "", "role": "member"}, "Enter the email address of the member of staff"),
        ({"email": "not an email", "role": "member"}, "Enter an email address in the correct format"),
        ({"email": "nobody@example.org", "role": "member"}, "There is no sign-in with that email address"),
        ({"email": "new.officer@example.org", "role": "member"}, "is already in"),
        ({"email": "x" * 300 + "@example.org", "role": "member"}, "254 characters or fewer"),
        ({"email": "new.officer@example.org", "role": "<script>"}, "Select their role in the team"),
        ({"email": "new.officer@example.org", "role": "leader"}, "is already in"),
    ]:
        response = client.post(f"/staff/teams/{team.slug}/", data)
        html = response.content.decode()
        assert response.status_code == 400 and message in html, (data, message)
        assert "There is a problem" in html and "<script>" not in html.split("<main", 1)[1]
        # Every message is linked to an input that is on the page.
        assert 'href="#id_email"' in html or 'href="#id_role_0"' in html


def test_removing_needs_a_post_and_says_what_stays_assigned(client_for, team, officer_in_team, administrator):
    membership = TeamMembership.objects.get(user=officer_in_team, team=team)
    client = client_for(administrator)
    url = f"/staff/teams/{team.slug}/members/{membership.pk}/remove/"
    assert client.get(url).status_code == 200 and TeamMembership.objects.filter(pk=membership.pk).exists()
    assert client.post(url).status_code == 302
    assert not TeamMembership.objects.filter(pk=membership.pk).exists()
    assert client.post(url).status_code == 404  # twice: nothing left to remove


@pytest.mark.parametrize("path", ["/staff/teams/", "/staff/teams/highways-north/"])
def test_no_one_else_reaches_the_team_pages(client_for, team, path, team_leader, officer_in_team, adviser,
                                            resident_a):
    for user in (team_leader, officer_in_team, adviser, resident_a):
        assert client_for(user).get(path).status_code == 403
    assert client_for(None).get(path).status_code == 302


def test_the_team_list_costs_the_same_whatever_the_number_of_teams(client_for, administrator,
                                                                  django_assert_max_num_queries):
    client = client_for(administrator)
    for n in range(2):
        f.TeamFactory(slug=f"t-{n}", name=f"Team {n}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get("/staff/teams/")
    for n in range(2, 8):
        f.TeamFactory(slug=f"t-{n}", name=f"Team {n}")
    with CaptureQueriesContext(connection) as eight:
        client.get("/staff/teams/")
    assert len(eight) == len(two)
