"""Screening: referrals start in an intake queue; screeners route them, and flags fast-track."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, Priority, Status
from tests import factories as f

from .factories import ServiceFactory



@pytest.fixture
def intake_team(db):
    return f.TeamFactory(name="Adult Social Care Front Door", slug="front-door")


@pytest.fixture
def screener(intake_team):
    user = f.UserFactory(email="screener@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=intake_team, user=user)
    return user


@pytest.fixture
def referral(intake_team, team, customer_a):
    service = ServiceFactory(code="care-assessment", name="Care assessment", team=team, triage_team=intake_team,
                             reference_prefix="AC", sla_working_days={"1": 1, "2": 5, "3": 20, "4": 40})
    return s.case_create(service=service, customer=customer_a, answers={"Needs": "Help with washing"},
                         channel="phone", by=None)


def screen(case, by, **overrides):
    params = dict(team=case.service.team, priority=Priority.NORMAL, safeguarding=False, vulnerable_customer=False,
                  special_category=False, note="", expected_version=case.version, by=by)
    params.update(overrides)
    return s.case_screen(case=case, **params)


def test_referral_starts_in_the_intake_queue(referral, intake_team):
    assert referral.team == intake_team and s.in_intake(referral)


def test_screener_routes_to_the_working_team(referral, screener, team):
    case = screen(referral, screener, note="Straightforward")
    case = Case.objects.get(pk=case.pk)
    assert case.team == team and case.status == Status.NEW and not s.in_intake(case)
    assert case.answers == {"Needs": "Help with washing"}
    assert case.events.get(kind=CaseEvent.Kind.SCREENED).text == "Straightforward"


def test_safeguarding_fast_tracks_to_urgent_and_top_of_get_next(referral, screener, team, officer_in_team,
                                                                make_case):
    ordinary = make_case()  # a normal case already waiting in the receiving team
    case = screen(referral, screener, safeguarding=True, priority=Priority.LOW)
    case = Case.objects.get(pk=case.pk)
    assert case.priority == Priority.URGENT and case.safeguarding
    assert s.case_claim_next(officer=officer_in_team, team=team).pk == case.pk
    assert Case.objects.get(pk=ordinary.pk).assignee is None


def test_vulnerable_customer_is_at_least_high(referral, screener):
    case = screen(referral, screener, vulnerable_customer=True, priority=Priority.LOW)
    assert Case.objects.get(pk=case.pk).priority == Priority.HIGH


def test_intake_cases_cannot_be_accepted_before_screening(referral, screener):
    with pytest.raises(ValidationError, match="Screen this case first"):
        s.case_accept(case=referral, expected_version=referral.version, by=screener)


def test_screener_who_claimed_it_can_still_route_it(referral, screener, intake_team, team):
    claimed = s.case_claim_next(officer=screener, team=intake_team)
    assert claimed.pk == referral.pk and s.in_intake(claimed)
    case = screen(claimed, screener)
    case = Case.objects.get(pk=case.pk)
    assert case.team == team and case.assignee is None and case.status == Status.NEW


def test_screening_refusals(referral, screener, officer_in_team, intake_team):
    with pytest.raises(PermissionDenied):
        screen(referral, officer_in_team)  # not in the screening team
    with pytest.raises(ValidationError, match="not the screening team"):
        screen(referral, screener, team=intake_team)
    with pytest.raises(ValidationError, match="urgent to low"):
        screen(referral, screener, priority=0)
    case = screen(referral, screener)
    with pytest.raises(ValidationError, match="not waiting for screening"):
        screen(Case.objects.get(pk=case.pk), officer_in_team)


def test_screen_action_through_the_page(client_for, referral, screener, team):
    client = client_for(screener)
    page = client.get(f"/staff/cases/{referral.reference}/").content.decode()
    assert "Screen and route this case" in page and "Accept this case" not in page
    response = client.post(f"/staff/cases/{referral.reference}/screen/", {
        "version": referral.version, "team": str(team.pk), "priority": "3", "safeguarding": "on"})
    assert response.status_code == 302
    assert Case.objects.get(pk=referral.pk).priority == Priority.URGENT


@pytest.mark.parametrize(
    "data,message",
    [({"team": "", "priority": "3"}, "Choose the team that will work the case"),
     ({"team": "TEAM", "priority": ""}, "Choose a priority"),
     ({"team": "TEAM", "priority": "3", "note": "n" * 5001}, "The note must be 5,000 characters or fewer")],
)
def test_screen_form_bad_input(client_for, referral, screener, team, data, message):
    data = {k: (str(team.pk) if v == "TEAM" else v) for k, v in data.items()}
    response = client_for(screener).post(f"/staff/cases/{referral.reference}/screen/",
                                         {"version": referral.version, **data})
    assert response.status_code == 200 and message in response.content.decode()
    assert Case.objects.get(pk=referral.pk).version == referral.version
