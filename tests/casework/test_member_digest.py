"""The councillors' weekly digest: new and overdue cases in their division, once a week, no personal data."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.digest import member_digest_send
from casework.tasks import send_member_digests
from oxtom.notify.defaults import seed_templates
from oxtom.notify.models import MessageTemplate, OutboundMessage

from .factories import CaseFactory


@pytest.fixture(autouse=True)
def templates(db):
    seed_templates(MessageTemplate)


def test_digest_lists_new_and_overdue_in_the_division_once_a_week(service, resident_a, division_a, division_b,
                                                                  councillor_of_division, councillor_elsewhere):
    today = timezone.localdate()
    fresh = CaseFactory(service=service, customer=resident_a.customer, division=division_a)
    late = CaseFactory(service=service, division=division_a, due_at=today - dt.timedelta(days=2),
                       received_at=timezone.now() - dt.timedelta(days=30))
    hidden = CaseFactory(service=service, division=division_a, special_category=True)
    elsewhere = CaseFactory(service=service, division=division_b)
    assert send_member_digests() == 2  # one each: both divisions have something new
    message = OutboundMessage.objects.get(recipient=councillor_of_division.email)
    assert fresh.reference in message.body and late.reference in message.body
    assert hidden.reference not in message.body and elsewhere.reference not in message.body
    assert "Alice" not in message.body and resident_a.email not in message.body
    assert "1 overdue" in message.subject
    assert OutboundMessage.objects.get(recipient=councillor_elsewhere.email).body.count("HW-") == 1
    assert send_member_digests() == 0  # same week: nothing more
    assert OutboundMessage.objects.filter(recipient=councillor_of_division.email).count() == 1


def test_other_councillor_gets_their_own_division(service, division_b, councillor_elsewhere):
    case = CaseFactory(service=service, division=division_b)
    assert member_digest_send(councillor=councillor_elsewhere) is True
    assert case.reference in OutboundMessage.objects.get(recipient=councillor_elsewhere.email).body


def test_nothing_to_say_sends_nothing(councillor_of_division):
    assert member_digest_send(councillor=councillor_of_division) is False
    assert not OutboundMessage.objects.exists()


def test_next_week_sends_again(service, division_a, councillor_of_division):
    CaseFactory(service=service, division=division_a, due_at=timezone.localdate() - dt.timedelta(days=20))
    assert member_digest_send(councillor=councillor_of_division) is True
    assert member_digest_send(councillor=councillor_of_division, on=timezone.localdate() + dt.timedelta(days=7)) is True
    assert OutboundMessage.objects.count() == 2


def test_non_councillors_get_no_digest(officer_in_team, division_a, service):
    officer_in_team.member_division = division_a
    CaseFactory(service=service, division=division_a)
    assert member_digest_send(councillor=officer_in_team) is False
