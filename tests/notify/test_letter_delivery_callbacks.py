"""GOV.UK Notify's letter statuses on the delivery callback, mapped onto the outbox's delivery statuses."""
from __future__ import annotations

import pytest

from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import message_dispatch, notification_queue
from tests.notify.test_delivery_callbacks import TOKEN, body_for, callback

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN


@pytest.fixture
def sent_letter(templates, customer, context, enqueued, sinks):
    customer.preferred_channel = "post"
    customer.address_line_1, customer.town, customer.postcode = "1 High Street", "Witney", "OX28 6AA"
    customer.save()
    message = notification_queue(customer=customer, template="generic-update", context=context, by=None,
                                 idempotency_key="case:1:letter")
    assert message.channel == "letter"
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    message.refresh_from_db()
    return message


def undelivered(message) -> list[str]:
    return list(Interaction.objects.filter(customer=message.customer, kind="notification.undelivered")
                .values_list("summary", flat=True))


@pytest.mark.parametrize("status", ["accepted", "pending-virus-check"])
def test_on_its_way_to_the_printer_changes_nothing(client, sent_letter, status):
    response = callback(client, body_for(sent_letter, status))
    assert response.status_code == 200 and response.json()["status"] == "unchanged"
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "" and not undelivered(sent_letter)


def test_received_by_royal_mail_is_delivered_and_a_late_failure_never_undoes_it(client, sent_letter):
    assert callback(client, body_for(sent_letter, "accepted")).json()["status"] == "unchanged"
    assert callback(client, body_for(sent_letter, "received")).json()["status"] == "recorded"
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "delivered"
    assert callback(client, body_for(sent_letter, "received")).json()["status"] == "unchanged"
    assert callback(client, body_for(sent_letter, "technical-failure")).json()["status"] == "unchanged"
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "delivered"


@pytest.mark.parametrize(("status", "reason"), [
    ("validation-failed", "Notify could not print it as laid out"),
    ("permanent-failure", "the printer could not print it"),
    ("virus-scan-failed", "virus check"),
])
def test_a_letter_that_cannot_be_printed_falls_back_once_to_the_next_channel(client, sent_letter, status, reason):
    response = callback(client, body_for(sent_letter, status))
    assert response.status_code == 200 and response.json()["status"] == "recorded"
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "permanent-failure"
    fallback = OutboundMessage.objects.get(fallback_of=sent_letter)
    assert response.json()["fallback"] == str(fallback.pk) and fallback.channel in {"sms", "email"}
    [summary] = undelivered(sent_letter)
    assert summary.startswith("Letter not delivered") and reason in summary
    callback(client, body_for(sent_letter, status))  # replayed: nothing more
    assert OutboundMessage.objects.filter(customer=sent_letter.customer).count() == 2


def test_a_cancelled_letter_is_not_delivered_but_not_sent_again_another_way(client, sent_letter):
    assert callback(client, body_for(sent_letter, "cancelled")).json() == {"status": "recorded", "fallback": None}
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "permanent-failure"
    assert not OutboundMessage.objects.filter(fallback_of=sent_letter).exists()
    assert "cancelled before it was printed" in undelivered(sent_letter)[0]


def test_technical_failure_is_recorded_without_a_fallback(client, sent_letter):
    callback(client, body_for(sent_letter, "technical-failure"))
    sent_letter.refresh_from_db()
    assert sent_letter.delivery_status == "technical-failure"
    assert not OutboundMessage.objects.filter(fallback_of=sent_letter).exists()


def test_a_letter_status_about_a_text_message_changes_nothing(client, templates, customer, context, enqueued, sinks):
    customer.preferred_channel = "sms"
    customer.save()
    sms = notification_queue(customer=customer, template="generic-update", context=context, by=None,
                             idempotency_key="case:1:sms")
    message_dispatch(message_id=sms.pk)
    for status in ("received", "cancelled", "validation-failed"):
        assert callback(client, body_for(sms, status)).json()["status"] == "unchanged"
    sms.refresh_from_db()
    assert sms.delivery_status == "" and not OutboundMessage.objects.filter(fallback_of=sms).exists()


@pytest.mark.parametrize("status", ["posted", "RECEIVED", "", None, 3])
def test_statuses_notify_never_sends_are_400(client, sent_letter, status):
    assert callback(client, {"reference": str(sent_letter.pk), "status": status}).status_code == 400
