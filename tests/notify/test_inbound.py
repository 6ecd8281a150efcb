"""The inbound text message callback (GOV.UK Notify's shape)."""
from __future__ import annotations

import json

import pytest
from django.utils import timezone

from oxtom.customers.models import Interaction
from oxtom.notify.inbound import (
    MAX_BODY_BYTES,
    InboundPayload,
    inbound_handlers,
    is_keyword_reply,
    register_inbound_handler,
    unregister_inbound_handler,
)
from oxtom.notify.models import InboundSms
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/notify/inbound-sms/"
TOKEN = "test-inbound-token-5b0c"


@pytest.fixture(autouse=True)
def token(settings):
    settings.NOTIFY_INBOUND_TOKEN = TOKEN


def payload(**overrides):
    body = {
        "id": "bfd4b8b8-4a0b-4ab5-9a8d-1a0a3ac1f3a1",
        "source_number": "447700900123",
        "destination_number": "07700987654",
        "message": "YES",
        "date_received": "2026-05-14T12:15:30.000000Z",
    }
    body.update(overrides)
    return body


def post(client, body, *, token=TOKEN, raw=None, **extra):
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers, **extra)


@pytest.fixture
def handler_calls():
    calls = []

    @register_inbound_handler("test.recorder")
    def recorder(*, inbound, customer):
        calls.append((inbound.message, customer))
        return inbound.message.strip().upper() == "YES"

    yield calls
    unregister_inbound_handler("test.recorder")


def test_a_reply_from_a_known_number_is_stored_matched_and_on_the_timeline(client, handler_calls):
    customer = f.CustomerFactory(phone="+447700900123")
    response = post(client, payload())
    assert response.status_code == 201
    assert response.json() == {"id": "bfd4b8b8-4a0b-4ab5-9a8d-1a0a3ac1f3a1", "status": "received"}
    inbound = InboundSms.objects.get()
    assert (inbound.customer, inbound.source_number, inbound.message) == (customer, "+447700900123", "YES")
    assert inbound.received_at.isoformat().startswith("2026-05-14T12:15:30")
    assert inbound.handled_by == ["test.recorder"]
    assert handler_calls == [("YES", customer)]
    entry = Interaction.objects.get(customer=customer, kind="sms.received")
    assert (entry.channel, entry.direction) == ("sms", "inbound")


def test_the_same_inbound_id_twice_is_stored_once_and_handled_once(client, handler_calls):
    f.CustomerFactory(phone="+447700900123")
    assert post(client, payload()).status_code == 201
    again = post(client, payload(message="changed"))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert InboundSms.objects.count() == 1
    assert InboundSms.objects.get().message == "YES"
    assert len(handler_calls) == 1
    assert Interaction.objects.filter(kind="sms.received").count() == 1


def test_an_unknown_number_is_stored_unmatched(client, handler_calls):
    response = post(client, payload(source_number="447700900999"))
    assert response.status_code == 201
    inbound = InboundSms.objects.get()
    assert inbound.customer is None and inbound.source_number == "+447700900999"
    assert handler_calls == [("YES", None)]
    assert not Interaction.objects.exists()


def test_duplicate_customer_records_match_the_one_we_last_texted(client, templates, sinks, enqueued):
    from oxtom.notify.services import message_dispatch, notification_queue

    older = f.CustomerFactory(phone="+447700900123", preferred_channel="sms")
    texted = f.CustomerFactory(phone="+447700900123", preferred_channel="sms")
    msg = notification_queue(customer=texted, template="generic-update", by=None, idempotency_key="k",
                             context={"message": "Renew?", "reference": "PP-1"})
    message_dispatch(message_id=msg.pk)
    post(client, payload())
    assert InboundSms.objects.get().customer == texted
    assert older.interactions.filter(kind="sms.received").count() == 0


def test_a_failing_handler_does_not_lose_the_message_or_stop_others(client, handler_calls):
    @register_inbound_handler("test.broken")
    def broken(*, inbound, customer):
        InboundSms.objects.filter(pk=inbound.pk).update(message="tampered")  # rolled back with the savepoint
        raise RuntimeError("bug")

    try:
        response = post(client, payload())
    finally:
        unregister_inbound_handler("test.broken")
    assert response.status_code == 201
    inbound = InboundSms.objects.get()
    assert inbound.message == "YES"
    assert inbound.handler_errors == [{"handler": "test.broken", "error": "RuntimeError"}]
    assert inbound.handled_by == ["test.recorder"]


def test_missing_token_is_401_and_nothing_stored(client):
    response = post(client, payload(), token=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not InboundSms.objects.exists()


@pytest.mark.parametrize("bad", ["wrong-token", TOKEN + "x", TOKEN[:-1], "<script>alert(1)</script>", "' OR 1=1 --"])
def test_wrong_token_is_403_and_nothing_stored(client, bad):
    response = post(client, payload(), token=bad)
    assert response.status_code == 403
    assert response.json()["errors"][0]["error"] == "AuthError"
    assert not InboundSms.objects.exists()


def test_basic_auth_instead_of_bearer_is_401(client):
    response = client.post(URL, data=json.dumps(payload()), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    assert response.status_code == 401


def test_unconfigured_token_refuses_everything(client, settings):
    settings.NOTIFY_INBOUND_TOKEN = ""
    assert post(client, payload(), token="anything").status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_no_csrf_token_needed_for_the_callback(settings):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), payload())
    assert response.status_code == 201


@pytest.mark.parametrize("raw,message", [
    ("{not json", "Request body must be a JSON object"),
    ("[1, 2]", "Request body must be a JSON object"),
    ("\"text\"", "Request body must be a JSON object"),
    ("", "Request body must be a JSON object"),
])
def test_malformed_json_is_400_with_a_clear_message(client, raw, message):
    response = post(client, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"error": "ValidationError", "message": message}]
    assert not InboundSms.objects.exists()


def test_invalid_utf8_is_400(client):
    response = client.post(URL, data=b"\xff\xfe{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 400


@pytest.mark.parametrize("overrides,message", [
    ({"id": None}, "id is required"),
    ({"id": 12}, "id must be a string"),
    ({"id": "x" * 65}, "id must be 64 characters or fewer"),
    ({"id": "<script>"}, "id must contain only letters, numbers, dots, dashes and colons"),
    ({"source_number": ""}, "source_number is required"),
    ({"source_number": "'; DROP TABLE x;--"}, "source_number must be a telephone number"),
    ({"message": ""}, "message is required"),
    ({"message": "x" * 2001}, "message must be 2000 characters or fewer"),
    ({"date_received": "yesterday"}, "date_received must be a date and time like 2017-05-14T12:15:30.000000Z"),
    ({"date_received": "2026-13-45T99:00:00Z"}, "date_received must be a date and time like 2017-05-14T12:15:30.000000Z"),
])
def test_invalid_fields_are_400_naming_the_field(client, overrides, message):
    response = post(client, payload(**overrides))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == message
    assert not InboundSms.objects.exists()


def test_oversized_body_is_refused_with_413(client):
    body = json.dumps(payload(message="x" * (MAX_BODY_BYTES + 10)))
    response = post(client, None, raw=body)
    assert response.status_code == 413
    assert "16 KB or smaller" in response.json()["errors"][0]["message"]
    assert not InboundSms.objects.exists()


def test_hostile_message_text_is_stored_verbatim(client):
    hostile = "<script>alert('x')</script> ' OR '1'='1"
    f.CustomerFactory(phone="+447700900123")
    assert post(client, payload(message=hostile)).status_code == 201
    assert InboundSms.objects.get().message == hostile


def test_one_text_is_one_answer_keyword_owners_first_catch_alls_last(db):
    from oxtom.notify.services import inbound_sms_receive

    calls = []

    def make(name, answer):
        def handler(*, inbound, customer):
            calls.append(name)
            return answer(inbound.message)
        return handler

    register_inbound_handler("test.a-free-text")(make("free", lambda m: m.startswith("free")))
    register_inbound_handler("test.z-keywords", keywords={"YES"})(make("keywords", lambda m: True))
    try:
        assert [n for n, _ in inbound_handlers("Yes please") if n.startswith("test.")] == [
            "test.z-keywords", "test.a-free-text"]
        assert [n for n, _ in inbound_handlers("free text") if n.startswith("test.")] == [
            "test.a-free-text", "test.z-keywords"]
        assert is_keyword_reply("yes.") and is_keyword_reply("STOP") and not is_keyword_reply("yesterday it was")
        inbound, _ = inbound_sms_receive(payload=InboundPayload(
            id="one-answer", source_number="447700900999", destination_number="", message="free text",
            date_received=timezone.now()))
        assert calls[-1:] == ["free"] and inbound.handled_by == ["test.a-free-text"]  # the catch-all never ran
    finally:
        unregister_inbound_handler("test.a-free-text")
        unregister_inbound_handler("test.z-keywords")
