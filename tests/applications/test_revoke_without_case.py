"""Revoking a permit the eligibility rules issued with no case: the team's officer finds it by number on
/staff/applications/, opens the application's page (which has no case) and revokes it there, saying why (sent
to the holder); a paid one opens the "Refund due" case through the case engine and the refund goes as before.
Role matrix (the holder, another resident, another team's officer, an adviser, a councillor, signed out: 404 or
sign in, nothing changes) and bad, hostile, oversized and duplicate input on both forms."""
from __future__ import annotations

import pytest
from django.urls import reverse

from applications import services as s
from applications.models import Application, Entitlement
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Channel
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Refund

from .conftest import PDF, officer_of, png
from .test_refused_change import _issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_sampling(svc):
    """No automatic approval is sampled for QA, so the rules issue with no case at all."""
    for code in ("parking-permit", "bus-pass"):
        case_service = svc(code).case_service
        case_service.qa_sample_rate = 0
        case_service.save(update_fields=["qa_sample_rate"])


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


@pytest.fixture
def permit(svc, rose, no_sampling):
    permit = _issued(svc, rose)
    assert permit.application.case_id is None and permit.application.decided_automatically
    return permit


def _assess(permit):
    return reverse("applications:assess", args=[permit.application.reference])


def _revoke(permit):
    return reverse("applications:revoke", args=[permit.application.reference])


def _find(client, number):
    return client.get(reverse("applications:index"), {"number": number})


REASON = "The vehicle is not kept at the address"


# --- the page of an application with no case ---------------------------------------------------------

def test_the_officer_finds_a_permit_with_no_case_and_sees_revoke(client, permit, parking_officer,
                                                                 django_assert_max_num_queries):
    client.force_login(parking_officer)
    found = _find(client, f"  {permit.number.lower()} ")
    assert found.status_code == 302 and found.url == _assess(permit)
    with django_assert_max_num_queries(30):
        page = client.get(_assess(permit))
    html = page.content.decode()
    assert page.status_code == 200 and f"Revoke {permit.number}" in html and 'id="no-case"' in html
    assert "Back to applications" in html and "None" not in html.replace("None</dd>", "")
    assert AuditEvent.objects.filter(target_id=str(permit.application_id), action="view").count() == 1


def test_the_page_costs_the_same_queries_with_more_permits(client, svc, rose, permit, parking_officer,
                                                           django_assert_num_queries):
    client.force_login(parking_officer)
    client.get(_assess(permit))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(_assess(permit))
    for n in range(3):  # other residents' permits beside it
        other = s.application_submit(service=svc("bus-pass"), customer=rose, answers={}, channel=Channel.WEB,
                                     by=rose.user, evidence=[("photo", png()), ("identity", PDF)],
                                     submission_key=f"pass-{n}")
        assert other.pk
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(_assess(permit))


@pytest.mark.parametrize("number, words", [
    ("", "Enter the number of the permit, badge or pass"),
    ("   ", "Enter the number of the permit, badge or pass"),
    ("R" * 21, "20 characters or fewer"),
    ("<script>x</script>", "No permit, badge or pass in your teams"),
    ("' OR 1=1 --", "No permit, badge or pass in your teams"),
    ("RP-NOSUCH1", "No permit, badge or pass in your teams"),
])
def test_bad_and_hostile_numbers_get_a_clear_message(client, permit, parking_officer, number, words):
    client.force_login(parking_officer)
    response = _find(client, number)
    html = response.content.decode()
    assert response.status_code == 400 and words in html and "govuk-error-summary" in html
    assert "<title>Error: " in html
    assert "<script>x</script>" not in html


def test_another_teams_officer_is_told_the_same_as_for_a_missing_number(client, permit, officer_in_team):
    # (tests/conftest.py's officer_outside_team is in Parking Services: this permit's team, so not here.)
    client.force_login(officer_in_team)  # highways
    theirs, missing = _find(client, permit.number), _find(client, "RP-NOSUCH1")
    assert theirs.status_code == missing.status_code == 400
    assert "No permit, badge or pass in your teams" in theirs.content.decode()
    assert client.get(_assess(permit)).status_code == 404
    assert client.post(_revoke(permit), {"reason": REASON, "submission_key": "o" * 24}).status_code == 404
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE


@pytest.mark.parametrize("who", ["rose", "resident_b", "adviser", "councillor_of_division", "officer_in_team"])
def test_no_one_else_may_open_or_revoke_it(client, request, permit, who):
    user = request.getfixturevalue(who)
    client.force_login(getattr(user, "user", None) or user)
    assert client.get(_assess(permit)).status_code in (403, 404)
    assert client.post(_revoke(permit), {"reason": REASON, "submission_key": "x" * 24}).status_code in (403, 404)
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE and not Case.objects.exists()


def test_signed_out_is_sent_to_sign_in(client, permit):
    assert client.get(_assess(permit)).status_code == 302
    assert client.post(_revoke(permit), {"reason": REASON}).status_code == 302
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE


def test_an_application_still_waiting_for_payment_with_no_case_does_not_open(client, svc, rose, no_sampling,
                                                                              parking_officer):
    from .test_refused_change import _permit

    waiting = _permit(svc("parking-permit"), rose, "waiting")
    assert waiting.status == Application.Status.AWAITING_PAYMENT and waiting.case_id is None
    client.force_login(parking_officer)
    assert client.get(reverse("applications:assess", args=[waiting.reference])).status_code == 404


# --- revoking it ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason, words", [
    ("", "Say why it is being revoked"),
    ("   \n ", "Say why it is being revoked"),
    ("x" * 501, "500 characters or fewer"),
    ("x" * 20_000, "500 characters or fewer"),
])
def test_a_revoke_without_a_good_reason_changes_nothing(client, permit, parking_officer, reason, words):
    client.force_login(parking_officer)
    response = client.post(_revoke(permit), {"reason": reason, "submission_key": "b" * 24})
    assert response.status_code == 400 and words in response.content.decode()
    assert "<title>Error: " in response.content.decode() and "govuk-error-summary" in response.content.decode()
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE
    assert not Case.objects.exists() and not OutboundMessage.objects.filter(template_code="entitlement-ended").exists()


def test_the_officer_revokes_it_once_and_one_refund_falls_due(client, permit, parking_officer, rose):
    client.force_login(parking_officer)
    hostile = f"{REASON} <script>alert(1)</script>"
    first = client.post(_revoke(permit), {"reason": hostile, "submission_key": "d" * 24})
    again = client.post(_revoke(permit), {"reason": hostile, "submission_key": "d" * 24})  # a double submit
    assert first.status_code == again.status_code == 302
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.REVOKED and permit.details["revoked_reason"] == hostile
    # One refund case, opened by the case engine (no parent: the rules decided it with no case).
    refund_cases = Case.objects.filter(title__startswith="Refund due")
    assert refund_cases.count() == 1 and refund_cases.get().parent_id is None
    application = Application.objects.get(pk=permit.application_id)
    assert application.case_id == refund_cases.get().pk and application.case.team.slug == "parking-services"
    assert OutboundMessage.objects.filter(template_code="entitlement-ended").count() == 1
    told = OutboundMessage.objects.get(template_code="entitlement-ended")
    assert REASON in told.body and "being processed" in told.body
    assert AuditEvent.objects.filter(target_id=str(permit.pk), summary__endswith="revoked").count() == 1
    html = client.get(_assess(permit)).content.decode()
    assert "Refund due" in html and f"Revoke {permit.number}" not in html and "<script>alert(1)" not in html
    # The refund as before: once, through the provider, and the holder is told.
    from applications.refunds import refund_due

    due = refund_due(application)
    refund = reverse("applications:refund", args=[application.reference])
    body = {"amount": f"{due.suggested_pence / 100:.2f}", "reason": "Permit revoked", "submission_key": "e" * 24}
    assert client.post(refund, body).status_code == 302 and client.post(refund, body).status_code in (302, 400)
    assert Refund.objects.count() == 1 and OutboundMessage.objects.filter(template_code="refund-made").count() == 1


def test_a_free_pass_with_no_case_is_revoked_without_a_case(client, svc, rose, no_sampling):
    officer = officer_of("blue-badge-concessions", "concessions.officer@example.org")
    application = s.application_submit(service=svc("bus-pass"), customer=rose, answers={}, channel=Channel.WEB,
                                       by=rose.user, evidence=[("photo", png()), ("identity", PDF)],
                                       submission_key="pass-free")
    bus_pass = Entitlement.objects.get(application=application)
    assert application.case_id is None
    client.force_login(officer)
    assert _find(client, bus_pass.number).url == _assess(bus_pass)
    assert client.post(_revoke(bus_pass), {"reason": "Issued in error", "submission_key": "f" * 24}).status_code == 302
    bus_pass.refresh_from_db()
    assert bus_pass.status == Entitlement.Status.REVOKED and not Case.objects.exists()  # nothing to refund
    assert AuditEvent.objects.filter(target_id=str(bus_pass.pk), summary__endswith="revoked").count() == 1
    page = client.get(_assess(bus_pass))
    assert page.status_code == 200 and f"Revoke {bus_pass.number}" not in page.content.decode()
