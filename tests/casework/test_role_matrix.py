"""One role matrix for every casework URL (staff, members and residents), GET and POST.

The table below names every URL in casework's three URLconfs; a URL added
without a row here fails test_every_casework_url_is_in_the_matrix. Forbidden
requests must change nothing (checked through the case's version, the QA
check's result and the number of cases).
"""
from __future__ import annotations

import pytest
from django.urls import get_resolver

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseTask, QaCheck, Status

ROLES = [
    "anonymous", "resident_a", "resident_b", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]
STAFF = {"adviser", "officer_in_team", "officer_outside_team", "team_leader", "administrator"}
COUNCILLORS = {"councillor_of_division", "councillor_elsewhere"}
NOT_STAFF = set(ROLES) - STAFF - {"anonymous"}
LOGIN = "login"


def staff_page(allowed: set[str], *, officer_in_team_gets: int = 404, ok: int = 200) -> dict[str, object]:
    """Non-staff 403; staff who may use it `ok`; other staff 404 (or 403 for leaders' tools)."""
    expected: dict[str, object] = {"anonymous": LOGIN}
    for role in ROLES[1:]:
        if role in NOT_STAFF:
            expected[role] = 403
        elif role in allowed:
            expected[role] = ok
        elif role == "officer_in_team":
            expected[role] = officer_in_team_gets
        else:
            expected[role] = 404
    return expected


def members_page(allowed: dict[str, int]) -> dict[str, object]:
    return {"anonymous": LOGIN, **{r: allowed.get(r, 403) for r in ROLES[1:]}}


def account_page(owner_only: bool, *, ok: int = 200) -> dict[str, object]:
    return {"anonymous": LOGIN, **{r: ok if (not owner_only or r == "resident_a") else 404 for r in ROLES[1:]}}


TEAM = {"officer_in_team", "team_leader", "administrator"}
LEADERS = {"team_leader", "administrator"}

# name -> (path template, method, expected status per role)
MATRIX: dict[tuple[str, str], tuple[str, str, dict[str, object]]] = {
    ("casework", "queues"): ("/staff/queues/", "get", {
        "anonymous": LOGIN, **{r: 403 for r in NOT_STAFF},
        # one team: straight to its queue; several or none: the list
        **{r: (200, 302) for r in STAFF}}),
    ("casework", "queue"): ("/staff/queues/{team}/", "get", staff_page(TEAM)),
    ("casework", "claim_next"): ("/staff/queues/{team}/next/", "post", staff_page(TEAM, ok=302)),
    ("casework", "workload"): ("/staff/queues/{team}/workload/", "get", staff_page(LEADERS, officer_in_team_gets=403)),
    ("casework", "bulk_reassign"): ("/staff/queues/{team}/reassign/", "post",
                                    staff_page(LEADERS, officer_in_team_gets=403, ok=302)),
    ("casework", "qa"): ("/staff/queues/{team}/qa/", "get", staff_page(LEADERS, officer_in_team_gets=403)),
    ("casework", "qa_review"): ("/staff/queues/{team}/qa/{check}/", "post",
                                staff_page(LEADERS, officer_in_team_gets=403, ok=302)),
    ("casework", "case"): ("/staff/cases/{case}/", "get", staff_page(TEAM)),
    ("casework", "case_action"): ("/staff/cases/{case}/note/", "post", staff_page(TEAM, ok=302)),
    ("casework", "task_add"): ("/staff/cases/{case}/tasks/add/", "get", staff_page(TEAM)),
    ("casework", "task_done"): ("/staff/cases/{case}/tasks/{task}/done/", "post", staff_page(TEAM, ok=302)),
    ("casework", "task_reopen"): ("/staff/cases/{case}/tasks/{task}/reopen/", "post", staff_page(TEAM, ok=302)),
    # Any member of staff has a "My requests" page; a request is its requester's alone (others 404).
    ("casework", "my_requests"): ("/staff/requests/", "get", staff_page(STAFF)),
    ("casework", "my_request"): ("/staff/requests/{request}/", "get", staff_page({"officer_outside_team"})),
    # The staff home's reference box: a case the user may not see answers as a missing one.
    ("casework", "find_case"): ("/staff/find-case/?reference={case}", "get", staff_page(TEAM, ok=302)),
    # The service catalogue is the administrator's (CATALOGUE_EDIT) alone.
    ("casework", "catalogue"): ("/staff/catalogue/", "get",
                                {"anonymous": LOGIN, **{r: 200 if r == "administrator" else 403 for r in ROLES[1:]}}),
    ("casework", "catalogue_service"): ("/staff/catalogue/{service}/", "get",
                                        {"anonymous": LOGIN,
                                         **{r: 200 if r == "administrator" else 403 for r in ROLES[1:]}}),
    # A service's clock and stages: the administrator's too.
    ("casework", "catalogue_stages"): ("/staff/catalogue/{service}/stages/", "get",
                                       {"anonymous": LOGIN, **{r: 200 if r == "administrator" else 403 for r in ROLES[1:]}}),
    ("casework", "catalogue_stage_add"): ("/staff/catalogue/{service}/stages/add/", "get",
                                          {"anonymous": LOGIN,
                                           **{r: 200 if r == "administrator" else 403 for r in ROLES[1:]}}),
    ("casework", "catalogue_stage_change"): ("/staff/catalogue/{service}/stages/{stage}/", "get",
                                             {"anonymous": LOGIN,
                                              **{r: 200 if r == "administrator" else 403 for r in ROLES[1:]}}),
    ("casework", "catalogue_stage_remove"): ("/staff/catalogue/{service}/stages/{stage}/remove/", "post",
                                             {"anonymous": LOGIN,
                                              **{r: 302 if r == "administrator" else 403 for r in ROLES[1:]}}),
    ("casework_members", "enquiries"): ("/members/enquiries/", "get",
                                        members_page({"councillor_of_division": 200, "councillor_elsewhere": 200})),
    ("casework_members", "enquiry_new"): ("/members/enquiries/new/", "post",
                                          members_page({"councillor_of_division": 200, "councillor_elsewhere": 200})),
    ("casework_members", "division_cases"): ("/members/cases/", "get",
                                             members_page({"councillor_of_division": 200, "councillor_elsewhere": 200})),
    ("casework_members", "case"): ("/members/cases/{case}/", "get",
                                   members_page({"councillor_of_division": 200, "councillor_elsewhere": 404})),
    ("casework_account", "cases"): ("/account/cases/", "get", account_page(owner_only=False)),
    ("casework_account", "case"): ("/account/cases/{case}/", "get", account_page(owner_only=True)),
    ("casework_account", "reply"): ("/account/cases/{case}/reply/", "post", account_page(owner_only=True, ok=302)),
}


def _names(urlconf: str, namespace: str) -> set[tuple[str, str]]:
    return {(namespace, p.name) for p in get_resolver(urlconf).url_patterns if p.name}


def test_every_casework_url_is_in_the_matrix():
    names = (_names("casework.urls", "casework") | _names("casework.member_urls", "casework_members")
             | _names("casework.account_urls", "casework_account"))
    assert names == set(MATRIX)


@pytest.fixture
def world(make_case, service, team, officer_in_team, team_leader, officer_outside_team):
    """A case of the team in division A, for resident A, waiting for their reply; and a QA check."""
    service.qa_sample_rate = 1
    service.save()
    sampled = make_case()
    sampled = s.case_close(case=sampled, outcome="completed", expected_version=sampled.version, by=officer_in_team)
    case = make_case()
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    case = s.case_request_information(case=case, request_text="Send a photo", expected_version=case.version,
                                      by=officer_in_team)
    task = s.case_task_add(case=case, title="Check the photo", by=officer_in_team)
    asked = make_case(customer=None, requested_by=officer_outside_team, by=officer_outside_team)
    from oxtom.cases.models import ServiceStage

    stage = ServiceStage.objects.create(service=service, position=1, name="Acknowledge", working_days=2)
    return {"stage": stage.pk, "team": team.slug, "case": case.reference, "check": QaCheck.objects.get(case=sampled).pk,
            "service": service.code, "case_obj": case, "task": task.pk, "request": asked.reference}


def _snapshot():
    return (list(Case.objects.order_by("pk").values_list("pk", "version", "assignee_id", "status")),
            list(QaCheck.objects.values_list("pk", "result")),
            list(CaseTask.objects.order_by("pk").values_list("pk", "done_at")))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MATRIX), ids=[f"{ns}:{name}" for ns, name in sorted(MATRIX)])
def test_role_matrix(request, client_for, world, enquiry_service, officer_in_team, role, key):
    path, method, expected = MATRIX[key]
    url = path.format(**{k: v for k, v in world.items() if k != "case_obj"})
    client = client_for(None if role == "anonymous" else request.getfixturevalue(role))
    before = _snapshot()
    if method == "get":
        response = client.get(url)
    else:
        # A valid-looking submission, so only the role decides the answer.
        data = {"version": world["case_obj"].version, "text": "A note", "details": "My reply", "result": "passed",
                "cases": [f"{world['case_obj'].pk}:{world['case_obj'].version}"], "assignee": officer_in_team.pk}
        response = client.post(url, data)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (role, url)
    elif isinstance(want, tuple):
        assert response.status_code in want, (role, url, response.status_code)
    else:
        assert response.status_code == want, (role, url, response.status_code)
    if method == "post" and (want == LOGIN or want in (403, 404)):
        assert _snapshot() == before, (role, url)  # refused: nothing changed
    if role == "resident_a" and key == ("casework_account", "reply"):
        assert Case.objects.get(reference=world["case"]).status == Status.IN_PROGRESS
