"""Replying to a request for information by text message (through oxtom.notify's inbound handlers)."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent, Status
from oxtom.notify.inbound import InboundPayload
from oxtom.notify.services import inbound_sms_receive

K = CaseEvent.Kind
PHONE = "+447700900123"


@pytest.fixture
def texting_customer(customer_a):
    customer_a.phone = PHONE
    customer_a.save()
    return customer_a


def ask(case, by):
    case = s.case_accept(case=case, expected_version=case.version, by=by)
    return s.case_request_information(case=case, request_text="How deep is it?", expected_version=case.version, by=by)


def text(message: str, number: str = "447700900123"):
    payload = InboundPayload(id=str(uuid.uuid4()), source_number=number, destination_number="07700900000",
                             message=message, date_received=timezone.now() - dt.timedelta(seconds=5))
    inbound, _ = inbound_sms_receive(payload=payload)
    return inbound


def test_a_text_back_is_the_reply_to_the_one_waiting_case(make_case, officer_in_team, texting_customer):
    case = ask(make_case(), officer_in_team)
    inbound = text("About 50mm deep, by the drain")
    assert "casework.reply-to-request" in inbound.handled_by
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.IN_PROGRESS and case.paused_on is None
    reply = case.events.get(kind=K.CUSTOMER_REPLIED)
    assert reply.text == "About 50mm deep, by the drain" and reply.actor is None and reply.data["channel"] == "sms"


def test_with_several_waiting_the_text_must_name_the_case(make_case, officer_in_team, texting_customer):
    first, second = ask(make_case(), officer_in_team), ask(make_case(), officer_in_team)
    inbound = text("It is 50mm deep")
    assert "casework.reply-to-request" not in inbound.handled_by  # ambiguous: left for an adviser
    assert set(Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        Status.AWAITING_CUSTOMER}
    inbound = text(f"{second.reference.lower()}: it is 50mm deep")
    assert "casework.reply-to-request" in inbound.handled_by
    assert Case.objects.get(pk=second.pk).status == Status.IN_PROGRESS
    assert Case.objects.get(pk=first.pk).status == Status.AWAITING_CUSTOMER


@pytest.mark.parametrize("message", ["YES", "stop", "Yes!", "   "])
def test_keywords_and_blank_texts_are_left_to_other_services(make_case, officer_in_team, texting_customer, message):
    case = ask(make_case(), officer_in_team)
    inbound = text(message)
    assert "casework.reply-to-request" not in inbound.handled_by
    assert Case.objects.get(pk=case.pk).status == Status.AWAITING_CUSTOMER


def test_unknown_numbers_and_cases_not_waiting_are_not_replies(make_case, officer_in_team, texting_customer):
    case = ask(make_case(), officer_in_team)
    assert "casework.reply-to-request" not in text("Hello", number="447700900999").handled_by
    assert Case.objects.get(pk=case.pk).status == Status.AWAITING_CUSTOMER
    s.case_information_received(case=case, details="Phoned", expected_version=Case.objects.get(pk=case.pk).version,
                                by=officer_in_team)
    assert "casework.reply-to-request" not in text("It is 50mm deep").handled_by
    assert not Case.objects.get(pk=case.pk).events.filter(kind=K.CUSTOMER_REPLIED).exists()


def test_nobody_but_a_matched_text_may_reply_without_signing_in(make_case, officer_in_team, customer_a):
    from django.core.exceptions import PermissionDenied

    case = ask(make_case(), officer_in_team)
    with pytest.raises(PermissionDenied):
        s.case_customer_reply(case=case, customer=customer_a, details="x", by=None)  # web, not signed in
    with pytest.raises(PermissionDenied):
        s.case_customer_reply(case=case, customer=customer_a, details="x", by=None, channel="sms", on_behalf_of=True)
