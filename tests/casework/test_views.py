"""Staff casework pages: the role matrix on every URL, forms, bad input and query counts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, Priority, Status
from casework.views import ACTIONS
from oxtom.core.models import AuditEvent
from tests import factories as f

from .factories import CaseEventFactory, CaseFactory


ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]
NOT_STAFF = {"resident_a", "councillor_of_division", "councillor_elsewhere"}


def user_for(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def check(response, role, allowed: set[str], *, ok=(200,)):
    """Anonymous -> sign in; non-staff -> 403; staff who may not see it -> 404; allowed -> ok."""
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), role
    elif role in NOT_STAFF:
        assert response.status_code == 403, role
    elif role in allowed:
        assert response.status_code in ok, (role, response.status_code)
    else:
        assert response.status_code == 404, (role, response.status_code)


@pytest.fixture
def case(make_case):
    return make_case()


@pytest.mark.parametrize("role", ROLES)
def test_queue_page_role_matrix(request, client_for, team, case, role):
    response = client_for(user_for(request, role)).get(f"/staff/queues/{team.slug}/")
    check(response, role, {"officer_in_team", "team_leader", "administrator"})
    if response.status_code == 200:
        assert case.reference in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_queue_list_role_matrix(request, client_for, team, role):
    response = client_for(user_for(request, role)).get("/staff/queues/")
    # A member of one team goes straight to it; others see the list (empty for advisers).
    check(response, role, {"adviser", "officer_outside_team", "officer_in_team", "team_leader", "administrator"},
          ok=(200, 302))


@pytest.mark.parametrize("role", ROLES)
def test_case_page_role_matrix(request, client_for, case, role):
    response = client_for(user_for(request, role)).get(f"/staff/cases/{case.reference}/")
    check(response, role, {"officer_in_team", "team_leader", "administrator"})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_url_role_matrix(request, client_for, case, role, action):
    client = client_for(user_for(request, role))
    response = client.get(f"/staff/cases/{case.reference}/{action}/")
    check(response, role, {"officer_in_team", "team_leader", "administrator"}, ok=(200, 302))
    response = client.post(f"/staff/cases/{case.reference}/{action}/", {"version": "1"})
    check(response, role, {"officer_in_team", "team_leader", "administrator"}, ok=(200, 302))
    if role not in {"officer_in_team", "team_leader", "administrator"}:
        assert Case.objects.get(pk=case.pk).version == 1  # nothing changed


@pytest.mark.parametrize("role", ROLES)
def test_get_next_role_matrix(request, client_for, team, case, role):
    response = client_for(user_for(request, role)).post(f"/staff/queues/{team.slug}/next/")
    check(response, role, {"officer_in_team", "team_leader", "administrator"}, ok=(302,))
    claimed = Case.objects.get(pk=case.pk).assignee
    if role in {"officer_in_team", "team_leader", "administrator"}:
        # The administrator may work any team's case, so the queue offers them "Get next case" and it works.
        assert claimed == user_for(request, role)
    else:
        assert claimed is None


def test_unknown_action_and_reference_404(client_for, officer_in_team, case):
    client = client_for(officer_in_team)
    assert client.get(f"/staff/cases/{case.reference}/explode/").status_code == 404
    assert client.get("/staff/cases/HW-2026-NOSUCH/").status_code == 404
    assert client.get("/staff/queues/no-such-team/").status_code == 404


# --- working a case through the pages -------------------------------------------------------


def post(client, case, action, data):
    version = Case.objects.get(pk=case.pk).version
    return client.post(f"/staff/cases/{case.reference}/{action}/", {"version": version, **data})


def test_work_a_case_from_queue_to_closure(client_for, team, case, officer_in_team):
    client = client_for(officer_in_team)
    response = client.post(f"/staff/queues/{team.slug}/next/")
    assert response["Location"] == f"/staff/cases/{case.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert "Alice Resident" in page and "High Street" in page
    for action, data in [
        ("update", {"text": "We will inspect it this week"}),
        ("request-information", {"request_text": "Send a photo"}),
        ("information-received", {"details": "Photo arrived"}),
        ("expected-date", {"expected_date_day": "1", "expected_date_month": "1", "expected_date_year": str(timezone.localdate().year + 1)}),
        ("decide", {"decision": "action_taken", "reasons": "Over 40mm deep"}),
        ("close", {"outcome": "completed"}),
    ]:
        response = post(client, case, action, data)
        assert response.status_code == 302, (action, response.content.decode()[:2000])
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.CLOSED and case.outcome == "completed"
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Over 40mm deep" in page and "Reopen this case" in page


def test_case_page_shows_customer_record_and_audits_the_view(client_for, case, officer_in_team, customer_a):
    customer_a.reasonable_adjustments = "Large print letters"
    customer_a.save()
    page = client_for(officer_in_team).get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Large print letters" in page and customer_a.reference in page
    assert AuditEvent.objects.filter(action="view", target_type="customers.customer",
                                     target_id=str(customer_a.pk), actor=officer_in_team).exists()


def test_private_notes_are_marked_staff_only(client_for, case, officer_in_team):
    client = client_for(officer_in_team)
    post(client, case, "note", {"text": "Contractor phoned"})
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Contractor phoned" in page and "Staff only" in page


def test_hostile_text_is_escaped(client_for, case, officer_in_team):
    client = client_for(officer_in_team)
    response = post(client, case, "note", {"text": "<script>alert('x')</script>"})
    assert response.status_code == 302
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


BAD_INPUT = [
    ("note", {"text": ""}, "Enter a note"),
    ("note", {"text": "x" * 5001}, "The note must be 5,000 characters or fewer"),
    ("update", {"text": "   "}, "Enter the update for the customer"),
    ("priority", {"priority": "", "reason": "x"}, "Choose a priority"),
    ("priority", {"priority": "9", "reason": "x"}, "Choose a priority from the list"),
    ("priority", {"priority": "3", "reason": "x"}, "already has this priority"),
    ("priority", {"priority": "1", "reason": ""}, "Enter why the priority is changing"),
    ("expected-date", {"expected_date_day": "", "expected_date_month": "", "expected_date_year": ""}, "Enter the date the customer can expect this done"),
    ("expected-date", {"expected_date_day": "31", "expected_date_month": "2", "expected_date_year": "2030"}, "must be a real date"),
    ("expected-date", {"expected_date_day": "1", "expected_date_month": "", "expected_date_year": "2030"}, "must include a month"),
    ("expected-date", {"expected_date_day": "1", "expected_date_month": "1", "expected_date_year": "2001"}, "today or in the future"),
    ("expected-date", {"expected_date_day": "1", "expected_date_month": "1", "expected_date_year": "'; DROP"}, "must be a real date"),
    ("decide", {"decision": "approved", "reasons": ""}, "Enter the reasons for the decision"),
    ("decide", {"decision": "", "reasons": "x"}, "Choose a decision"),
    ("decide", {"decision": "approved", "reasons": "Because"}, "Accept this case before recording a decision"),
    ("close", {"outcome": ""}, "Choose an outcome"),
    ("close", {"outcome": "duplicate"}, "Choose an outcome from the list"),
    ("reopen", {"reason": "x"}, "Only a closed case can be reopened"),
    ("duplicate", {"original": ""}, "Enter the reference of the original case"),
    ("duplicate", {"original": "<script>"}, "Enter the reference of a case you can see"),
    ("duplicate", {"original": "X" * 30}, "Enter a case reference"),
    ("refer", {"team": "", "reason": "x"}, "Choose the team to refer the case to"),
    ("refer", {"team": "999999", "reason": "x"}, "Choose a team from the list"),
    ("request-information", {"request_text": "Photo"}, "Accept this case before asking"),
    ("assign", {"assignee": ""}, "Choose an officer"),
    ("assign", {"assignee": "999999"}, "Choose an officer from the list"),
]


@pytest.mark.parametrize("action,data,message", BAD_INPUT, ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client_for, case, team_leader, action, data, message):
    client = client_for(team_leader)
    events_before = CaseEvent.objects.filter(case=case).count()
    response = post(client, case, action, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and message in body.replace("&#x27;", "'")
    assert "<title>Error: " in body
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.version == 1 and fresh.status == Status.NEW
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_assign_outside_team_is_refused(client_for, case, team_leader, officer_outside_team):
    response = post(client_for(team_leader), case, "assign", {"assignee": str(officer_outside_team.pk)})
    assert response.status_code == 200 and "Choose an officer from the list" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assignee is None


def test_missing_or_tampered_version_is_refused(client_for, case, officer_in_team):
    client = client_for(officer_in_team)
    for version in ["", "abc", "0", "-4"]:
        response = client.post(f"/staff/cases/{case.reference}/accept/", {"version": version})
        assert response.status_code == 200 and "Reload the case and try again" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_second_officer_is_told_and_keeps_their_words(client_for, case, officer_in_team, team_leader):
    s.case_accept(case=case, expected_version=1, by=officer_in_team)  # someone else, a moment ago
    response = client_for(team_leader).post(
        f"/staff/cases/{case.reference}/priority/", {"version": "1", "priority": "1", "reason": "Next to a school"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this case" in body
    assert "Next to a school" in body and 'name="version" value="2"' in body
    assert Case.objects.get(pk=case.pk).priority == Priority.NORMAL
    # Resubmitting after checking works.
    response = client_for(team_leader).post(
        f"/staff/cases/{case.reference}/priority/", {"version": "2", "priority": "1", "reason": "Next to a school"}
    )
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).priority == Priority.URGENT


def test_action_not_offered_now_redirects_with_message(client_for, case, officer_in_team):
    response = client_for(officer_in_team).get(f"/staff/cases/{case.reference}/reopen/", follow=True)
    assert "You cannot reopen this case now" in response.content.decode()


def test_get_next_with_empty_queue_says_so(client_for, team, officer_in_team):
    response = client_for(officer_in_team).post(f"/staff/queues/{team.slug}/next/", follow=True)
    assert "There are no unassigned cases in this queue" in response.content.decode()


def test_get_next_needs_post(client_for, team, officer_in_team):
    assert client_for(officer_in_team).get(f"/staff/queues/{team.slug}/next/").status_code == 405


def test_queue_filters_bad_values_are_reported_not_applied(client_for, team, case, officer_in_team):
    response = client_for(officer_in_team).get(
        f"/staff/queues/{team.slug}/", {"priority": "99", "status": "<script>", "sla": "late", "division": "abc"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose a priority from the list" in body and "Choose a status from the list" in body
    assert case.reference in body and "<script>" not in body.split("</head>")[1].replace("<script type", "")


def test_queue_paginates_by_keyset(client_for, team, service, officer_in_team):
    for i in range(60):
        CaseFactory(service=service, due_at=timezone.localdate() + dt.timedelta(days=i), reference=f"HW-2026-P{i:05d}")
    client = client_for(officer_in_team)
    first = client.get(f"/staff/queues/{team.slug}/").content.decode()
    assert "HW-2026-P00000" in first and "HW-2026-P00050" not in first
    next_href = first.split('id="next-page"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(f"/staff/queues/{team.slug}/{next_href}").content.decode()
    assert "HW-2026-P00050" in second and "HW-2026-P00049" not in second and 'id="next-page"' not in second


# --- query counts ---------------------------------------------------------------------------------


def _grow(service, case, customer, officer, n=50):
    for i in range(n):
        other = CaseFactory(service=service, customer=customer, assignee=officer,
                            due_at=timezone.localdate() + dt.timedelta(days=i % 20), priority=1 + i % 4)
        CaseEventFactory(case=case, actor=officer)
        CaseEventFactory(case=other, actor=officer)


def test_queue_page_query_count_is_constant(client_for, team, service, case, officer_in_team, customer_a,
                                            django_assert_max_num_queries):
    client = client_for(officer_in_team)
    client.get(f"/staff/queues/{team.slug}/")  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(f"/staff/queues/{team.slug}/").status_code == 200
    _grow(service, case, customer_a, officer_in_team)
    with django_assert_max_num_queries(len(before)):
        assert client.get(f"/staff/queues/{team.slug}/?assigned=me").status_code == 200
    assert len(before) <= 12


def test_case_page_query_count_is_constant(client_for, service, case, officer_in_team, customer_a,
                                           django_assert_max_num_queries):
    client = client_for(officer_in_team)
    client.get(f"/staff/cases/{case.reference}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    _grow(service, case, customer_a, officer_in_team)
    with django_assert_max_num_queries(len(before)):
        assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    assert len(before) <= 14


def test_plain_case_of_a_report_service_is_worked_on_the_case_page(client_for, case, officer_in_team):
    # Only a case with a street report behind it links to, and hands steps over to, the report page:
    # a case of a report-kind service without one would otherwise link to a page that is not there.
    assert case.service.kind == "report" and not hasattr(Case.objects.get(pk=case.pk), "street_report")
    page = client_for(officer_in_team).get(f"/staff/cases/{case.reference}/").content.decode()
    assert 'id="street-report-link"' not in page and 'id="application-link"' not in page
    assert f"/staff/cases/{case.reference}/accept/" in page
