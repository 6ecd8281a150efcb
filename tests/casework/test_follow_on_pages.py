"""Linked follow-on cases on the case pages: the resident's /account/cases/<ref>/ and the staff case page.

Each page lists the follow-ons (reference, what, status) and the case a follow-on came from, but only
the cases that reader may open: the resident their own, staff those Case.objects.for_user gives.
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oxtom.cases import services as s
from oxtom.cases.models import Case
from tests.answers_support import assert_readable

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def _sla(days: int) -> dict[str, int]:
    return {"1": days, "2": days, "3": days, "4": days}


@pytest.fixture
def review_service(team):
    return ServiceFactory(code="test-review", name="Internal review", team=team, reference_prefix="FR",
                          kind="report", sla_working_days=_sla(20))


@pytest.fixture
def elsewhere_service(other_team):
    return ServiceFactory(code="test-elsewhere", name="Parking appeal", team=other_team, reference_prefix="PA",
                          kind="report", sla_working_days=_sla(20))


def _decided(make_case, by, **kwargs):
    case = make_case(**kwargs)
    case = s.case_accept(case=case, expected_version=case.version, by=by)
    case = s.case_assign(case=case, assignee=by, expected_version=case.version, by=by)
    return s.case_decide(case=case, decision="refused", reasons="Not our road", expected_version=case.version, by=by)


def _follow_on(parent, service, by, reason="Asked us to look again", title=""):
    return s.case_open_follow_on(parent=parent, service=service, reason=reason, by=by, title=title)


def test_the_residents_page_lists_follow_ons_and_the_case_they_came_from(client_for, make_case, review_service,
                                                                          officer_in_team, resident_a):
    parent = _decided(make_case, officer_in_team)
    child = _follow_on(parent, review_service, officer_in_team)
    client = client_for(resident_a)

    page = client.get(f"/account/cases/{parent.reference}/").content.decode()
    assert 'id="case-follow-ons"' in page and f'href="/account/cases/{child.reference}/"' in page
    assert_readable(page, shows=["Follow-on case", child.reference, f"{child.label}: New"])

    page = client.get(f"/account/cases/{child.reference}/").content.decode()
    assert f'href="/account/cases/{parent.reference}/"' in page
    assert_readable(page, shows=["Follows", parent.reference, f"{parent.label}: Decided"])
    # The follow-on's own page opens for them.
    assert client.get(f"/account/cases/{child.reference}/").status_code == 200


def test_the_resident_never_sees_a_linked_case_that_is_not_theirs(client_for, make_case, review_service,
                                                                   officer_in_team, resident_a, resident_b):
    parent = _decided(make_case, officer_in_team)
    mine = _follow_on(parent, review_service, officer_in_team)
    theirs = _follow_on(parent, ServiceFactory(code="test-other", name="Other review", team=review_service.team,
                                               reference_prefix="OR", kind="report"), officer_in_team,
                        title="A second look")
    # Say a merge or a correction left one linked case with someone else: it stays theirs alone.
    Case.objects.filter(pk=theirs.pk).update(customer=resident_b.customer)
    page = client_for(resident_a).get(f"/account/cases/{parent.reference}/").content.decode()
    assert mine.reference in page and theirs.reference not in page
    page = client_for(resident_b).get(f"/account/cases/{theirs.reference}/").content.decode()
    assert f'href="/account/cases/{parent.reference}/"' not in page and 'id="case-parent"' not in page
    assert client_for(resident_b).get(f"/account/cases/{parent.reference}/").status_code == 404


def test_the_staff_page_shows_only_the_linked_cases_the_officer_may_open(client_for, make_case, review_service,
                                                                          elsewhere_service, officer_in_team,
                                                                          officer_outside_team):
    parent = _decided(make_case, officer_in_team)
    ours = _follow_on(parent, review_service, officer_in_team)
    theirs = _follow_on(parent, elsewhere_service, officer_in_team)

    page = client_for(officer_in_team).get(f"/staff/cases/{parent.reference}/").content.decode()
    links = page.split('id="case-follow-ons"', 1)[1].split("</dd>", 1)[0]
    assert f'href="/staff/cases/{ours.reference}/"' in links and theirs.reference not in links
    assert f'href="/staff/cases/{theirs.reference}/"' not in page
    assert_readable(page, shows=[ours.reference, f"{ours.label}: New"])

    # The other team's officer opens their follow-on; the case it follows is named but not linked.
    page = client_for(officer_outside_team).get(f"/staff/cases/{theirs.reference}/").content.decode()
    assert_readable(page, shows=["Follows", parent.reference, "worked by another team"])
    assert f'href="/staff/cases/{parent.reference}/"' not in page
    assert client_for(officer_outside_team).get(f"/staff/cases/{parent.reference}/").status_code == 404


def test_linked_cases_cost_the_same_queries_however_many(client_for, make_case, review_service, officer_in_team,
                                                          resident_a):
    one = _decided(make_case, officer_in_team)
    _follow_on(one, review_service, officer_in_team)
    many = _decided(make_case, officer_in_team)
    for number in range(3):
        service = ServiceFactory(code=f"test-review-{number}", name=f"Review {number}", team=review_service.team,
                                 reference_prefix="RV", kind="report")
        _follow_on(many, service, officer_in_team)
    for user, prefix in ((resident_a, "/account/cases/"), (officer_in_team, "/staff/cases/")):
        client = client_for(user)
        client.get(f"{prefix}{one.reference}/")  # warm the session
        with CaptureQueriesContext(connection) as few:
            assert client.get(f"{prefix}{one.reference}/").status_code == 200
        with CaptureQueriesContext(connection) as more:
            assert client.get(f"{prefix}{many.reference}/").status_code == 200
        assert len(more.captured_queries) == len(few.captured_queries), prefix
