"""GOV.UK Notify delivery status callbacks: token, forward-only statuses, replay, fallback to the next channel."""
from __future__ import annotations

import json

import pytest

from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import message_dispatch, notification_queue

pytestmark = pytest.mark.django_db
URL = "/notify/delivery-status/"
TOKEN = "test-callback-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN


@pytest.fixture
def sent_sms(templates, customer, context, enqueued, sinks):
    customer.preferred_channel = "sms"
    customer.save()
    message = notification_queue(customer=customer, template="generic-update", context=context, by=None,
                                 idempotency_key="case:1:update")
    assert message.channel == "sms"
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    message.refresh_from_db()
    return message


def callback(client, body, token=TOKEN, **extra):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, raw, content_type="application/json", **headers, **extra)


def body_for(message, status):
    return {"id": "notify-" + str(message.pk)[:8], "reference": str(message.pk), "to": message.recipient,
            "status": status, "notification_type": message.channel}


def test_delivered_is_recorded_once_and_never_undone(client, sent_sms):
    first = callback(client, body_for(sent_sms, "delivered"))
    assert first.status_code == 200 and first.json()["status"] == "recorded"
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "delivered" and sent_sms.delivery_updated_at
    # Notify retries; a late failure arrives after: neither changes anything.
    assert callback(client, body_for(sent_sms, "delivered")).json()["status"] == "unchanged"
    assert callback(client, body_for(sent_sms, "temporary-failure")).json()["status"] == "unchanged"
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "delivered"


def test_permanent_failure_falls_back_to_email_once_and_shows_on_the_timeline(client, sent_sms):
    response = callback(client, body_for(sent_sms, "permanent-failure"))
    assert response.status_code == 200
    fallback = OutboundMessage.objects.get(fallback_of=sent_sms)
    assert response.json()["fallback"] == str(fallback.pk)
    assert fallback.channel == "email" and fallback.recipient == "rose@example.org"
    assert fallback.template_code == sent_sms.template_code
    kinds = list(Interaction.objects.filter(customer=sent_sms.customer).values_list("kind", flat=True))
    assert "notification.undelivered" in kinds and "notification.fallback" in kinds
    # Replayed: no second fallback.
    callback(client, body_for(sent_sms, "permanent-failure"))
    assert OutboundMessage.objects.filter(fallback_of=sent_sms).count() == 1
    assert OutboundMessage.objects.filter(customer=sent_sms.customer).count() == 2


def test_temporary_failure_then_delivered(client, sent_sms):
    callback(client, body_for(sent_sms, "temporary-failure"))
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "temporary-failure"
    assert not OutboundMessage.objects.filter(fallback_of=sent_sms).exists()
    callback(client, body_for(sent_sms, "delivered"))
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "delivered"


def test_found_by_notify_id_when_the_reference_is_missing(client, sent_sms):
    OutboundMessage.objects.filter(pk=sent_sms.pk).update(provider_reference="abc-123")
    assert callback(client, {"id": "abc-123", "status": "delivered"}).json()["status"] == "recorded"


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x"])
def test_forged_callbacks_are_401_and_change_nothing(client, sent_sms, token):
    response = callback(client, body_for(sent_sms, "permanent-failure"), token=token)
    assert response.status_code == 401
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "" and not OutboundMessage.objects.filter(fallback_of=sent_sms).exists()


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"{}", json.dumps({"reference": "x", "status": "lost"}),
                                 json.dumps({"reference": ["x"], "status": "delivered"}),
                                 json.dumps({"reference": "x" * 500, "status": "delivered"})])
def test_bad_bodies_are_400(client, sent_sms, raw):
    assert callback(client, raw).status_code == 400
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == ""


def test_oversized_body_is_413_and_unknown_message_is_200(client, sent_sms):
    assert callback(client, json.dumps({"reference": "x", "status": "delivered", "pad": "x" * 20000})).status_code == 413
    unknown = callback(client, {"reference": "00000000-0000-0000-0000-000000000000", "status": "delivered"})
    assert unknown.status_code == 200 and unknown.json()["status"] == "unknown"
    assert client.get(URL).status_code == 405
