"""Officers assess referred applications: roles, the decision form, bad input, reconsideration, QA, query counts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from applications import selectors
from applications import services as s
from applications.models import Application, Entitlement
from applications.rules import add_months
from oxtom.cases.models import QaCheck
from oxtom.customers.models import Channel
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import SandboxCharge
from oxtom.payments.providers import sandbox
from oxtom.payments.services import payment_refresh_status

from .conftest import BADGE_REFER, BADGE_REFUSE, PDF, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(svc, rose):
    return s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                                evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                submission_key="officer-test")


def url(application, name="assess"):
    return reverse(f"applications:{name}", args=[application.reference])


def post(client, application, **data):
    payload = {"decision": "approve", "reasons": "Walking assessment shows very considerable difficulty.",
               "version": application.version}
    payload.update(data)
    return client.post(url(application, "decide"), {k: v for k, v in payload.items() if v is not None})


# --- who may see it -----------------------------------------------------------------------------------

def test_officer_in_the_team_sees_answers_evidence_and_the_form(client_for, referred, badge_officer):
    response = client_for(badge_officer).get(url(referred))
    assert response.status_code == 200
    body = response.content.decode()
    assert referred.reference in body and "Does the badge holder find walking very difficult" in body
    assert "Medical or specialist evidence" in body and 'id="decision-form"' in body
    assert referred.case.reference in body


@pytest.mark.parametrize("who, status", [
    ("officer_outside_team", 404), ("officer_in_team", 404), ("resident_b", 403), ("councillor_of_division", 403),
    ("rose_user", 403), ("anonymous", 302),
])
def test_others_cannot_see_it(request, client_for, referred, who, status):
    user = None if who == "anonymous" else (referred.customer.user if who == "rose_user"
                                             else request.getfixturevalue(who))
    for name in ("assess", "decide"):
        client = client_for(user)
        response = client.get(url(referred)) if name == "assess" else post(client, referred)
        assert response.status_code == status
    referred.refresh_from_db()
    assert referred.status == Application.Status.REFERRED


def test_officer_selector_scopes_through_the_case(referred, badge_officer, officer_outside_team):
    assert selectors.get_application_for_officer(badge_officer, f" {referred.reference.lower()} ") == referred
    for user, reference in [(officer_outside_team, referred.reference), (badge_officer, ""),
                            (badge_officer, None), (badge_officer, "X" * 21), (badge_officer, "AP-NOSUCH1")]:
        with pytest.raises(Http404):
            selectors.get_application_for_officer(user, reference)


def test_administrators_may_assess(client_for, referred, administrator):
    assert client_for(administrator).get(url(referred)).status_code == 200


@pytest.mark.parametrize("reference", ["AP-NOPE0000", "x" * 50, "../../etc", "%3Cscript%3E"])
def test_tampered_references_are_404(client_for, badge_officer, referred, reference):
    assert client_for(badge_officer).get(f"/staff/applications/{reference}/").status_code == 404


def test_an_application_without_a_case_is_404(client_for, svc, rose, badge_officer):
    refused = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFUSE,
                                   evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                   submission_key="no-case")
    assert client_for(badge_officer).get(url(refused)).status_code == 404


def test_the_case_page_links_to_the_assessment(client_for, referred, badge_officer):
    response = client_for(badge_officer).get(reverse("casework:case", args=[referred.case.reference]))
    assert url(referred) in response.content.decode()


# --- evidence ------------------------------------------------------------------------------------------

def test_evidence_is_served_to_the_officer_with_our_content_type(client_for, referred, badge_officer):
    photo = referred.evidence.get(kind="photo")
    response = client_for(badge_officer).get(reverse("applications:evidence", args=[referred.reference, photo.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    pdf = referred.evidence.get(kind="medical")
    response = client_for(badge_officer).get(reverse("applications:evidence", args=[referred.reference, pdf.token]))
    assert "attachment" in response["Content-Disposition"]


def test_evidence_of_another_application_or_a_bad_token_is_404(client_for, svc, rose, referred, badge_officer,
                                                                 officer_outside_team):
    other = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                                 evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                 submission_key="other")
    token = other.evidence.first().token
    client = client_for(badge_officer)
    assert client.get(reverse("applications:evidence", args=[referred.reference, token])).status_code == 404
    assert client.get(reverse("applications:evidence", args=[referred.reference, "x" * 40])).status_code == 404
    own = referred.evidence.first().token
    assert client_for(officer_outside_team).get(
        reverse("applications:evidence", args=[referred.reference, own])).status_code == 404


# --- deciding -------------------------------------------------------------------------------------------

def test_approval_asks_for_payment_and_closes_the_case(client_for, referred, badge_officer):
    response = post(client_for(badge_officer), referred)
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.status == Application.Status.AWAITING_PAYMENT and referred.decided_by == badge_officer
    assert not referred.decided_automatically and referred.reasons == [
        "Walking assessment shows very considerable difficulty."]
    case = referred.case
    case.refresh_from_db()
    assert case.status == "closed" and case.decision == "approved" and case.assignee == badge_officer
    message = OutboundMessage.objects.get(idempotency_key=f"application:{referred.pk}:decision:approved")
    assert "£10.00" in message.body


def test_refusal_tells_the_customer_why(client_for, referred, badge_officer):
    post(client_for(badge_officer), referred, decision="refuse", reasons="The assessment found you can walk 200m.")
    referred.refresh_from_db()
    assert referred.status == Application.Status.REFUSED
    message = OutboundMessage.objects.get(idempotency_key=f"application:{referred.pk}:decision:refused")
    assert "can walk 200m" in message.body and "look again" in message.body


@pytest.mark.parametrize("data, message", [
    ({"reasons": ""}, "Enter the reasons for the decision"),
    ({"reasons": "   "}, "Enter the reasons for the decision"),
    ({"reasons": "x" * 5001}, "5,000 characters or fewer"),
    ({"decision": "issue-two"}, "Choose approve or refuse"),
    ({"decision": None}, "Choose whether to approve or refuse"),
    ({"version": "abc"}, "Reload the application"),
    ({"version": None}, "Reload the application"),
])
def test_bad_decisions_are_refused_and_nothing_changes(client_for, referred, badge_officer, data, message):
    response = post(client_for(badge_officer), referred, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    referred.refresh_from_db()
    assert referred.status == Application.Status.REFERRED and referred.case.status == "new"
    assert not OutboundMessage.objects.filter(idempotency_key__contains=":decision:approved").exists()


def test_stale_version_is_refused(client_for, referred, badge_officer):
    response = post(client_for(badge_officer), referred, version=referred.version - 1 or 99)
    assert response.status_code == 400 and "Someone else changed this application" in response.content.decode()
    referred.refresh_from_db()
    assert referred.status == Application.Status.REFERRED


def test_deciding_twice_is_refused(client_for, referred, badge_officer):
    client = client_for(badge_officer)
    post(client, referred)
    referred.refresh_from_db()
    response = post(client, referred, decision="refuse", reasons="changed my mind")
    assert response.status_code == 400 and "already been decided" in response.content.decode()
    referred.refresh_from_db()
    assert referred.status == Application.Status.AWAITING_PAYMENT


def test_hostile_reasons_are_stored_as_text_and_escaped(client_for, referred, badge_officer):
    client = client_for(badge_officer)
    post(client, referred, decision="refuse", reasons="<script>alert('x')</script> not eligible")
    body = client.get(url(referred)).content.decode()
    assert "<script>alert" not in body
    referred.refresh_from_db()
    assert referred.reasons == ["<script>alert('x')</script> not eligible"]


# --- reconsideration ------------------------------------------------------------------------------------

def test_reconsideration_goes_to_a_different_officer(client_for, referred, badge_officer, badge_officer_2):
    post(client_for(badge_officer), referred, decision="refuse", reasons="Not enough evidence of difficulty.")
    referred.refresh_from_db()
    again = s.application_request_reconsideration(application=referred, grounds="My consultant's letter is attached",
                                                  by=referred.customer.user)
    assert again.kind == "reconsideration" and again.status == Application.Status.REFERRED
    assert again.case != referred.case and again.evidence.count() == 2
    # The same stored files under new tokens (the old application's links do not open the new one's).
    assert ({e.file.name for e in again.evidence.all()} == {e.file.name for e in referred.evidence.all()}
            and not {e.token for e in again.evidence.all()} & {e.token for e in referred.evidence.all()})
    # Asking twice gives the same reconsideration.
    assert s.application_request_reconsideration(application=referred, grounds="again",
                                                 by=referred.customer.user) == again
    first_officer = client_for(badge_officer)
    assert 'id="same-officer"' in first_officer.get(url(again)).content.decode()
    response = post(first_officer, again)
    assert response.status_code == 400 and "different officer" in response.content.decode()
    again.refresh_from_db()
    assert again.status == Application.Status.REFERRED
    post(client_for(badge_officer_2), again, reasons="The consultant's letter shows severe difficulty.")
    again.refresh_from_db()
    assert again.status == Application.Status.AWAITING_PAYMENT and again.decided_by == badge_officer_2


@pytest.mark.parametrize("grounds, message", [("", "Enter why"), ("x" * 5001, "5,000"), (None, "Enter why")])
def test_reconsideration_needs_grounds(svc, rose, grounds, message):
    refused = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFUSE,
                                   evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                   submission_key="refused")
    with pytest.raises(s.ApplicationError, match=message):
        s.application_request_reconsideration(application=refused, grounds=grounds, by=rose.user)
    assert not refused.reconsiderations.exists()


def test_only_refusals_can_be_reconsidered(referred):
    with pytest.raises(s.ApplicationError, match="Only a refused"):
        s.application_request_reconsideration(application=referred, grounds="please look again", by=None)


def test_automatic_refusal_reconsideration_lands_in_the_team_queue(svc, rose, badge_officer, client_for):
    refused = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFUSE,
                                   evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                                   submission_key="auto-refused")
    again = s.application_request_reconsideration(application=refused, grounds="I forgot my PIP award", by=rose.user)
    assert again.case.team.slug == "blue-badge-concessions"
    assert "automatically" in client_for(badge_officer).get(url(again)).content.decode()


# --- QA sample and query counts ------------------------------------------------------------------------------

def test_sampled_automatic_approvals_reach_the_team_leaders_qa_queue(svc, rose, badge_leader, client_for):
    service = svc("bus-pass")
    service.case_service.qa_sample_rate = "1"
    service.case_service.save()
    application = s.application_submit(service=service, customer=rose, answers={},
                                       evidence=[("photo", png()), ("identity", PDF)], channel=Channel.WEB,
                                       by=rose.user, submission_key="qa")
    check = QaCheck.objects.get()
    response = client_for(badge_leader).get(reverse("casework:qa", args=["blue-badge-concessions"]))
    body = response.content.decode()
    assert response.status_code == 200 and check.case.reference in body and "Automatic" in body
    assert application.reference in check.case.title


def test_assessment_page_query_count_does_not_grow_with_evidence(client_for, svc, rose, badge_officer,
                                                                 django_assert_max_num_queries):
    few = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                               evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=rose.user,
                               submission_key="few")
    many = s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER,
                                evidence=[("photo", png())] + [("medical", PDF)] * 9, channel=Channel.WEB,
                                by=rose.user, submission_key="many")
    client = client_for(badge_officer)
    client.get(url(few))  # warm the session
    for application in (few, many):
        with django_assert_max_num_queries(10):
            assert client.get(url(application)).status_code == 200


def test_approving_a_young_childs_badge_ends_it_before_their_third_birthday(svc, rose, badge_officer):
    born = timezone.localdate() - dt.timedelta(days=400)
    answers = {**BADGE_REFUSE, "applying_for": "someone_else", "holder_first_name": "Baby", "holder_last_name": "Jones",
               "relationship": "Father", "holder_date_of_birth": born.isoformat(), "child_equipment": "yes"}
    application = s.application_submit(service=svc("blue-badge"), customer=rose, answers=answers,
                                       evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB,
                                       by=rose.user, submission_key="child")
    assert application.status == Application.Status.REFERRED
    s.application_decide(application=application, decision="approve", reasons="Ventilator goes everywhere",
                         by=badge_officer, version=application.version)
    started = s.application_payment_start(application=application, return_url="/x/", by=None)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), "4444333322221111")
    payment_refresh_status(payment=started.payment, by=None)
    badge = Entitlement.objects.get(application=application)
    assert badge.expires_on == add_months(born, 36) - dt.timedelta(days=1)


def test_the_case_page_sends_the_decision_to_the_assessment_page(client_for, referred, badge_officer):
    # A casework-only decision or closure would leave the application (and so the badge) undecided.
    client = client_for(badge_officer)
    case = referred.case
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    for action in ("decide", "close"):
        assert f"/staff/cases/{case.reference}/{action}/" not in page
        for response in (client.get(f"/staff/cases/{case.reference}/{action}/"),
                         client.post(f"/staff/cases/{case.reference}/{action}/",
                                     {"decision": "approved", "reasons": "Meets the criteria", "outcome": "completed",
                                      "version": case.version})):
            assert response.status_code == 302 and response["Location"] == f"/staff/applications/{referred.reference}/"
    case.refresh_from_db()
    referred.refresh_from_db()
    assert case.decision == "" and case.status != "closed" and referred.status == "referred"
