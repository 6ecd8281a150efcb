"""Whoever a page lets act can act: the administrator decides a referred application (it is assigned to them on
the way), the assign page offers them, and officers find their referred applications at /staff/applications/.

Before: "Approve" failed for the administrator with "Choose an officer in Blue Badge and Concessions", a field
that is not on the page, and /staff/applications/ was a 404.
"""
from __future__ import annotations

import pytest
from django.urls import reverse

from applications import services as s
from applications.models import Application
from oxtom.cases.models import Case
from oxtom.customers.models import Channel

from .conftest import BADGE_REFER, PDF, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(svc, rose):
    return s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                                evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                submission_key="who-decides")


def _decide(client, application, decision="approve"):
    return client.post(reverse("applications:decide", args=[application.reference]),
                       {"decision": decision, "reasons": "The evidence shows very considerable difficulty walking.",
                        "version": application.version})


def test_the_administrator_approves_an_unassigned_referral_and_is_assigned(client_for, referred, administrator):
    assert referred.case.assignee_id is None
    response = _decide(client_for(administrator), referred)
    assert response.status_code == 302, response.content.decode()[:3000]
    referred.refresh_from_db()
    assert referred.status != Application.Status.REFERRED
    case = Case.objects.get(pk=referred.case_id)
    assert case.assignee == administrator and case.decided_at is not None


def test_every_decision_error_names_a_field_on_the_page(client_for, referred, badge_officer):
    client = client_for(badge_officer)
    html = client.post(reverse("applications:decide", args=[referred.reference]),
                       {"decision": "", "reasons": "", "version": referred.version}).content.decode()
    assert "There is a problem" in html
    for anchor in ("#id_decision", "#id_reasons"):
        href = html.split(f'href="{anchor}')[0] if f'href="{anchor}' in html else None
        assert href is not None, anchor
    assert "Choose an officer" not in html


def test_the_assign_page_offers_the_administrator_themselves(client_for, referred, administrator):
    html = client_for(administrator).get(
        reverse("casework:case_action", args=[referred.case.reference, "assign"])).content.decode()
    assert f"{administrator} (you)" in html
    response = client_for(administrator).post(
        reverse("casework:case_action", args=[referred.case.reference, "assign"]),
        {"assignee": str(administrator.pk), "version": referred.case.version})
    assert response.status_code == 302
    assert Case.objects.get(pk=referred.case_id).assignee == administrator


def _queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured)


def test_officers_list_the_referred_applications_of_their_teams(client_for, referred, badge_officer, svc, rose,
                                                                officer_outside_team, resident_a):
    client = client_for(badge_officer)
    html = client.get("/staff/applications/").content.decode()
    assert referred.reference in html and 'id="applications-to-assess"' in html
    one = _queries(client, "/staff/applications/")
    for n in range(3):
        s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                             evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                             submission_key=f"who-decides-{n}")
    assert _queries(client, "/staff/applications/") == one  # one query for the list, whatever its length
    other = client_for(officer_outside_team).get("/staff/applications/").content.decode()
    assert referred.reference not in other and 'id="no-applications"' in other
    assert client_for(resident_a).get("/staff/applications/").status_code == 403
    assert client_for(None).get("/staff/applications/").status_code == 302
