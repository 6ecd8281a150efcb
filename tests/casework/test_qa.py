"""Quality checks: closed cases sampled at the service's rate, reviewed by another team leader."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import services as s
from oxtom.cases.models import CaseEvent, Outcome, QaCheck
from tests import factories as f

ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]


def close(case, by):
    return s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=by)


@pytest.fixture
def sampled(service, make_case, officer_in_team):
    service.qa_sample_rate = 1
    service.save()
    case = make_case()
    close(case, officer_in_team)
    return QaCheck.objects.get(case=case)


def test_rate_one_samples_every_closure_and_zero_none(service, make_case, officer_in_team):
    service.qa_sample_rate = 0
    service.save()
    close(make_case(), officer_in_team)
    assert not QaCheck.objects.exists()
    service.qa_sample_rate = 1
    service.save()
    case = close(make_case(), officer_in_team)
    check = QaCheck.objects.get()
    assert check.case == case and check.closed_by == officer_in_team and check.result == "pending"
    assert case.events.filter(kind=CaseEvent.Kind.QA_SAMPLED).exists()


def test_rate_is_roughly_honoured(service, make_case, officer_in_team, monkeypatch):
    service.qa_sample_rate = "0.25"
    service.save()
    case = make_case()
    hits = sum(s.qa_should_sample(case) for _ in range(4000))
    assert 800 < hits < 1200


def test_leader_records_pass_and_fail_with_feedback(sampled, team_leader):
    with pytest.raises(ValidationError, match="Enter feedback"):
        s.qa_check_record(check=sampled, result="failed", feedback=" ", by=team_leader)
    check = s.qa_check_record(check=sampled, result="failed", feedback="Reasons did not cite the policy",
                              by=team_leader)
    assert check.result == "failed" and check.reviewer == team_leader and check.reviewed_at
    assert sampled.case.events.get(kind=CaseEvent.Kind.QA_RECORDED).text.startswith("Failed")
    with pytest.raises(ValidationError, match="already been recorded"):
        s.qa_check_record(check=sampled, result="passed", feedback="", by=team_leader)


def test_no_one_checks_their_own_closure(service, make_case, team_leader):
    service.qa_sample_rate = 1
    service.save()
    close(make_case(), team_leader)
    with pytest.raises(ValidationError, match="another team leader"):
        s.qa_check_record(check=QaCheck.objects.get(), result="passed", feedback="", by=team_leader)


def test_officers_and_other_teams_cannot_record(sampled, officer_in_team, other_team):
    outsider = f.UserFactory(email="leader.out@example.org", roles=["team_leader"])
    f.TeamMembershipFactory(team=other_team, user=outsider, is_leader=True)
    for user in (officer_in_team, outsider):
        with pytest.raises(PermissionDenied):
            s.qa_check_record(check=sampled, result="passed", feedback="", by=user)


@pytest.mark.parametrize("role", ROLES)
def test_qa_pages_role_matrix(request, client_for, team, sampled, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    for path in (f"/staff/queues/{team.slug}/qa/", f"/staff/queues/{team.slug}/qa/{sampled.pk}/"):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302
        elif role in {"team_leader", "administrator"}:
            assert response.status_code == 200
        elif role in {"officer_in_team", "resident_a", "councillor_of_division", "councillor_elsewhere"}:
            assert response.status_code == 403
        else:
            assert response.status_code == 404


@pytest.mark.parametrize(
    "data,message",
    [({}, "Choose whether the case passed or failed"), ({"result": "maybe"}, "Choose whether the case passed"),
     ({"result": "failed", "feedback": ""}, "Enter feedback for the officer"),
     ({"result": "failed", "feedback": "x" * 5001}, "The feedback must be 5,000 characters or fewer")],
)
def test_qa_form_bad_input(client_for, team, sampled, team_leader, data, message):
    response = client_for(team_leader).post(f"/staff/queues/{team.slug}/qa/{sampled.pk}/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert QaCheck.objects.get().result == "pending"


def test_qa_through_the_pages(client_for, team, sampled, team_leader):
    client = client_for(team_leader)
    assert sampled.case.reference in client.get(f"/staff/queues/{team.slug}/qa/").content.decode()
    response = client.post(f"/staff/queues/{team.slug}/qa/{sampled.pk}/", {"result": "passed"}, follow=True)
    assert "recorded" in response.content.decode() and 'id="qa-empty"' in response.content.decode()
    assert client.get(f"/staff/queues/{team.slug}/qa/999999/").status_code == 404


def test_the_officer_who_closed_the_case_is_told_the_result_but_not_the_feedback_by_email(sampled, team_leader,
                                                                                          officer_in_team):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate, OutboundMessage

    seed_templates(MessageTemplate)
    s.qa_check_record(check=sampled, result="failed", feedback="Mrs Smith's reasons were not given", by=team_leader)
    mail = OutboundMessage.objects.get(recipient=officer_in_team.email)
    assert sampled.case.reference in mail.subject and "failed" in mail.subject
    assert f"/staff/cases/{sampled.case.reference}/" in mail.body and "Smith" not in mail.body
    assert sampled.case.events.filter(kind=CaseEvent.Kind.NOTIFICATION_SENT, text__contains="quality").count() == 1
