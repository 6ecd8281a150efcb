"""Councillors see their division's open cases (minus unshared special-category ones), nothing else."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases import services as s

from .factories import CaseEventFactory, CaseFactory

ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]
MEMBERS = {"councillor_of_division", "councillor_elsewhere"}


@pytest.fixture
def cases(service, resident_a, division_a, division_b):
    return {
        "in_a": CaseFactory(service=service, customer=resident_a.customer, division=division_a,
                            reference="HW-2026-INAAAA", title="Pothole on Bridge Street"),
        "special": CaseFactory(service=service, customer=resident_a.customer, division=division_a,
                               special_category=True, reference="HW-2026-SPECAL"),
        "shared": CaseFactory(service=service, customer=resident_a.customer, division=division_a,
                              special_category=True, shared_with_councillor=True, reference="HW-2026-SHARED"),
        "in_b": CaseFactory(service=service, division=division_b, reference="HW-2026-INBBBB"),
        "closed_a": CaseFactory(service=service, division=division_a, status="closed", reference="HW-2026-CLOSED"),
    }


def user_for(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


@pytest.mark.parametrize("role", ROLES)
def test_division_cases_list_role_matrix(request, client_for, cases, role):
    response = client_for(user_for(request, role)).get("/members/cases/")
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        return
    if role not in MEMBERS:
        assert response.status_code == 403
        return
    body = response.content.decode()
    shown = {key for key, case in cases.items() if case.reference in body}
    assert shown == ({"in_a", "shared"} if role == "councillor_of_division" else {"in_b"})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["in_a", "special", "shared", "in_b", "closed_a"])
def test_division_case_page_role_matrix(request, client_for, cases, role, which):
    response = client_for(user_for(request, role)).get(f"/members/cases/{cases[which].reference}/")
    if role == "anonymous":
        assert response.status_code == 302
    elif role not in MEMBERS:
        assert response.status_code == 403
    elif role == "councillor_of_division":
        assert response.status_code == (200 if which in {"in_a", "shared", "closed_a"} else 404)
    else:
        assert response.status_code == (200 if which == "in_b" else 404)


def test_councillor_sees_public_updates_but_not_notes_or_contact_details(client_for, make_case, officer_in_team,
                                                                       councillor_of_division, customer_a):
    case = make_case()
    case = s.case_accept(case=case, expected_version=1, by=officer_in_team)
    s.case_add_note(case=case, text="Neighbour dispute, careful", expected_version=case.version, by=officer_in_team)
    s.case_add_public_update(case=case, text="Repair booked for Tuesday", expected_version=case.version,
                             by=officer_in_team)
    body = client_for(councillor_of_division).get(f"/members/cases/{case.reference}/").content.decode()
    assert "Repair booked for Tuesday" in body
    assert "Neighbour dispute" not in body
    assert customer_a.email not in body and customer_a.last_name not in body.split("<main")[1]


def test_tampered_references_404(client_for, councillor_of_division, cases):
    client = client_for(councillor_of_division)
    for ref in ["HW-2026-NOSUCH", "X" * 300, "<script>", "' OR 1=1 --"]:
        assert client.get(f"/members/cases/{ref}/").status_code == 404


def test_division_list_query_count_is_constant(client_for, service, councillor_of_division, division_a, cases,
                                               django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(councillor_of_division)
    client.get("/members/cases/")
    with CaptureQueriesContext(connection) as before:
        assert client.get("/members/cases/").status_code == 200
    for i in range(60):
        case = CaseFactory(service=service, division=division_a, due_at=timezone.localdate() + dt.timedelta(days=i))
        CaseEventFactory(case=case, visibility="public")
    with django_assert_max_num_queries(len(before)):
        response = client.get("/members/cases/?sla=on_track")
    assert response.status_code == 200 and 'id="next-page"' in response.content.decode()
