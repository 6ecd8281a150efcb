"""Who may enter which area, and what each home page shows: only what the role allows."""
from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from tests.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db

ROLE_AREAS = [
    # (fixture, may enter /staff/, may enter /members/)
    ("resident_a", False, False),
    ("adviser", True, False),
    ("officer_in_team", True, False),
    ("team_leader", True, False),
    ("councillor_of_division", False, True),
    ("administrator", True, False),
]


@pytest.mark.parametrize("area", ["/staff/", "/members/", "/account/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, area):
    response = client.get(area)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={area}"


@pytest.mark.parametrize("role_fixture, staff, members", ROLE_AREAS)
def test_each_role_enters_only_its_own_areas(client_for, request, role_fixture, staff, members):
    client = client_for(request.getfixturevalue(role_fixture))
    for area, allowed in (("/staff/", staff), ("/members/", members), ("/account/", True)):
        response = client.get(area)
        assert response.status_code == (200 if allowed else 403), area
        if not allowed:
            html = response.content.decode()
            assert "You cannot use this page" in html
            assert "govuk-header" in html  # the GOV.UK 403 page, not Django's plain one


def test_officer_sees_their_own_teams_only(client_for, officer_in_team, other_team, django_assert_max_num_queries):
    client = client_for(officer_in_team)
    # The staff home's sections, each constant in data: casework 4, provision 1, business admin 3, complaints 1,
    # FOI allocations asked of their team 1.
    with django_assert_max_num_queries(13):
        html = client.get("/staff/").content.decode()
    assert "Highways North" in html
    assert "Parking Services" not in html
    assert "Works the cases of the teams they belong to." in html


def test_team_leader_is_marked_as_leader(client_for, team_leader):
    html = client_for(team_leader).get("/staff/").content.decode()
    assert "Highways North" in html and "Team leader" in html


def test_staff_home_query_count_does_not_grow_with_teams(client_for, officer_in_team, django_assert_max_num_queries):
    for n in range(10):
        TeamMembershipFactory(user=officer_in_team, team__name=f"Extra team {n}")
    client = client_for(officer_in_team)
    # The staff home's sections, each constant in data: casework 4, provision 1, business admin 3, complaints 1,
    # FOI allocations asked of their team 1.
    with django_assert_max_num_queries(13):
        html = client.get("/staff/").content.decode()
    assert "Extra team 9" in html


def test_adviser_without_teams_sees_no_teams_section(client_for, adviser):
    html = client_for(adviser).get("/staff/").content.decode()
    assert 'id="teams"' not in html
    assert "Contact-centre adviser" in html


def test_councillor_sees_their_own_division_only(client_for, councillor_of_division, councillor_elsewhere, django_assert_max_num_queries):
    client = client_for(councillor_of_division)
    with django_assert_max_num_queries(7):  # +1: the members' navigation now includes casework pages
        html = client.get("/members/").content.decode()
    assert "Banbury Calthorpe" in html
    assert "Wallingford" not in html


def test_account_home_shows_the_residents_own_reference_and_details(client_for, resident_a, resident_b, django_assert_max_num_queries):
    client = client_for(resident_a)
    with django_assert_max_num_queries(6):
        html = client.get("/account/").content.decode()
    assert resident_a.customer.reference in html
    assert "resident.a@example.org" in html
    assert resident_a.customer.postcode in html
    assert resident_b.customer.reference not in html
    assert "resident.b@example.org" not in html


def test_account_home_links_to_details_only_once_that_page_exists(client_for, resident_a):
    html = client_for(resident_a).get("/account/").content.decode()
    try:
        resolve("/account/details/")
        exists = True
    except Resolver404:
        exists = False
    assert ('href="/account/details/"' in html) is exists


def test_account_home_for_someone_without_a_customer_record(client_for, officer_in_team):
    html = client_for(officer_in_team).get("/account/").content.decode()
    assert "You are signed in as officer.in@example.org" in html
    assert "customer reference" not in html
