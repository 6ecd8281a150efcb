"""SLA escalation: overdue cases are escalated once per due date, and team leaders are told."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, Status
from oxtom.cases.tasks import escalate_overdue
from oxtom.notify.defaults import seed_templates
from oxtom.notify.models import MessageTemplate, OutboundMessage

from .factories import CaseFactory

K = CaseEvent.Kind


@pytest.fixture(autouse=True)
def templates(db):
    seed_templates(MessageTemplate)


@pytest.fixture
def overdue(service):
    return CaseFactory(service=service, due_at=timezone.localdate() - dt.timedelta(days=3))


def test_overdue_case_is_escalated_once_and_leader_emailed(overdue, team_leader, officer_in_team):
    assert escalate_overdue() == 1
    assert escalate_overdue() == 0  # a second run (or a retried task) does nothing more
    events = CaseEvent.objects.filter(case=overdue, kind=K.ESCALATED)
    assert events.count() == 1 and events.get().data["leaders"] == [team_leader.pk]
    mail = OutboundMessage.objects.get(recipient=team_leader.email)
    assert mail.template_code == "staff-alert" and overdue.reference in mail.subject
    # The leader can open the case from the email, on the address the site is served on.
    assert f"{settings.SITE_URL}/staff/cases/{overdue.reference}/" in mail.body
    assert officer_in_team.email not in OutboundMessage.objects.values_list("recipient", flat=True)
    assert CaseEvent.objects.filter(case=overdue, kind=K.NOTIFICATION_SENT).count() == 1
    assert Case.objects.get(pk=overdue.pk).escalated_for == overdue.due_at


def test_not_escalated_paused_closed_decided_or_not_yet_due(service, team_leader):
    past = timezone.localdate() - dt.timedelta(days=3)
    CaseFactory(service=service, due_at=past, paused_on=past, status=Status.AWAITING_CUSTOMER)
    CaseFactory(service=service, due_at=past, status=Status.CLOSED)
    CaseFactory(service=service, due_at=past, status=Status.DECIDED)
    CaseFactory(service=service, due_at=timezone.localdate())  # due today is not overdue
    assert escalate_overdue() == 0
    assert not CaseEvent.objects.filter(kind=K.ESCALATED).exists()


def test_a_new_due_date_can_be_escalated_again(overdue, team_leader):
    escalate_overdue()
    Case.objects.filter(pk=overdue.pk).update(due_at=overdue.due_at + dt.timedelta(days=1))
    assert escalate_overdue() == 1
    assert CaseEvent.objects.filter(case=overdue, kind=K.ESCALATED).count() == 2


def test_direct_double_claim_escalates_once(overdue, team_leader):
    assert s.case_escalate_overdue(case_id=overdue.pk) is True
    assert s.case_escalate_overdue(case_id=overdue.pk) is False


def test_team_without_leader_still_records_escalation(overdue):
    assert escalate_overdue() == 1
    assert CaseEvent.objects.get(case=overdue, kind=K.ESCALATED).data["leaders"] == []
    assert not OutboundMessage.objects.exists()


def test_team_without_leader_but_with_a_mailbox_is_emailed_once(overdue, team):
    team.email = "highways.north@example.org"
    team.save()
    assert escalate_overdue() == 1
    assert escalate_overdue() == 0
    mail = OutboundMessage.objects.get(recipient="highways.north@example.org")
    assert overdue.reference in mail.subject
    assert CaseEvent.objects.filter(case=overdue, kind=K.NOTIFICATION_SENT, text__contains="mailbox").count() == 1


def test_leaders_are_told_and_not_the_mailbox(overdue, team, team_leader):
    team.email = "highways.north@example.org"
    team.save()
    escalate_overdue()
    assert list(OutboundMessage.objects.values_list("recipient", flat=True)) == [team_leader.email]
