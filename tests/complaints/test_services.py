"""Complaint services on the engine: the whole path, and each refusal saving nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bas.complaints import services
from bas.complaints.models import Complaint, ComplaintStage, LearningAction, Outcome
from oxtom.cases import services as cases
from oxtom.cases.models import Case, Status
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Customer
from oxtom.notify.models import OutboundMessage
from tests.casework.factories import ServiceFactory  # noqa: F401


def _customer(user):
    return Customer.objects.get(user=user)


def _submit(user, **extra):
    return services.complaint_submit(customer=_customer(user), what_happened="The crew left my bin", by=user, **extra)


def _respond(complaint, number, by, outcome=Outcome.PARTLY_UPHELD, remedy="An apology and a collection"):
    return services.complaint_respond(complaint=complaint, number=number, outcome=outcome, reasons="Because",
                                      remedy=remedy, by=by)


def test_stage_1_and_stage_2_through_the_engine(resident_a, officer_1, officer_2, complaint_services):
    complaint = _submit(resident_a)
    stage1 = complaint.stages.get(number=1)
    assert stage1.case.service.code == "complaint-stage-1" and stage1.case.status == Status.NEW
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    stage1.case.refresh_from_db()
    assert stage1.case.assignee == officer_1 and stage1.case.stage.position == 2
    _respond(complaint, 1, officer_1)
    stage1.refresh_from_db(), stage1.case.refresh_from_db()
    assert stage1.case.status == Status.CLOSED and stage1.case.decided_by == officer_1
    assert stage1.outcome == Outcome.PARTLY_UPHELD and stage1.escalate_by is not None
    response = OutboundMessage.objects.filter(idempotency_key=f"complaint:{complaint.pk}:stage1:response").get()
    assert "stage 2 review" in response.body and "Partly upheld" in response.body

    stage2 = services.complaint_escalate(complaint=complaint, reason="The remedy is not enough", by=resident_a)
    assert stage2.case.parent_id == stage1.case_id and stage2.case.service.code == "complaint-stage-2"
    # Whoever handled stage 1 may neither take nor answer stage 2.
    with pytest.raises(PermissionDenied, match="another officer must decide"):
        services.complaint_acknowledge(complaint=complaint, number=2, by=officer_1)
    services.complaint_acknowledge(complaint=complaint, number=2, by=officer_2)
    with pytest.raises(PermissionDenied):
        _respond(complaint, 2, officer_1)
    stage2.refresh_from_db()
    assert not stage2.is_responded
    _respond(complaint, 2, officer_2, outcome=Outcome.UPHELD)
    final = OutboundMessage.objects.get(idempotency_key=f"complaint:{complaint.pk}:stage2:response")
    assert "Ombudsman" in final.body and "final response" in final.body
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.RESPONDED
    assert AuditEvent.objects.filter(target_type__icontains="complaint", summary__startswith="Stage 2 response").exists()


def test_a_second_escalation_is_refused(resident_a, officer_1, complaint_services):
    complaint = _submit(resident_a)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    _respond(complaint, 1, officer_1)
    services.complaint_escalate(complaint=complaint, reason="No", by=resident_a)
    with pytest.raises(ValidationError, match="already asked"):
        services.complaint_escalate(complaint=complaint, reason="No again", by=resident_a)
    assert ComplaintStage.objects.filter(complaint=complaint).count() == 2


def test_only_the_complainant_or_an_adviser_escalates(resident_a, resident_b, adviser, officer_1, complaint_services):
    complaint = _submit(resident_a)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    _respond(complaint, 1, officer_1)
    with pytest.raises(PermissionDenied):
        services.complaint_escalate(complaint=complaint, reason="Not mine", by=resident_b)
    assert complaint.stages.count() == 1
    stage = services.complaint_escalate(complaint=complaint, reason="For them", by=adviser, on_behalf_of=True)
    assert stage.case.parent_id


def test_escalating_before_the_response_is_refused(resident_a, complaint_services):
    complaint = _submit(resident_a)
    with pytest.raises(ValidationError, match="once we have sent our stage 1 response"):
        services.complaint_escalate(complaint=complaint, reason="Hurry", by=resident_a)


def test_response_needs_reasons_and_a_remedy_unless_not_upheld(resident_a, officer_1, complaint_services):
    complaint = _submit(resident_a)
    with pytest.raises(ValidationError, match="Acknowledge the complaint before responding"):
        _respond(complaint, 1, officer_1)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    with pytest.raises(ValidationError, match="put things right"):
        _respond(complaint, 1, officer_1, remedy="")
    with pytest.raises(ValidationError, match="5,000 characters"):
        services.complaint_respond(complaint=complaint, number=1, outcome=Outcome.UPHELD, reasons="x" * 5001,
                                   remedy="y", by=officer_1)
    with pytest.raises(ValidationError):
        services.complaint_respond(complaint=complaint, number=1, outcome="maybe", reasons="x", remedy="y",
                                   by=officer_1)
    stage = complaint.stages.get(number=1)
    assert not stage.is_responded and stage.case.status != Status.CLOSED
    _respond(complaint, 1, officer_1, outcome=Outcome.NOT_UPHELD, remedy="")
    with pytest.raises(ValidationError, match="already been answered"):
        _respond(complaint, 1, officer_1)


def test_people_outside_the_complaints_team_cannot_work_complaints(resident_a, officer_not_in_team, officer_in_team,
                                                                   complaint_services):
    complaint = _submit(resident_a)
    for person in (officer_not_in_team, officer_in_team, resident_a):
        with pytest.raises(PermissionDenied):
            services.complaint_acknowledge(complaint=complaint, number=1, by=person)
    assert not complaint.stages.get(number=1).is_acknowledged


def test_hostile_and_oversized_text(resident_a, complaint_services):
    with pytest.raises(ValidationError, match="5,000 characters"):
        services.complaint_submit(customer=_customer(resident_a), what_happened="x" * 5001, by=resident_a)
    with pytest.raises(ValidationError, match="Tell us what went wrong"):
        services.complaint_submit(customer=_customer(resident_a), what_happened="   ", by=resident_a)
    assert not Complaint.objects.exists() and not Case.objects.exists()
    hostile = '<script>alert(1)</script> Robert"); DROP TABLE complaints;--'
    complaint = services.complaint_submit(customer=_customer(resident_a), what_happened=hostile, by=resident_a)
    assert complaint.what_happened == hostile  # stored as typed; templates escape it


def test_double_submit_makes_one_complaint(resident_a, complaint_services):
    first = _submit(resident_a, submission_key="k" * 32)
    with pytest.raises(cases.DuplicateSubmission) as dup:
        _submit(resident_a, submission_key="k" * 32)
    assert dup.value.case.reference == first.reference
    assert Complaint.objects.count() == 1 and Case.objects.count() == 1


def test_linked_case_must_be_the_complainants_own(resident_a, resident_b, complaint_services, other_service):
    theirs = cases.case_create(service=other_service, customer=_customer(resident_b), answers={}, channel="web",
                               by=resident_b)
    with pytest.raises(ValidationError, match="your own cases"):
        _submit(resident_a, about_case=theirs)
    assert not Complaint.objects.exists()
    mine = cases.case_create(service=other_service, customer=_customer(resident_a), answers={}, channel="web",
                             by=resident_a)
    complaint = _submit(resident_a, about_case=mine)
    assert complaint.about_case == mine and complaint.about_service == other_service


def test_anonymous_complaint_needs_a_name_and_a_way_to_reply(complaint_services):
    with pytest.raises(ValidationError) as missing:
        services.complaint_submit(customer=None, what_happened="Bad", by=None, contact={"first_name": "Ann"})
    assert {"last_name", "email"} <= set(missing.value.message_dict)
    assert not Complaint.objects.exists() and not Customer.objects.exists()
    complaint = services.complaint_submit(customer=None, what_happened="Bad", by=None,
                                          contact={"first_name": "Ann", "last_name": "Other", "email": "ann@example.net"})
    assert complaint.customer.email == "ann@example.net" and complaint.customer.user_id is None


def test_turning_a_complaint_into_a_service_request(resident_a, officer_1, complaint_services, other_service):
    complaint = _submit(resident_a)
    with pytest.raises(ValidationError, match="Explain"):
        services.complaint_convert(complaint=complaint, service=other_service, reason=" ", by=officer_1)
    request = services.complaint_convert(complaint=complaint, service=other_service,
                                         reason="A missed bin is collected by the waste team", by=officer_1)
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.CONVERTED and complaint.converted_to == request
    assert request.service == other_service and request.customer.user == resident_a
    assert complaint.stages.get(number=1).case.status == Status.CLOSED
    told = OutboundMessage.objects.get(idempotency_key=f"complaint:{complaint.pk}:converted")
    assert request.reference in told.body
    with pytest.raises(ValidationError):
        services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)


def test_learning_actions_tracked_to_completion(resident_a, officer_1, officer_2, complaint_services):
    complaint = _submit(resident_a)
    today = dt.date.today()
    with pytest.raises(ValidationError, match="once the complaint has been answered"):
        services.learning_action_add(complaint=complaint, action="Train crews", owner=officer_2,
                                     due_on=today + dt.timedelta(days=5), by=officer_1)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    _respond(complaint, 1, officer_1)
    with pytest.raises(ValidationError, match="owns the action"):
        services.learning_action_add(complaint=complaint, action="Train crews", owner=resident_a,
                                     due_on=today + dt.timedelta(days=5), by=officer_1)
    with pytest.raises(ValidationError, match="from today"):
        services.learning_action_add(complaint=complaint, action="Train crews", owner=officer_2,
                                     due_on=today - dt.timedelta(days=1), by=officer_1)
    item = services.learning_action_add(complaint=complaint, action="Train crews", owner=officer_2,
                                        due_on=today + dt.timedelta(days=5), by=officer_1)
    with pytest.raises(PermissionDenied):
        services.learning_action_complete(item=item, note="", by=resident_a)
    services.learning_action_complete(item=item, note="Done in the toolbox talk", by=officer_2)
    with pytest.raises(ValidationError, match="already been marked"):
        services.learning_action_complete(item=item, note="", by=officer_1)
    assert LearningAction.objects.get(pk=item.pk).is_done


def test_ombudsman_decision_recorded_once(resident_a, officer_1, complaint_services):
    complaint = _submit(resident_a)
    with pytest.raises(ValidationError, match="once we have responded"):
        services.complaint_record_ombudsman(complaint=complaint, decision="upheld", notes="", by=officer_1)
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    _respond(complaint, 1, officer_1)
    services.complaint_record_ombudsman(complaint=complaint, decision="not_upheld", notes="", by=officer_1)
    with pytest.raises(ValidationError, match="already recorded"):
        services.complaint_record_ombudsman(complaint=complaint, decision="upheld", notes="", by=officer_1)
