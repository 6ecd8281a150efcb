"""The customer's timeline says what a message was about, never its template code.

A text has no subject of its own, so "Text message sent: report-received"
was what advisers read. message_description gives the email twin's subject
for the same context, else the template's name.
"""
from __future__ import annotations

import pytest

from oxtom.customers.models import Interaction
from oxtom.notify import services
from oxtom.notify.channels import PermanentChannelError
from oxtom.notify.models import MessageTemplate
from oxtom.notify.services import message_description, message_dispatch, notification_queue
from tests import factories as f

pytestmark = pytest.mark.django_db


class _Refuses:
    def send(self, message):
        raise PermanentChannelError("number not in service")


@pytest.fixture
def texter(db):
    return f.CustomerFactory(first_name="Rose", last_name="Baker", phone="+447700900321", preferred_channel="sms")


@pytest.fixture
def own_template(templates):
    """A template of our own with an email twin whose subject needs a value the text does not."""
    for channel, subject, body in (("email", "Your bin day for ((street))", "Dear ((name)), ((message))"),
                                   ("sms", "", "((message))")):
        MessageTemplate.objects.create(code="bin-day", channel=channel, name="Bin day reminder", subject=subject,
                                       body=body)


def test_a_sent_text_is_described_by_its_email_twins_subject(templates, texter, context, enqueued, sinks):
    message = notification_queue(customer=texter, template="generic-update", context=context, by=None,
                                 idempotency_key="describe-1")
    assert message.channel == "sms" and message.subject == ""
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    entry = Interaction.objects.get(customer=texter, kind="notification.sent")
    assert entry.summary == "Text message sent: Your parking permit"
    assert "generic-update" not in entry.summary


def test_without_a_subject_to_borrow_the_templates_name_is_used(own_template, texter, enqueued, sinks):
    message = notification_queue(customer=texter, template="bin-day", context={"message": "Tuesday", "name": "Rose"},
                                 by=None, idempotency_key="describe-2")
    assert message_description(message) == "Bin day reminder"  # the twin needs ((street)): not guessed
    message_dispatch(message_id=message.pk)
    assert Interaction.objects.get(customer=texter, kind="notification.sent").summary == (
        "Text message sent: Bin day reminder")


def test_a_text_that_could_not_be_sent_is_described_the_same_way(templates, texter, context, enqueued, monkeypatch):
    monkeypatch.setattr(services, "channel_for", lambda name: _Refuses())
    message = notification_queue(customer=texter, template="generic-update", context=context, by=None,
                                 idempotency_key="describe-3")
    assert message_dispatch(message_id=message.pk).outcome == "dead"
    entry = Interaction.objects.get(customer=texter, kind="notification.failed")
    assert entry.summary == "Text message could not be sent: Your parking permit"


def test_a_customer_with_no_route_gets_a_described_dead_letter(templates, context, enqueued):
    nobody = f.CustomerFactory(email="", phone="", address_line_1="", postcode="", preferred_channel="sms")
    notification_queue(customer=nobody, template="account-created", context={"name": "Rose"}, by=None,
                       idempotency_key="describe-4")
    entry = Interaction.objects.get(customer=nobody, kind="notification.failed")
    assert "account-created" not in entry.summary
    assert entry.summary.endswith(("Your Oxfordshire County Council account", "Account created"))


def test_the_customer_record_page_shows_the_description(client_for, adviser, templates, texter, context, enqueued,
                                                        sinks):
    message = notification_queue(customer=texter, template="generic-update", context=context, by=None,
                                 idempotency_key="describe-5")
    message_dispatch(message_id=message.pk)
    body = client_for(adviser).get(f"/staff/customers/{texter.reference}/").content.decode()
    assert "Text message sent: Your parking permit" in body and "generic-update" not in body
