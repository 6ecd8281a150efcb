"""Decisions the system makes by rule (and their QA sampling), and referral telling the customer."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, QaCheck, Status
from oxtom.core.models import AuditEvent

K = CaseEvent.Kind


@pytest.fixture
def outbox_templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_automatic_decision_accepts_decides_and_tells_the_customer(outbox_templates, make_case, customer_a):
    from oxtom.notify.models import OutboundMessage

    case = make_case()
    case = s.case_decide_automatically(case=case, decision="approved", reasons="You meet every renewal criterion",
                                       rule="renewal-all-criteria-met", expected_version=case.version)
    case = refresh(case)
    assert case.status == Status.DECIDED and case.decision == "approved" and case.decided_at is not None
    steps = list(case.events.filter(kind=K.STATUS_CHANGED).order_by("id").values_list("to_status", "actor", "data"))
    assert [(to, actor) for to, actor, _ in steps] == [(Status.ACCEPTED, None), (Status.DECIDED, None)]
    assert all(data["automatic"] and data["rule"] == "renewal-all-criteria-met" for _, _, data in steps)
    assert OutboundMessage.objects.filter(customer=customer_a, body__contains="You meet every renewal criterion").exists()
    assert AuditEvent.objects.filter(summary="Automatic decision: Approved").exists()


def test_automatic_decisions_are_sampled_for_qa_at_the_service_rate(make_case, service, team, team_leader):
    service.qa_sample_rate = 1
    service.save()
    case = make_case()
    s.case_decide_automatically(case=case, decision="approved", reasons="Criteria met", rule="r1",
                                expected_version=case.version)
    check = QaCheck.objects.get(case=case)
    assert check.kind == QaCheck.Kind.AUTOMATIC_DECISION and check.team == team and check.closed_by is None
    # Any team leader of the team can review it (no person made it).
    s.qa_check_record(check=check, result="failed", feedback="Rule r1 ignored the arrears", by=team_leader)
    assert refresh(case).events.filter(kind=K.QA_RECORDED).exists()
    service.qa_sample_rate = 0
    service.save()
    other = make_case()
    s.case_decide_automatically(case=other, decision="approved", reasons="Criteria met", rule="r1",
                                expected_version=other.version)
    assert not QaCheck.objects.filter(case=other).exists()


def test_qa_page_says_which_kind_of_check(client_for, make_case, service, team, team_leader):
    service.qa_sample_rate = 1
    service.save()
    case = make_case()
    s.case_decide_automatically(case=case, decision="approved", reasons="Criteria met", rule="r1",
                                expected_version=case.version)
    body = client_for(team_leader).get(f"/staff/queues/{team.slug}/qa/").content.decode()
    assert case.reference in body and "Automatic decision" in body


@pytest.mark.parametrize("overrides,message", [
    ({"reasons": ""}, "Enter the reasons for the decision"),
    ({"reasons": "x" * 5001}, "5,000 characters or fewer"),
    ({"decision": "maybe"}, "Choose a decision"),
    ({"rule": ""}, "Name the decision rule"),
    ({"rule": "r" * 101}, "Name the decision rule"),
])
def test_automatic_decision_refusals_save_nothing(make_case, overrides, message):
    case = make_case()
    params = dict(decision="approved", reasons="Criteria met", rule="r1", expected_version=case.version)
    params.update(overrides)
    with pytest.raises(ValidationError) as exc:
        s.case_decide_automatically(case=case, **params)
    assert message in " ".join(exc.value.messages)
    assert refresh(case).status == Status.NEW and refresh(case).version == case.version


def test_automatic_decision_on_a_closed_or_stale_case_is_refused(make_case, officer_in_team):
    case = make_case()
    with pytest.raises(s.StaleCaseError):
        s.case_decide_automatically(case=case, decision="approved", reasons="r", rule="r1", expected_version=99)
    case = s.case_close(case=case, outcome="withdrawn", expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="closed"):
        s.case_decide_automatically(case=case, decision="approved", reasons="r", rule="r1",
                                    expected_version=case.version)


def test_referral_moves_the_case_and_tells_the_customer_without_the_reason(outbox_templates, make_case, officer_in_team,
                                                                         other_team, customer_a):
    from oxtom.notify.models import OutboundMessage

    case = make_case(answers={"Where": "Outside 12 High Street", "Photo": "photo-1.jpg"})
    case = s.case_refer(case=case, team=other_team, reason="Parking sign, not a road defect: internal note",
                        expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.team == other_team and case.assignee is None and case.status == Status.NEW
    # Everything the customer gave travels with the case: they are not asked again.
    assert case.answers == {"Where": "Outside 12 High Street", "Photo": "photo-1.jpg"}
    message = OutboundMessage.objects.get(customer=customer_a, body__contains="passed your case")
    assert other_team.name in message.body and "do not need to send it again" in message.body
    assert "internal note" not in message.body
    referred = case.events.get(kind=K.REFERRED)
    assert referred.visibility == "staff"
    assert case.events.filter(kind=K.NOTIFICATION_SENT, data__about_event=referred.pk).exists()


# --- the system path: a rule's decision recorded as a closed case, sampled for QA ----------------------------

def _record(service, customer, **overrides):
    params = dict(service=service, customer=customer, answers={"application": "AP-1"}, channel="web",
                  decision="approved", reasons="Every criterion met", rule="bus-pass eligibility rules",
                  title="Bus pass application AP-1 (automatic)")
    params.update(overrides)
    return s.case_record_rule_decision(**params)


def test_a_rules_decision_is_recorded_closed_and_sampled_with_no_actor(outbox_templates, service, customer_a, team):
    from oxtom.notify.models import OutboundMessage

    service.qa_sample_rate = 1
    service.save()
    case = refresh(_record(service, customer_a, submission_key="rule-1"))
    assert (case.status, case.decision, case.outcome) == (Status.CLOSED, "approved", "completed")
    assert case.decided_at and case.closed_at and case.decision_reasons == "Every criterion met"
    assert case.submission_key == "rule-1" and case.modified_by is None
    moved = case.events.get(kind=K.STATUS_CHANGED)
    assert (moved.from_status, moved.to_status, moved.actor) == (Status.NEW, Status.CLOSED, None)
    assert moved.data["automatic"] and moved.data["rule"] == "bus-pass eligibility rules"
    check = QaCheck.objects.get(case=case)
    assert check.kind == QaCheck.Kind.AUTOMATIC_DECISION and check.team == team and check.closed_by is None
    assert case.events.filter(kind=K.QA_SAMPLED).count() == 1
    assert not Case.objects.open().exists()  # never work in a queue
    assert not OutboundMessage.objects.filter(customer=customer_a).exists()  # the owner told the customer
    assert AuditEvent.objects.filter(summary="Automatic decision: Approved").exists()


def test_only_if_sampled_writes_nothing_when_not_sampled(service, customer_a):
    service.qa_sample_rate = 0
    service.save()
    assert _record(service, customer_a, only_if_sampled=True) is None
    assert not Case.objects.exists() and not QaCheck.objects.exists()
    kept = _record(service, customer_a)  # kept as the record of the decision, not sampled
    assert refresh(kept).status == Status.CLOSED and not QaCheck.objects.exists()


@pytest.mark.parametrize("overrides,message", [
    ({"reasons": ""}, "Enter the reasons for the decision"),
    ({"decision": "maybe"}, "Choose a decision"),
    ({"outcome": "duplicate"}, "Choose an outcome"),
    ({"rule": "r" * 101}, "Name the decision rule"),
])
def test_a_bad_rule_decision_saves_nothing(service, customer_a, overrides, message):
    service.qa_sample_rate = 1
    service.save()
    with pytest.raises(ValidationError) as exc:
        _record(service, customer_a, **overrides)
    assert message in " ".join(exc.value.messages)
    assert not Case.objects.exists() and not QaCheck.objects.exists()


def test_the_same_rule_decision_twice_is_one_case(service, customer_a):
    first = _record(service, customer_a, submission_key="rule-twice")
    with pytest.raises(s.DuplicateSubmission) as caught:
        _record(service, customer_a, submission_key="rule-twice")
    assert caught.value.case.pk == first.pk and Case.objects.count() == 1
