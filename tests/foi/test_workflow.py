"""The FOI workflow through the services: receive, triage, allocate, draft, check, approve, publish, review."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bas.foi import services
from bas.foi.models import FoiRequest, InternalReview, PersonalDataHit, PublishedResponse, Stage
from oxtom.cases.models import Case
from oxtom.notify.models import OutboundMessage


def _through_to_approval(request, coordinator, holder):
    request = services.foi_triage(request=request, valid=True, regime="foi", topic="Potholes",
                                  names_in_scope="Jane Smith", by=coordinator)
    due = request.case.due_at - dt.timedelta(days=7)
    allocation = services.foi_allocate(request=request, team=holder, asked="Potholes repaired by month",
                                       due_on=max(due, timezone.localdate()), by=coordinator)
    services.foi_allocation_received(allocation=allocation, information="January 120, February 98", by=coordinator)
    request.refresh_from_db()
    assert request.stage == Stage.DRAFTING
    services.foi_draft_save(request=request, outcome="granted", by=coordinator,
                            response_text="We repaired 218 potholes. Contact Jane Smith on 01865 792422.")
    found = services.foi_check_personal_data(request=request, by=coordinator)
    assert found == 2
    for hit in PersonalDataHit.objects.filter(request=request):
        services.foi_hit_decide(hit=hit, action="redact", by=coordinator)
    request.refresh_from_db()
    assert "Jane Smith" not in request.response_text and "[redacted]" in request.response_text
    return services.foi_submit_for_approval(request=request, by=coordinator)


@pytest.mark.django_db
def test_request_to_publication(make_request, coordinator, approver, second_approver, foi_setup):
    request = make_request()
    case = request.case
    assert case.service.code == "foi-eir-request" and case.customer.email == "nick@example.org"
    ack = OutboundMessage.objects.get(idempotency_key=f"foi:{request.pk}:ack")
    assert case.reference in ack.body and f"{case.due_at:%-d %B %Y}" in ack.body
    request = _through_to_approval(request, coordinator, foi_setup["holder"])
    assert request.stage == Stage.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied, match="Only an Access and Disclosure officer"):
        services.foi_approve(request=request, by=coordinator)
    request = services.foi_approve(request=request, by=approver)
    assert request.stage == Stage.SENT and request.answered_in_time
    case = Case.objects.get(pk=case.pk)
    assert case.status == "closed" and case.decision == "approved"
    entry = PublishedResponse.objects.get(request=request)
    assert "Jane Smith" not in entry.response_text and "Nick" not in entry.request_text
    assert "Nick" not in entry.search_document and "Nick" not in entry.title
    sent = OutboundMessage.objects.get(idempotency_key=f"foi:{request.pk}:response")
    assert "internal review" in sent.body and "Information Commissioner" in sent.body
    # The internal review: a follow-on case, decided by someone not involved.
    review = services.foi_review_open(request=request, grounds="You withheld the contact", by=coordinator)
    assert review.case.parent_id == case.pk
    with pytest.raises(PermissionDenied):
        services.foi_review_decide(review=review, result="upheld", reasons="Right", by=approver)
    services.foi_review_decide(review=review, result="upheld", reasons="Correctly redacted", by=second_approver)
    assert InternalReview.objects.get(pk=review.pk).result == "upheld"


@pytest.mark.django_db
def test_approval_blocked_until_every_finding_decided(make_request, coordinator, approver, foi_setup):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    services.foi_draft_save(request=request, outcome="granted", response_text="Email a.person@example.com", by=coordinator)
    with pytest.raises(ValidationError, match="personal data check"):
        services.foi_submit_for_approval(request=request, by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    with pytest.raises(ValidationError, match="Redact or clear"):
        services.foi_submit_for_approval(request=request, by=coordinator)
    hit = PersonalDataHit.objects.get(request=request)
    with pytest.raises(ValidationError):
        services.foi_hit_decide(hit=hit, action="clear", note="", by=coordinator)
    services.foi_hit_decide(hit=hit, action="clear", note="The council's published FOI address", by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    # A change to the draft after approval was asked for is refused.
    with pytest.raises(ValidationError):
        services.foi_draft_save(request=request, outcome="granted", response_text="changed", by=coordinator)


@pytest.mark.django_db
def test_not_published_needs_a_reason_and_stays_out_of_the_log(make_request, coordinator, approver):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    with pytest.raises(ValidationError):
        services.foi_set_publication(request=request, publish=False, reason="", by=coordinator)
    services.foi_set_publication(request=request, publish=False, reason="Personal to the requester", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.", by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    services.foi_approve(request=request, by=approver)
    assert not PublishedResponse.objects.exists()


@pytest.mark.django_db
def test_refusals(make_request, coordinator):
    request = make_request()
    with pytest.raises(ValidationError, match="within the £450 limit"):
        services.foi_refuse(request=request, ground="cost", estimated_hours=18, reasons="Many files", by=coordinator)
    with pytest.raises(ValidationError, match="estimated hours"):
        services.foi_refuse(request=request, ground="cost", reasons="Many files", by=coordinator)
    refused = services.foi_refuse(request=request, ground="cost", estimated_hours="18.5", reasons="Paper files",
                                  by=coordinator)
    assert "£462.50" in refused.response_text and refused.outcome == "cost" and not refused.publish
    with pytest.raises(ValidationError):
        services.foi_refuse(request=request, ground="bored", reasons="x", by=coordinator)


@pytest.mark.django_db
def test_exemptions_need_a_real_provision_and_public_interest(make_request, coordinator):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    for bad in ("section 99", "reg 12", "<script>", "s4"):
        with pytest.raises(ValidationError):
            services.foi_exemption_add(request=request, provision=bad, public_interest="x", by=coordinator)
    with pytest.raises(ValidationError, match="public interest"):
        services.foi_exemption_add(request=request, provision="s43(2)", public_interest="", by=coordinator)
    assert services.foi_exemption_add(request=request, provision="s40(2)", public_interest="",
                                      by=coordinator).provision == "section 40(2)"
    services.foi_set_regime(request=request, regime="eir", reason="Air quality data is environmental",
                            by=coordinator)
    assert services.foi_exemption_add(request=request, provision="Reg 12(5)(e)", public_interest="Commercial",
                                      by=coordinator).provision == "regulation 12(5)(e)"


@pytest.mark.django_db
def test_double_submit_makes_one_request(make_request):
    make_request(submission_key="k" * 30)
    from oxtom.cases.services import DuplicateSubmission

    with pytest.raises(DuplicateSubmission):
        make_request(submission_key="k" * 30)
    assert FoiRequest.objects.count() == 1


@pytest.mark.django_db
def test_bad_requester_details(make_request):
    with pytest.raises(ValidationError):
        make_request(name="", email="a@example.org")
    with pytest.raises(ValidationError):
        make_request(email="", address_line_1="", postcode="")
    with pytest.raises(ValidationError):
        make_request(text="x" * 20_001)
    with pytest.raises(ValidationError):
        make_request(text="short")
    assert make_request(email="", address_line_1="1 High St", town="Oxford", postcode="OX1 1AA").case.customer.email == ""


@pytest.mark.django_db
def test_staff_log_with_received_date_and_outsiders_refused(make_request, coordinator, foi_outsider):
    received = timezone.localdate() - dt.timedelta(days=3)
    logged = make_request(by=coordinator, received_on=received, channel="post")
    assert logged.received_on == received
    from bas.foi import rules

    assert logged.case.due_at == rules.statutory_due(received)
    with pytest.raises(PermissionDenied):
        make_request(by=foi_outsider, received_on=received, channel="post")
    with pytest.raises(ValidationError):
        make_request(by=coordinator, received_on=timezone.localdate() + dt.timedelta(days=1), channel="post")
    with pytest.raises(PermissionDenied):
        services.foi_triage(request=logged, valid=True, regime="foi", by=foi_outsider)


@pytest.mark.django_db
def test_author_cannot_approve_own_response(make_request, approver, second_approver):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=approver)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.", by=approver)
    services.foi_check_personal_data(request=request, by=approver)
    services.foi_submit_for_approval(request=request, by=approver)
    with pytest.raises(PermissionDenied, match="You drafted this response, so another officer must approve it"):
        services.foi_approve(request=request, by=approver)
    assert FoiRequest.objects.get(pk=request.pk).stage == Stage.AWAITING_APPROVAL
    assert services.foi_approve(request=request, by=second_approver).stage == Stage.SENT


def test_measures_are_registered():
    from bas.foi.measures import DERIVED, MEASURES
    from performance.registry import is_registered

    for spec in MEASURES:
        assert is_registered(spec["code"]), spec["code"]
    assert {d["numerator"] for d in DERIVED} <= {m["code"] for m in MEASURES}
