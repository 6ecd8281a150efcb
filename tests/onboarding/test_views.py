"""The onboarding pages: who reaches which (the role matrix), HR records scoped to the reader, bad input,
audit of every staff view, and constant query counts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oxtom.core.models import AuditEvent
from people.onboarding import services
from people.onboarding.models import AccessRequest, Leaver, Onboarding
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident_a", "officer_in_team", "manager", "other_manager", "coordinator", "ict_desk",
         "administrator"]
PEOPLE_STAFF = {"manager", "other_manager", "coordinator", "administrator"}
STAFF = PEOPLE_STAFF | {"officer_in_team", "ict_desk"}
MANAGERS = {"manager", "other_manager", "administrator"}


def _user(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


def _expect(response, role, allowed):
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (200 if role in allowed else 403), role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path, allowed", [
    ("/staff/people/starters/", PEOPLE_STAFF),
    ("/staff/people/leavers/", PEOPLE_STAFF),
    ("/staff/people/leavers/role-change/", MANAGERS),
    ("/staff/people/access/", STAFF),
    ("/staff/people/access/new/", STAFF),
])
def test_role_matrix_lists(request, client_for, people_setup, path, allowed, role):
    _expect(client_for(_user(request, role)).get(path), role, allowed)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_a_starter(request, client_for, sophie, role):
    """Only HR, the starter's own manager and administrators see a starter; anyone else: 404 (or 403 outside)."""
    response = client_for(_user(request, role)).get(f"/staff/people/starters/{sophie.pk}/")
    if role == "anonymous":
        assert response.status_code == 302
    elif role in {"manager", "coordinator", "administrator"}:
        assert response.status_code == 200 and "Sophie Byrne" in response.content.decode()
    elif role == "other_manager":
        assert response.status_code == 404
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_buddy_page(request, client_for, sophie, sandra, manager, role):
    services.onboarding_assign_buddy(onboarding=sophie, buddy=sandra, by=manager)
    response = client_for(_user(request, role)).get(f"/staff/people/starters/{sophie.pk}/buddy/")
    if role == "anonymous":
        assert response.status_code == 302
    elif role == "manager":
        assert response.status_code == 200
    elif role == "resident_a":
        assert response.status_code == 403
    else:
        assert response.status_code == 404  # not their starter, whatever their role
    assert client_for(sandra).get(f"/staff/people/starters/{sophie.pk}/buddy/").status_code == 200


def test_other_managers_never_see_a_starter_anywhere(client_for, sophie, other_manager):
    client = client_for(other_manager)
    assert "Sophie" not in client.get("/staff/people/starters/").content.decode()
    assert client.post(f"/staff/people/starters/{sophie.pk}/buddy/assign/", {"buddy_email": "x@example.org"}
                       ).status_code == 404
    item = sophie.items.get(code="desk")
    assert client.post(f"/staff/people/starters/{sophie.pk}/items/{item.pk}/done/").status_code == 404
    item.refresh_from_db()
    assert item.done_at is None


def test_staff_views_are_audited(client_for, sophie, manager):
    client = client_for(manager)
    client.get("/staff/people/starters/")
    client.get(f"/staff/people/starters/{sophie.pk}/")
    events = AuditEvent.objects.filter(actor=manager, action="view", target_type="onboarding.onboarding",
                                       target_id=str(sophie.pk))
    assert events.count() == 2


def test_the_starters_list_costs_the_same_for_many(client_for, sophie, coordinator, role_profile, manager, today):
    client = client_for(coordinator)
    client.get("/staff/people/starters/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/staff/people/starters/").status_code == 200
    for n in range(6):
        services.open_onboarding(role_profile=role_profile, name=f"Starter {n}", personal_email=f"s{n}@example.com",
                                 manager=manager, start_date=today + dt.timedelta(days=20 + n), by=None)
    with CaptureQueriesContext(connection) as seven:
        page = client.get("/staff/people/starters/").content.decode()
    assert page.count("/staff/people/starters/") >= 7
    assert len(seven) == len(one)


def test_overdue_before_the_start_date(client_for, coordinator, role_profile, manager):
    today = dt.date.today()
    services.open_onboarding(role_profile=role_profile, name="Late Larry", personal_email="l@example.com",
                             manager=manager, start_date=today + dt.timedelta(days=3), by=None)
    page = client_for(coordinator).get("/staff/people/starters/?overdue=1").content.decode()
    assert "Late Larry" in page and "overdue" in page  # equipment was due 10 days before the start


def test_assign_buddy_through_the_page(client_for, sophie, manager, sandra):
    client = client_for(manager)
    bad = client.post(f"/staff/people/starters/{sophie.pk}/buddy/assign/", {"buddy_email": "nobody@example.org"})
    assert bad.status_code == 200 and "no member of staff" in bad.content.decode()
    hostile = client.post(f"/staff/people/starters/{sophie.pk}/buddy/assign/",
                          {"buddy_email": "<script>alert(1)</script>"})
    assert hostile.status_code == 200 and "<script>alert" not in hostile.content.decode()
    resident = f.UserFactory(email="res@example.org")
    refused = client.post(f"/staff/people/starters/{sophie.pk}/buddy/assign/", {"buddy_email": resident.email})
    assert "no member of staff" in refused.content.decode(), "a resident is not a colleague (and is not told apart)"
    ok = client.post(f"/staff/people/starters/{sophie.pk}/buddy/assign/", {"buddy_email": sandra.email})
    assert ok.status_code == 302
    sophie.refresh_from_db()
    assert sophie.buddy == sandra


def test_the_starters_portal_by_its_link(client, sophie, today):
    page = client.get(f"/staff/people/starters/welcome/{sophie.token}/")
    assert page.status_code == 200 and "Getting ready to start" in page.content.decode()
    assert "jane.manager@example.org" in page.content.decode()
    assert client.get("/staff/people/starters/welcome/not-the-token/").status_code == 404
    assert client.get("/staff/people/starters/welcome/" + "a" * 300 + "/").status_code == 404
    done = client.post(f"/staff/people/starters/welcome/{sophie.token}/e-learning/elearning-induction/")
    assert done.status_code == 302
    assert sophie.items.get(code="elearning-induction").done_at is not None
    client.post(f"/staff/people/starters/welcome/{sophie.token}/e-learning/desk/")
    assert sophie.items.get(code="desk").done_at is None


def test_record_a_leaver_through_the_page(client_for, manager, report_of, today):
    lewis = report_of(f.UserFactory(email="lewis@example.org", roles=["officer"]))
    stranger = f.UserFactory(email="stranger@example.org", roles=["officer"])
    client = client_for(manager)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    date = {"last_working_day_day": tomorrow.day, "last_working_day_month": tomorrow.month,
            "last_working_day_year": tomorrow.year}
    assert "Choose someone you manage" in client.post("/staff/people/leavers/", {"account": stranger.pk, **date}
                                                      ).content.decode()
    bad_date = client.post("/staff/people/leavers/", {"account": lewis.pk, "last_working_day_day": "31",
                                                      "last_working_day_month": "2", "last_working_day_year": "2027"})
    assert bad_date.status_code == 200 and "govuk-error-summary" in bad_date.content.decode()
    ok = client.post("/staff/people/leavers/", {"account": lewis.pk, **date})
    assert ok.status_code == 302
    leaver = Leaver.objects.get(account=lewis)
    page = client.get(f"/staff/people/leavers/{leaver.pk}/").content.decode()
    assert "Closes automatically" in page
    again = client.post("/staff/people/leavers/", {"account": lewis.pk, **date})
    assert "already recorded as leaving" in again.content.decode()


def test_leavers_are_their_managers_only(client_for, manager, other_manager, report_of, today):
    lewis = report_of(f.UserFactory(email="lewis@example.org", roles=["officer"]))
    leaver = services.leaver_record(account=lewis, last_working_day=dt.date.today(), by=manager)
    assert client_for(other_manager).get(f"/staff/people/leavers/{leaver.pk}/").status_code == 404
    assert "lewis" not in client_for(other_manager).get("/staff/people/leavers/").content.decode()


def test_it_request_through_the_pages(client_for, manager, report_of, ict_desk):
    olive = report_of(f.UserFactory(email="olive@example.org", roles=["officer"]))
    client = client_for(olive)
    bad = client.post("/staff/people/access/new/", {"kind": "access", "system": "mosaic"})
    assert bad.status_code == 200 and "Say what access" in bad.content.decode()
    assert "Choose the system" in client.post("/staff/people/access/new/", {"kind": "access", "system": "zzz"}
                                              ).content.decode()
    ok = client.post("/staff/people/access/new/", {"kind": "password_reset", "system": "mosaic",
                                                   "submission_key": "abc"})
    assert ok.status_code == 302
    request = AccessRequest.objects.get(requester=olive)
    assert client_for(ict_desk).get(f"/staff/people/access/{request.pk}/check/").status_code == 404
    checker = client_for(manager)
    assert "Say whether" in checker.post(f"/staff/people/access/{request.pk}/check/", {}).content.decode()
    assert checker.post(f"/staff/people/access/{request.pk}/check/", {"confirmed": "yes"}).status_code == 302
    request.refresh_from_db()
    desk_page = client_for(ict_desk).get("/staff/people/access/").content.decode()
    assert request.case.reference in desk_page and "Mosaic" in desk_page


def test_hook_registered_in_ready():
    from people import registry
    from people.onboarding import hooks

    assert hooks.offer_accepted in registry._accepted and hooks.appointment_confirmed in registry._confirmed
    assert Onboarding.objects.count() == 0


def test_the_leavers_and_desk_pages_cost_the_same_for_many(client_for, manager, ict_desk, report_of, people_setup):
    def add(n):
        for i in range(n):
            staff = report_of(f.UserFactory(roles=["officer"]))
            services.leaver_record(account=staff, last_working_day=dt.date.today() + dt.timedelta(days=5), by=manager)
            request = services.access_request_submit(requester=staff, kind="password_reset", system="vpn")
            services.access_request_check(request=request, confirmed=True, by=manager)

    add(1)
    counts = []
    for more in (0, 5):
        add(more)
        for user, path in ((manager, "/staff/people/leavers/"), (ict_desk, "/staff/people/access/")):
            client = client_for(user)
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_the_desk_works_the_request_to_completion_and_the_requester_sees_it(client_for, manager, report_of, ict_desk):
    from oxtom.cases import services as cases

    olive = report_of(f.UserFactory(email="olive@example.org", roles=["officer"]))
    request = services.access_request_submit(requester=olive, kind="password_reset", system="vpn")
    request = services.access_request_check(request=request, confirmed=True, by=manager)
    case = cases.case_accept(case=request.case, expected_version=request.case.version, by=ict_desk)
    case = cases.case_close(case=case, outcome="completed", note="Reset; told them by phone",
                            expected_version=case.version, by=ict_desk)
    page = client_for(olive).get("/staff/people/access/").content.decode()
    assert case.reference in page and "Closed" in page
    # The staff requester's own view of the case works too (the engine's /staff/requests/).
    assert client_for(olive).get(f"/staff/requests/{case.reference}/").status_code == 200
