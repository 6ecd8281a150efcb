"""The engine's contract (issue 11 §4): clock policy per service, follow-on cases with "a different
officer decides", a member of staff as requester, tasks under a case, and roles held per team.

Real database, real services and real views through the test client.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.utils import timezone

from oxtom.cases import clock, rules, selectors
from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, CaseTask, ServiceStage, Status
from oxtom.core.calendar import Calendar, add_working_days
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage
from tests import factories as f

from .factories import ServiceFactory


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _sla(days: int) -> dict[str, int]:
    return {"1": days, "2": days, "3": days, "4": days}


@pytest.fixture
def foi_service(team):
    return ServiceFactory(code="test-foi", name="FOI request", team=team, reference_prefix="FO", kind="request",
                          calendar="any_uk_nation", clock_restarts_for_customer=True, max_extensions=1,
                          max_extension_working_days=20, sla_working_days=_sla(20))


@pytest.fixture
def review_service(team):
    return ServiceFactory(code="test-review", name="Internal review", team=team, reference_prefix="FR",
                          kind="report", different_decider=True, sla_working_days=_sla(20))


def _progress(case, by):
    case = s.case_accept(case=case, expected_version=case.version, by=by)
    return s.case_assign(case=case, assignee=by, expected_version=case.version, by=by)


# --- 1. the clock policy -----------------------------------------------------------------------

def test_default_service_keeps_todays_clock(make_case, service):
    received = dt.date(2026, 11, 27)  # a Friday before St Andrew's Day (a Scottish bank holiday)
    case = make_case(received_at=at(received))
    assert case.due_at == add_working_days(received, service.sla_days(3), Calendar.ENGLAND_AND_WALES)
    assert case.stage_id is None and case.clock_started_on is None


def test_foi_counts_bank_holidays_in_any_uk_nation(make_case, foi_service):
    received = dt.date(2026, 11, 27)
    england = add_working_days(received, 20, Calendar.ENGLAND_AND_WALES)
    case = make_case(service=foi_service, received_at=at(received))
    assert case.due_at == add_working_days(received, 20, Calendar.ANY_UK_NATION)
    assert case.due_at > england  # 30 November (St Andrew's Day) is not a working day for FOI


def test_sla_state_and_queue_counts_use_each_services_calendar(make_case, service, foi_service, officer_in_team, team):
    on = dt.date(2026, 11, 26)  # Thursday: 2 working days on is Monday in England, Tuesday for FOI
    tuesday = dt.date(2026, 12, 1)
    plain, foi = make_case(), make_case(service=foi_service)
    Case.objects.filter(pk__in=[plain.pk, foi.pk]).update(due_at=tuesday)
    plain.refresh_from_db(), foi.refresh_from_db()
    assert rules.case_sla_state(plain, on=on) == rules.SlaState.ON_TRACK
    assert rules.case_sla_state(foi, on=on) == rules.SlaState.DUE_SOON
    page = selectors.queue_page(user=officer_in_team, team=team, filters=selectors.QueueFilters(), on=on)
    assert page.counts[rules.SlaState.DUE_SOON] == 1 and page.counts[rules.SlaState.ON_TRACK] == 1
    states = {c.pk: c.sla_state for c in page.cases}
    assert states == {plain.pk: rules.SlaState.ON_TRACK, foi.pk: rules.SlaState.DUE_SOON}
    soon = selectors.queue_page(user=officer_in_team, team=team, on=on,
                                filters=selectors.QueueFilters(sla=rules.SlaState.DUE_SOON))
    assert [c.pk for c in soon.cases] == [foi.pk]


def test_clarification_restarts_the_foi_clock(make_case, foi_service, officer_in_team):
    case = _progress(make_case(service=foi_service, received_at=at(dt.date(2026, 1, 5))), officer_in_team)
    case = s.case_request_information(case=case, request_text="Which years do you mean?",
                                      expected_version=case.version, by=officer_in_team)
    assert case.paused_on == rules.today()
    case = s.case_information_received(case=case, details="2024 and 2025", expected_version=case.version,
                                       by=officer_in_team)
    assert case.clock_started_on == rules.today() and case.paused_working_days == 0
    assert case.due_at == add_working_days(rules.today(), 20, Calendar.ANY_UK_NATION)
    assert case.events.filter(kind=CaseEvent.Kind.CLOCK_RESTARTED).exists()


def test_a_service_whose_clock_runs_while_waiting(make_case, service, officer_in_team):
    service.clock_pauses_for_customer = False
    service.save()
    case = _progress(make_case(), officer_in_team)
    due = case.due_at
    case = s.case_request_information(case=case, request_text="A photo please", expected_version=case.version,
                                      by=officer_in_team)
    assert case.paused_on is None and case.due_at == due


def test_extension_with_reason_and_new_due_date(make_case, foi_service, officer_in_team):
    case = _progress(make_case(service=foi_service), officer_in_team)
    new_due = add_working_days(case.due_at, 20, Calendar.ANY_UK_NATION)
    with pytest.raises(ValidationError) as too_far:
        s.case_extend(case=case, new_due=add_working_days(case.due_at, 21, Calendar.ANY_UK_NATION),
                      reason="Public interest test", expected_version=case.version, by=officer_in_team)
    assert "up to 20 working days" in str(too_far.value)
    with pytest.raises(ValidationError) as no_reason:
        s.case_extend(case=case, new_due=new_due, reason="  ", expected_version=case.version, by=officer_in_team)
    assert "Enter why" in str(no_reason.value)
    saturday = new_due + dt.timedelta(days=(5 - new_due.weekday()) % 7 or 7)
    with pytest.raises(ValidationError) as weekend:
        s.case_extend(case=case, new_due=saturday, reason="x", expected_version=case.version, by=officer_in_team)
    assert "working day" in str(weekend.value)
    case = s.case_extend(case=case, new_due=new_due, reason="Considering the public interest",
                         expected_version=case.version, by=officer_in_team)
    assert case.due_at == new_due and case.extensions_used == 1 and case.extension_working_days == 20
    event = case.events.get(kind=CaseEvent.Kind.EXTENDED)
    assert event.visibility == CaseEvent.Visibility.CUSTOMER and "public interest" in event.text
    assert AuditEvent.objects.filter(target_id=str(case.pk), summary="Due date extended").count() == 1
    assert any("more time" in (m.context or {}).get("message", "")
               for m in OutboundMessage.objects.filter(customer=case.customer))
    # The extension is kept as working days: a priority change keeps it.
    case = s.case_change_priority(case=case, priority=2, reason="Chased", expected_version=case.version,
                                  by=officer_in_team)
    assert case.due_at == clock.due_for(case) == add_working_days(
        rules.local_date(case.received_at), 20 + 20, Calendar.ANY_UK_NATION)
    with pytest.raises(ValidationError) as twice:
        s.case_extend(case=case, new_due=case.due_at + dt.timedelta(days=7), reason="Again",
                      expected_version=case.version, by=officer_in_team)
    assert "the most this service allows" in str(twice.value)


def test_a_service_without_extensions_refuses_them(make_case, officer_in_team):
    case = _progress(make_case(), officer_in_team)
    with pytest.raises(ValidationError) as refused:
        s.case_extend(case=case, new_due=case.due_at + dt.timedelta(days=14), reason="More time",
                      expected_version=case.version, by=officer_in_team)
    assert "does not allow extensions" in str(refused.value)


def test_stages_have_their_own_targets(make_case, team, officer_in_team):
    complaints = ServiceFactory(code="test-complaint", name="Complaint", team=team, reference_prefix="CO")
    ack = ServiceStage.objects.create(service=complaints, position=1, name="Acknowledge", working_days=3)
    stage1 = ServiceStage.objects.create(service=complaints, position=2, name="Stage 1 response", working_days=10)
    received = dt.date(2026, 3, 2)
    case = _progress(make_case(service=complaints, received_at=at(received)), officer_in_team)
    assert case.stage == ack and case.due_at == add_working_days(received, 3)
    case = s.case_next_stage(case=case, note="Acknowledged", expected_version=case.version, by=officer_in_team)
    assert case.stage == stage1 and case.due_at == add_working_days(rules.today(), 10)
    assert case.events.filter(kind=CaseEvent.Kind.STAGE_CHANGED, visibility="customer").exists()
    with pytest.raises(ValidationError) as last:
        s.case_next_stage(case=case, expected_version=case.version, by=officer_in_team)
    assert "last stage" in str(last.value)


def test_extend_and_next_stage_through_the_case_page(client_for, make_case, foi_service, officer_in_team):
    case = _progress(make_case(service=foi_service), officer_in_team)
    client = client_for(officer_in_team)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Extend the due date" in page
    new_due = add_working_days(case.due_at, 5, Calendar.ANY_UK_NATION)
    bad = client.post(f"/staff/cases/{case.reference}/extend/", {
        "version": case.version, "new_due_day": "31", "new_due_month": "2", "new_due_year": "2030", "reason": "x"})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    ok = client.post(f"/staff/cases/{case.reference}/extend/", {
        "version": case.version, "new_due_day": new_due.day, "new_due_month": new_due.month,
        "new_due_year": new_due.year, "reason": "Third party consultation"})
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.due_at == new_due
    assert "Extended" in client.get(f"/staff/cases/{case.reference}/").content.decode()


# --- 2. follow-on cases ---------------------------------------------------------------------------

def test_follow_on_is_linked_and_decided_by_a_different_officer(client_for, make_case, review_service,
                                                                 officer_in_team, other_officer_in_team):
    parent = _progress(make_case(), officer_in_team)
    with pytest.raises(ValidationError):
        s.case_open_follow_on(parent=parent, service=review_service, reason="Review", by=officer_in_team)
    parent = s.case_decide(case=parent, decision="refused", reasons="Not our road", expected_version=parent.version,
                           by=officer_in_team)
    assert parent.decided_by == officer_in_team
    child = s.case_open_follow_on(parent=parent, service=review_service, reason="Customer asked for a review",
                                  by=officer_in_team)
    assert child.parent == parent and child.customer == parent.customer
    with pytest.raises(ValidationError) as twice:
        s.case_open_follow_on(parent=parent, service=review_service, reason="Again", by=officer_in_team)
    assert child.reference in str(twice.value)
    # Both case pages show the link.
    client = client_for(officer_in_team)
    assert child.reference in client.get(f"/staff/cases/{parent.reference}/").content.decode()
    child_page = client.get(f"/staff/cases/{child.reference}/").content.decode()
    assert parent.reference in child_page and "must decide this case" in child_page
    child = _progress(child, officer_in_team)
    # The officer who decided the parent is refused, with a clear message, and nothing is saved.
    response = client.post(f"/staff/cases/{child.reference}/decide/",
                           {"version": child.version, "decision": "approved", "reasons": "Fine"})
    assert response.status_code == 200 and "another officer must decide it" in response.content.decode()
    child.refresh_from_db()
    assert child.status == Status.IN_PROGRESS and child.decision == ""
    with pytest.raises(PermissionDenied):
        s.case_decide(case=child, decision="approved", reasons="Fine", expected_version=child.version,
                      by=officer_in_team)
    child = s.case_decide(case=child, decision="approved", reasons="Upheld on review",
                          expected_version=child.version, by=other_officer_in_team)
    assert child.decided_by == other_officer_in_team
    # The customer's own page for the follow-on links to the case it follows.
    mine = client_for(parent.customer.user).get(f"/account/cases/{child.reference}/").content.decode()
    assert f"/account/cases/{parent.reference}/" in mine


def test_follow_on_through_the_case_page_goes_to_the_new_case(client_for, make_case, review_service, officer_in_team):
    parent = _progress(make_case(), officer_in_team)
    parent = s.case_decide(case=parent, decision="refused", reasons="No", expected_version=parent.version,
                           by=officer_in_team)
    client = client_for(officer_in_team)
    response = client.post(f"/staff/cases/{parent.reference}/follow-on/",
                           {"version": parent.version, "service": review_service.pk, "reason": "Asked for review"})
    child = Case.objects.get(parent=parent)
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{child.reference}/"
    assert AuditEvent.objects.filter(target_id=str(child.pk), action="create").count() == 2  # case, follow-on


def test_rule_off_lets_the_same_officer_decide(make_case, service, officer_in_team):
    parent = _progress(make_case(), officer_in_team)
    parent = s.case_decide(case=parent, decision="refused", reasons="No", expected_version=parent.version,
                           by=officer_in_team)
    child = _progress(s.case_open_follow_on(parent=parent, service=service, reason="Reconsider",
                                            by=officer_in_team), officer_in_team)
    child = s.case_decide(case=child, decision="approved", reasons="Reconsidered", expected_version=child.version,
                          by=officer_in_team)
    assert child.decision == "approved"


# --- 3. a member of staff as requester -------------------------------------------------------------

def test_a_case_needs_a_customer_or_a_requester(make_case, officer_in_team, resident_a):
    with pytest.raises(ValidationError) as neither:
        make_case(customer=None)
    assert "Say who this case is for" in str(neither.value)
    with pytest.raises(ValidationError):  # a resident cannot be a staff requester
        make_case(customer=None, requested_by=resident_a)
    case = make_case(customer=None, requested_by=officer_in_team, by=officer_in_team)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(requested_by=None)  # the database holds the rule too


def test_my_requests_and_the_requesters_view(client_for, make_case, officer_outside_team, officer_in_team):
    asked = make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team,
                      title="New starter laptop")
    asked = _progress(asked, officer_in_team)
    s.case_add_note(case=asked, text="Private: budget code unknown", expected_version=asked.version,
                    by=officer_in_team)
    client = client_for(officer_outside_team)
    listing = client.get("/staff/requests/").content.decode()
    assert asked.reference in listing and "New starter laptop" in listing
    detail = client.get(f"/staff/requests/{asked.reference}/")
    assert detail.status_code == 200
    assert "budget code" not in detail.content.decode()  # the team's private notes stay with the team
    assert client.get(f"/staff/cases/{asked.reference}/").status_code == 404  # not their team's case
    assert client_for(officer_in_team).get(f"/staff/requests/{asked.reference}/").status_code == 404
    page = client_for(officer_in_team).get(f"/staff/cases/{asked.reference}/").content.decode()
    assert "Requested by" in page and officer_outside_team.email in page
    # The requester hears by email (through the outbox), not a customer timeline.
    assert OutboundMessage.objects.filter(recipient=officer_outside_team.email, template_code="staff-alert").exists()


def test_other_open_cases_of_a_staff_request_are_that_colleagues_only(make_case, officer_in_team,
                                                                      officer_outside_team, team_leader):
    mine = make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team)
    also_mine = make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team)
    make_case(customer=None, requested_by=team_leader, by=team_leader)
    make_case()
    assert [c.pk for c in selectors.other_open_cases(officer_in_team, mine)] == [also_mine.pk]


def test_my_requests_costs_the_same_for_many(client_for, make_case, officer_outside_team):
    client = client_for(officer_outside_team)
    make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team)
    client.get("/staff/requests/")
    with CaptureQueriesContext(connection) as one:
        client.get("/staff/requests/")
    for _ in range(5):
        make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team)
    with CaptureQueriesContext(connection) as six:
        assert client.get("/staff/requests/").content.decode().count("/staff/requests/") >= 6
    assert len(six) == len(one)


# --- 4. tasks under a case ---------------------------------------------------------------------------

def test_tasks_add_complete_reopen_on_the_case_page(client_for, make_case, officer_in_team, other_officer_in_team,
                                                    officer_outside_team):
    case = _progress(make_case(), officer_in_team)
    client = client_for(officer_in_team)
    due = rules.today() + dt.timedelta(days=7)
    response = client.post(f"/staff/cases/{case.reference}/tasks/add/", {
        "title": "Check references", "assignee": other_officer_in_team.pk,
        "due_on_day": due.day, "due_on_month": due.month, "due_on_year": due.year})
    assert response.status_code == 302
    task = CaseTask.objects.get(case=case)
    assert (task.title, task.assignee, task.due_on, task.done_at) == ("Check references", other_officer_in_team,
                                                                      due, None)
    assert "Check references" in client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert client.post(f"/staff/cases/{case.reference}/tasks/{task.pk}/done/").status_code == 302
    task.refresh_from_db()
    assert task.done_by == officer_in_team and task.done_at is not None
    again = client.post(f"/staff/cases/{case.reference}/tasks/{task.pk}/done/", follow=True)
    assert "already been marked as done" in again.content.decode()
    client.post(f"/staff/cases/{case.reference}/tasks/{task.pk}/reopen/")
    task.refresh_from_db()
    assert task.done_at is None and task.done_by is None
    kinds = list(case.events.filter(kind__startswith="task_").values_list("kind", flat=True))
    assert sorted(kinds) == ["task_added", "task_done", "task_reopened"]
    assert AuditEvent.objects.filter(target_type="casework.casetask", target_id=str(task.pk)).count() == 3
    # Someone outside the team: 404 and nothing changes.
    outsider = client_for(officer_outside_team)
    assert outsider.post(f"/staff/cases/{case.reference}/tasks/{task.pk}/done/").status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


@pytest.mark.parametrize("data, message", [
    ({"title": ""}, "Enter what needs to be done"),
    ({"title": "x" * 201}, "200 characters or fewer"),
    ({"title": "Ok", "assignee": "999999"}, "Choose an officer from the list"),
    ({"title": "Ok", "due_on_day": "1", "due_on_month": "1", "due_on_year": "2020"}, "today or in the future"),
    ({"title": "Ok", "due_on_day": "31", "due_on_month": "2", "due_on_year": "2030"}, "real date"),
])
def test_bad_task_input_gets_a_clear_message(client_for, make_case, officer_in_team, data, message):
    case = make_case()
    response = client_for(officer_in_team).post(f"/staff/cases/{case.reference}/tasks/add/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not CaseTask.objects.exists()


def test_no_tasks_on_a_closed_case_and_assignee_must_be_in_team(make_case, officer_in_team, officer_outside_team):
    case = make_case()
    with pytest.raises(ValidationError):
        s.case_task_add(case=case, title="T", assignee=officer_outside_team, by=officer_in_team)
    case = s.case_close(case=case, outcome="completed", expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError) as closed:
        s.case_task_add(case=case, title="T", by=officer_in_team)
    assert "closed" in str(closed.value)


def test_the_officers_home_lists_their_tasks_in_constant_queries(client_for, make_case, officer_in_team):
    client = client_for(officer_in_team)
    case = make_case()
    s.case_task_add(case=case, title="First task", assignee=officer_in_team, by=officer_in_team)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as one:
        page = client.get("/staff/").content.decode()
    assert "First task" in page
    for n in range(5):
        s.case_task_add(case=make_case(), title=f"Task {n}", assignee=officer_in_team, by=officer_in_team)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/staff/").content.decode()
    assert "Task 4" in page and len(six) == len(one)


# --- 5. roles held per team ------------------------------------------------------------------------------

@pytest.fixture
def bas_officer(team):
    """A business-admin officer: no officer role anywhere, the officer role in this team only."""
    user = f.UserFactory(email="bas@example.org", roles=["bas_officer"])
    f.TeamMembershipFactory(team=team, user=user, team_role="officer")
    return user


def test_a_team_role_works_that_teams_queue_only(client_for, make_case, team, other_team, bas_officer):
    case = make_case()
    other = ServiceFactory(code="other-svc", team=other_team)
    elsewhere = make_case(service=other)
    f.TeamMembershipFactory(team=other_team, user=bas_officer)  # a member there, with no role for it
    client = client_for(bas_officer)
    assert client.get(f"/staff/queues/{team.slug}/").status_code == 200
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    assert client.get(f"/staff/queues/{other_team.slug}/").status_code == 404
    assert client.get(f"/staff/cases/{elsewhere.reference}/").status_code == 404
    assert s.can_work_case(bas_officer, case) and not s.can_work_case(bas_officer, elsewhere)
    assert s.case_claim_next(officer=bas_officer, team=team).pk == case.pk
    with pytest.raises(PermissionDenied):
        s.case_claim_next(officer=bas_officer, team=other_team)
    assert bas_officer in selectors.team_officers(team)


def test_without_the_team_role_no_queue(client_for, team):
    user = f.UserFactory(email="bas2@example.org", roles=["bas_officer"])
    f.TeamMembershipFactory(team=team, user=user)
    assert client_for(user).get(f"/staff/queues/{team.slug}/").status_code == 404


def test_the_team_admin_page_sets_the_team_role(client_for, team, administrator):
    user = f.UserFactory(email="bas3@example.org", roles=["bas_officer"])
    membership = f.TeamMembershipFactory(team=team, user=user)
    client = client_for(administrator)
    url = f"/staff/teams/{team.slug}/members/{membership.pk}/"
    assert "A role for this team" in client.get(url).content.decode()
    bad = client.post(url, {"role": "member", "team_role": "administrator"})
    assert bad.status_code == 400 and "Choose a role from the list" in bad.content.decode()
    assert client.post(url, {"role": "member", "team_role": "officer"}).status_code == 302
    membership.refresh_from_db()
    assert membership.team_role == "officer"
    assert AuditEvent.objects.filter(target_type="accounts.teammembership", target_id=str(membership.pk),
                                     detail__team_role="officer").exists()
    same = client.post(url, {"role": "member", "team_role": "officer"})
    assert same.status_code == 400 and "already has these roles" in same.content.decode()
    assert "Officer of this team" in client.get(f"/staff/teams/{team.slug}/").content.decode()


# --- the clock policy on the administrator's catalogue page ---------------------------------------------

def test_the_catalogue_page_sets_the_clock_policy(client_for, service, administrator):
    client = client_for(administrator)
    url = f"/staff/catalogue/{service.code}/"
    assert "While we wait for the customer" in client.get(url).content.decode()
    data = {"team": service.team_id, "sla_1": 2, "sla_2": 5, "sla_3": 10, "sla_4": 20, "qa_percent": "5",
            "is_active": "on", "calendar": "any_uk_nation", "customer_wait": "restart", "max_extensions": "9",
            "max_extension_working_days": "20"}
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Extensions allowed must be 5 or fewer" in bad.content.decode()
    service.refresh_from_db()
    assert service.calendar == "england_wales"
    assert client.post(url, {**data, "max_extensions": "1", "different_decider": "on"}).status_code == 302
    service.refresh_from_db()
    assert (service.calendar, service.clock_restarts_for_customer, service.max_extensions,
            service.different_decider) == ("any_uk_nation", True, 1, True)
    policy = clock.policy_for(service)
    assert policy.calendar == Calendar.ANY_UK_NATION and policy.on_customer_wait == clock.RESTART
    assert AuditEvent.objects.filter(target_id=str(service.pk), detail__changed__calendar__to="any_uk_nation").exists()
