"""The customer timeline shows, under each case's newest entry, the case's answers as its owner renders them.

Each owner's rendering is tested in its own area (tests/portal, tests/applications, tests/casework,
tests/provision test_case_answers.py); here: once per case, only cases the reader may open, hostile
answers escaped, and a constant number of queries however many cases and entries.
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oxtom.cases import services as s
from tests.answers_support import assert_readable
from tests.casework.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(team):
    return ServiceFactory(code="timeline-roads", name="Roads enquiry", team=team, reference_prefix="RE")


@pytest.fixture
def elsewhere(other_team):
    return ServiceFactory(code="timeline-parking", name="Parking enquiry", team=other_team, reference_prefix="PE")


def _case(service, customer, answers, title="Mill Lane"):
    return s.case_create(service=service, customer=customer, answers=answers, channel="web", by=None, title=title)


def _timeline(client, customer) -> str:
    response = client.get(f"/staff/customers/{customer.reference}/")
    assert response.status_code == 200
    return response.content.decode().split('id="timeline"', 1)[1]


def test_a_case_shows_its_answers_once_under_its_newest_entry(client_for, officer_in_team, resident_a, service):
    customer = resident_a.customer
    case = _case(service, customer, {"where_exactly": "Mill Lane", "depth_mm": 60})
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    timeline = _timeline(client_for(officer_in_team), customer)
    assert timeline.count(f"Open case {case.reference}") == 1
    # Newest entry first: the answers sit under the "accepted" entry, not the older "opened" one.
    accepted, opened = timeline.index("is now accepted"), timeline.index("opened")
    assert accepted < timeline.index("Open case") < opened
    assert_readable(timeline, shows=["Roads enquiry: Mill Lane: answers", "Where exactly", "Mill Lane", "Depth (mm)",
                                     "60", "(accepted)"], never=["where_exactly", "depth_mm"])
    assert f'href="/staff/cases/{case.reference}/"' in timeline


def test_hostile_answers_are_shown_as_text(client_for, officer_in_team, resident_a, service):
    _case(service, resident_a.customer, {"details": '<script>alert("x")</script>' + "long " * 300,
                                         "<b>key</b>": "<img src=x onerror=alert(1)>"})
    timeline = _timeline(client_for(officer_in_team), resident_a.customer)
    assert "<script>alert" not in timeline and "<img src=x" not in timeline
    assert "&lt;script&gt;alert" in timeline


def test_only_cases_the_reader_may_open_show_their_answers(client_for, officer_in_team, administrator, resident_a,
                                                           service, elsewhere):
    ours = _case(service, resident_a.customer, {"where_exactly": "Mill Lane"})
    theirs = _case(elsewhere, resident_a.customer, {"car_park": "Seacourt"})
    mine = _timeline(client_for(officer_in_team), resident_a.customer)
    assert f"Open case {ours.reference}" in mine and theirs.reference not in mine and "Seacourt" not in mine
    everything = _timeline(client_for(administrator), resident_a.customer)
    assert f"Open case {ours.reference}" in everything and f"Open case {theirs.reference}" in everything
    assert_readable(everything, shows=["Car park", "Seacourt"], never=["car_park"])


def test_the_timeline_costs_the_same_queries_however_many_cases(client_for, officer_in_team, resident_a, service):
    customer = resident_a.customer
    _case(service, customer, {"where_exactly": "Mill Lane"})
    client = client_for(officer_in_team)
    _timeline(client, customer)  # warm the session
    with CaptureQueriesContext(connection) as few:
        _timeline(client, customer)
    for number in range(6):
        case = _case(service, customer, {"where_exactly": f"Street {number}", "items": ["cones", "barrier"]})
        s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    with CaptureQueriesContext(connection) as more:
        timeline = _timeline(client, customer)
    assert timeline.count("Open case ") == 7
    assert len(more.captured_queries) == len(few.captured_queries), [q["sql"] for q in more.captured_queries]
