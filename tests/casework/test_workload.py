"""Team leaders: workload per officer and bulk reassignment (all or nothing, team only)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oxtom.cases import services as s
from oxtom.cases.models import Case, Status
from oxtom.cases.selectors import team_workload

from .factories import CaseFactory

ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]


@pytest.fixture
def three(service):
    return [CaseFactory(service=service, due_at=timezone.localdate() + dt.timedelta(days=i)) for i in range(3)]


def items(cases):
    return [(c.pk, c.version) for c in cases]


def test_bulk_reassign_gives_every_case_to_the_officer(three, team_leader, officer_in_team):
    assert s.case_bulk_reassign(team=three[0].team, items=items(three), assignee=officer_in_team, by=team_leader) == 3
    assert set(Case.objects.values_list("assignee", flat=True)) == {officer_in_team.pk}
    assert set(Case.objects.values_list("status", flat=True)) == {Status.IN_PROGRESS}


def test_bulk_reassign_to_officer_outside_team_is_refused(three, team_leader, officer_outside_team):
    with pytest.raises(ValidationError, match="Choose an officer in Highways North"):
        s.case_bulk_reassign(team=three[0].team, items=items(three), assignee=officer_outside_team, by=team_leader)
    assert not Case.objects.filter(assignee__isnull=False).exists()


def test_bulk_reassign_is_all_or_nothing_when_one_case_moved(three, team_leader, officer_in_team,
                                                           other_officer_in_team):
    seen = items(three)
    s.case_assign(case=three[1], assignee=other_officer_in_team, expected_version=1, by=team_leader)
    with pytest.raises(ValidationError, match="1 of the selected cases changed"):
        s.case_bulk_reassign(team=three[0].team, items=seen, assignee=officer_in_team, by=team_leader)
    assert list(Case.objects.filter(assignee=officer_in_team)) == []


def test_bulk_reassign_needs_a_team_leader_of_that_team(three, officer_in_team, other_team):
    with pytest.raises(PermissionDenied):
        s.case_bulk_reassign(team=three[0].team, items=items(three), assignee=officer_in_team, by=officer_in_team)


def test_bulk_reassign_refuses_other_teams_cases(three, team_leader, officer_in_team, other_team):
    foreign = CaseFactory(service__team=other_team, service__code="foreign")
    with pytest.raises(ValidationError, match="no longer in this team"):
        s.case_bulk_reassign(team=three[0].team, items=items(three) + [(foreign.pk, 1)], assignee=officer_in_team,
                             by=team_leader)
    with pytest.raises(ValidationError, match="Select at least one"):
        s.case_bulk_reassign(team=three[0].team, items=[], assignee=officer_in_team, by=team_leader)


def test_workload_counts_per_officer_in_two_queries(three, team_leader, officer_in_team, django_assert_num_queries):
    s.case_bulk_reassign(team=three[0].team, items=items(three[:2]), assignee=officer_in_team, by=team_leader)
    Case.objects.filter(pk=three[0].pk).update(due_at=timezone.localdate() - dt.timedelta(days=1))
    with django_assert_num_queries(2):
        loads, unassigned = team_workload(three[0].team)
    mine = next(load for load in loads if load.officer == officer_in_team)
    assert (mine.open, mine.overdue) == (2, 1)
    assert unassigned.open == 1
    assert {load.officer for load in loads} == {officer_in_team, team_leader}


@pytest.mark.parametrize("role", ROLES)
def test_workload_page_role_matrix(request, client_for, team, three, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = client_for(user).get(f"/staff/queues/{team.slug}/workload/")
    if role == "anonymous":
        assert response.status_code == 302
    elif role in {"team_leader", "administrator"}:
        assert response.status_code == 200
    elif role == "officer_in_team":
        assert response.status_code == 403  # sees the queue, not the leader's tools
    elif role in {"resident_a", "councillor_of_division", "councillor_elsewhere"}:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


def test_bulk_reassign_through_the_queue_page(client_for, team, three, team_leader, officer_in_team):
    client = client_for(team_leader)
    page = client.get(f"/staff/queues/{team.slug}/?priority=3").content.decode()
    assert f'value="{three[0].pk}:1"' in page
    response = client.post(f"/staff/queues/{team.slug}/reassign/", {
        "cases": [f"{c.pk}:{c.version}" for c in three[:2]], "assignee": str(officer_in_team.pk),
        "return_query": "?priority=3",
    }, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/queues/{team.slug}/?priority=3"
    assert "2 cases given to" in response.content.decode()
    assert Case.objects.filter(assignee=officer_in_team).count() == 2


@pytest.mark.parametrize(
    "data,message",
    [
        ({"assignee": "OFFICER"}, "Select at least one case to reassign"),
        ({"cases": ["1:x"], "assignee": "OFFICER"}, "Select cases from the queue"),
        ({"cases": ["CASE"], "assignee": ""}, "Choose an officer"),
        ({"cases": ["CASE"], "assignee": "OUTSIDER"}, "Choose an officer from the list"),
        ({"cases": ["CASE"], "assignee": "OFFICER", "return_query": "//evil.example/"}, "given to"),
    ],
)
def test_bulk_reassign_bad_input(client_for, team, three, team_leader, officer_in_team, officer_outside_team,
                                 data, message):
    swap = {"OFFICER": str(officer_in_team.pk), "OUTSIDER": str(officer_outside_team.pk),
            "CASE": f"{three[0].pk}:1"}
    data = {k: ([swap.get(x, x) for x in v] if isinstance(v, list) else swap.get(v, v)) for k, v in data.items()}
    response = client_for(team_leader).post(f"/staff/queues/{team.slug}/reassign/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/queues/{team.slug}/"
    assert message in response.content.decode()


def test_officer_cannot_bulk_reassign(client_for, team, three, officer_in_team):
    response = client_for(officer_in_team).post(f"/staff/queues/{team.slug}/reassign/", {
        "cases": [f"{three[0].pk}:1"], "assignee": str(officer_in_team.pk)})
    assert response.status_code == 403
    assert not Case.objects.filter(assignee__isnull=False).exists()
