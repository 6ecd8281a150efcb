"""GOV.UK Pay webhooks: signed (HMAC-SHA256 in Pay-Signature), replay-safe, and never trusted for the state."""
from __future__ import annotations

import json
import uuid

import pytest

from oxtom.payments import services as payments
from oxtom.payments.models import Payment, PaymentWebhook, SandboxCharge, Status
from oxtom.payments.providers import sandbox
from oxtom.payments.webhooks import sign

pytestmark = pytest.mark.django_db
URL = "/pay/webhooks/govuk-pay/"
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.GOVUK_PAY_WEBHOOK_SECRET = SECRET


def event(payment, event_type="card_payment_succeeded", message_id=None, **resource):
    return {"webhook_message_id": message_id or str(uuid.uuid4()), "created_date": "2026-12-02T01:00:00Z",
            "resource_id": payment.provider_payment_id, "resource_type": "payment", "event_type": event_type,
            "resource": {"payment_id": payment.provider_payment_id, "amount": payment.amount_pence,
                         "state": {"status": "success", "finished": True}, **resource}}


def post(client, body, signature=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    sig = sign(data, SECRET) if signature is None else signature
    return client.post(URL, data, content_type="application/json", HTTP_PAY_SIGNATURE=sig)


def paid_at_provider(payment):
    """The payer paid on the card page and closed the tab: the provider knows, we don't yet."""
    sandbox.pay(SandboxCharge.objects.get(payment_id=payment.provider_payment_id), "4444333322221111")


def test_a_signed_webhook_settles_a_payment_the_payer_never_returned_from(client, make_payment, thing):
    seen = []
    payments.register_payment_success_handler(thing._meta.label_lower, lambda p, by: seen.append(p.pk))
    payment = make_payment().payment
    paid_at_provider(payment)
    response = post(client, event(payment))
    assert response.status_code == 200 and response.json() == {"outcome": "moved"}
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS and seen == [payment.pk]
    # Another message about the same payment (captured after succeeded): nothing more happens.
    assert post(client, event(payment, "card_payment_captured")).json() == {"outcome": "unchanged"}
    assert seen == [payment.pk]


def test_the_body_is_not_trusted_the_provider_is_asked(client, make_payment):
    payment = make_payment().payment  # not paid at the provider
    response = post(client, event(payment))  # says success
    assert response.json() == {"outcome": "unchanged"}
    payment.refresh_from_db()
    assert payment.status != Status.SUCCESS


def test_a_replayed_message_does_nothing(client, make_payment):
    payment = make_payment().payment
    paid_at_provider(payment)
    body = event(payment, message_id="msg-1")
    assert post(client, body).json()["outcome"] == "moved"
    assert post(client, body).json()["outcome"] == "duplicate"
    assert PaymentWebhook.objects.filter(message_id="msg-1").count() == 1


@pytest.mark.parametrize("signature", ["", "0" * 64, "not-hex", "x" * 500])
def test_forged_webhooks_are_401_and_change_nothing(client, make_payment, signature):
    payment = make_payment().payment
    paid_at_provider(payment)
    assert post(client, event(payment), signature=signature).status_code == 401
    payment.refresh_from_db()
    assert payment.status != Status.SUCCESS and not PaymentWebhook.objects.exists()


def test_signed_with_another_secret_or_a_changed_body_is_401(client, make_payment):
    payment = make_payment().payment
    paid_at_provider(payment)
    raw = json.dumps(event(payment)).encode()
    assert post(client, None, raw=raw, signature=sign(raw, "other-secret")).status_code == 401
    assert post(client, None, raw=raw + b" ", signature=sign(raw, SECRET)).status_code == 401
    assert not PaymentWebhook.objects.exists()


def test_no_secret_configured_refuses_everything(client, make_payment, settings):
    settings.GOVUK_PAY_WEBHOOK_SECRET = ""
    payment = make_payment().payment
    raw = json.dumps(event(payment)).encode()
    assert post(client, None, raw=raw, signature=sign(raw, "")).status_code == 401


@pytest.mark.parametrize("raw", [b"not json", b"[1]", json.dumps({"event_type": "x"}).encode(),
                                 json.dumps({"webhook_message_id": "m", "event_type": "x",
                                             "resource_id": ["list"]}).encode()])
def test_bad_bodies_are_400(client, raw):
    assert post(client, None, raw=raw).status_code == 400
    assert not PaymentWebhook.objects.exists()


def test_unknown_payment_and_oversized_body(client):
    body = {"webhook_message_id": "m-2", "event_type": "card_payment_succeeded", "resource_id": "nope",
            "resource_type": "payment"}
    assert post(client, body).json() == {"outcome": "unknown"}
    big = json.dumps({**body, "pad": "x" * 70000}).encode()
    assert post(client, None, raw=big).status_code == 413
    assert client.get(URL).status_code == 405
    assert Payment.objects.count() == 0
