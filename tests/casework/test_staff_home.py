"""The staff home has the officer's work on it: their cases, overdue and due soon, and a
reference box that goes straight to a case they may see (404 for one they may not)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases.models import Status

from .factories import CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(team):
    return ServiceFactory(team=team)


@pytest.fixture
def my_cases(service, officer_in_team):
    today = timezone.localdate()
    overdue = CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-OVER01",
                          due_at=today - dt.timedelta(days=3), status=Status.IN_PROGRESS)
    soon = CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-SOON01", due_at=today)
    later = CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-LATE01",
                        due_at=today + dt.timedelta(days=40))
    CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-SHUT01", status=Status.CLOSED,
                due_at=today - dt.timedelta(days=30))
    CaseFactory(service=service, assignee=None, reference="HW-2026-NOBODY")
    return overdue, soon, later


def test_staff_home_shows_my_open_cases_soonest_due_first_with_counts(client_for, officer_in_team, my_cases):
    html = client_for(officer_in_team).get("/staff/").content.decode()
    section = html[html.index('id="my-work"'):]
    assert "3</strong> open cases assigned to you" in section
    assert "1 overdue" in section and "1 due soon" in section
    order = [section.index(ref) for ref in ("HW-2026-OVER01", "HW-2026-SOON01", "HW-2026-LATE01")]
    assert order == sorted(order)
    assert "HW-2026-SHUT01" not in section and "HW-2026-NOBODY" not in section
    assert 'href="/staff/cases/HW-2026-OVER01/"' in section


def test_staff_home_query_count_does_not_grow_with_cases(client_for, officer_in_team, service,
                                                         django_assert_max_num_queries):
    client = client_for(officer_in_team)
    CaseFactory(service=service, assignee=officer_in_team)
    # 3 for the session, user and team roles; 4 for casework's sections (counts, first page, tasks, own
    # requests); 1 provision, 3 business admin (teams, open requests, to rate), 1 FOI allocations asked of
    # their teams, 1 complaints: each constant.
    with django_assert_max_num_queries(13) as few:
        client.get("/staff/")
    for _ in range(40):
        CaseFactory(service=service, assignee=officer_in_team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/staff/").content.decode()
    assert "41</strong> open cases assigned to you" in html and "And 16 more" in html


def test_advisers_without_casework_see_no_cases_section(client_for, adviser):
    assert 'id="my-work"' not in client_for(adviser).get("/staff/").content.decode()


def test_finding_a_case_by_reference_goes_straight_to_it(client_for, officer_in_team, my_cases):
    response = client_for(officer_in_team).get("/staff/find-case/", {"reference": "  hw-2026-soon01 "})
    assert response.status_code == 302 and response["Location"] == "/staff/cases/HW-2026-SOON01/"


def test_a_reference_in_another_team_is_404_like_one_that_does_not_exist(client_for, officer_outside_team, my_cases):
    client = client_for(officer_outside_team)
    other = client.get("/staff/find-case/", {"reference": "HW-2026-SOON01"})
    missing = client.get("/staff/find-case/", {"reference": "HW-2026-NOSUCH"})
    assert other.status_code == missing.status_code == 404
    assert "No case with the reference HW-2026-SOON01 was found in the cases you can see" in other.content.decode()
    import re

    def main(response):  # the page's own content, without the per-response CSRF token
        html = response.content.decode()
        return re.sub(r'value="[A-Za-z0-9]{64}"', "", html[html.index("<main"):html.index("</main>")])

    assert main(other).replace("SOON01", "NOSUCH") == main(missing)


@pytest.mark.parametrize("typed, message", [
    ("", "Enter a case reference"),
    ("   ", "Enter a case reference"),
    ("<script>alert(1)</script>", "using only letters, numbers and hyphens"),
    ("HW-2026' OR 1=1 --", "using only letters, numbers and hyphens"),
    ("X" * 5000, "using only letters, numbers and hyphens"),
    ("../../etc/passwd", "using only letters, numbers and hyphens"),
])
def test_bad_references_get_a_clear_message(client_for, officer_in_team, typed, message):
    response = client_for(officer_in_team).get("/staff/find-case/", {"reference": typed})
    html = response.content.decode()
    assert response.status_code == 400 and message in html and "<title>Error: " in html
    assert "<script>alert(1)" not in html and 'href="#id_reference"' in html


@pytest.mark.parametrize("who, status", [(None, 302), ("resident_a", 403), ("councillor_of_division", 403)])
def test_find_case_is_for_staff(client_for, request, who, status):
    user = request.getfixturevalue(who) if who else None
    assert client_for(user).get("/staff/find-case/", {"reference": "HW-2026-ABC123"}).status_code == status
