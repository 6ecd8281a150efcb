"""GOV.UK Pay webhooks: signed callbacks that settle payments the payer never came back from.

GOV.UK Pay signs each webhook body with HMAC-SHA256 under the webhook's signing secret and sends the
hex digest in `Pay-Signature`. We check it over the exact bytes received (constant-time), refuse
anything unsigned or mis-signed (401, nothing recorded), and keep each accepted
`webhook_message_id` so a replayed message does nothing. Even a genuine webhook's body is not taken
as the truth: it only makes us ask the provider for the payment's state (payment_refresh_status),
which moves a payment forward once, however many callers arrive together (the return page, the
sweeper, the webhook), so nothing is charged or issued twice.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import Payment, PaymentWebhook
from .services import payment_refresh_status

MAX_BODY_BYTES = 64 * 1024


class WebhookRejected(Exception):
    """Not from GOV.UK Pay (401) or not a body we can read (400); nothing was recorded."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WebhookResult:
    outcome: str  # moved | unchanged | unknown | duplicate
    payment: Payment | None = None


def sign(raw: bytes, secret: str | None = None) -> str:
    """The Pay-Signature for a body (tests and the sandbox use it to send real, signed webhooks)."""
    key = (secret if secret is not None else settings.GOVUK_PAY_WEBHOOK_SECRET).encode()
    return hmac.new(key, raw, hashlib.sha256).hexdigest()


def _verify(raw: bytes, signature: str) -> None:
    secret = settings.GOVUK_PAY_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected(401, "Webhooks are not set up: no signing secret")
    if not signature or len(signature) > 200 or not hmac.compare_digest(sign(raw, secret), signature.strip().lower()):
        raise WebhookRejected(401, "The Pay-Signature does not match the body")


def _field(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise WebhookRejected(400, f"{name} must be a string of up to {limit} characters")
    return value


def payment_webhook_receive(*, raw: bytes, signature: str) -> WebhookResult:
    """Verify, de-duplicate and act on one webhook. Raises WebhookRejected."""
    if len(raw) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "The body is too large")
    _verify(raw, signature)
    try:
        data = json.loads(raw)
    except ValueError:
        raise WebhookRejected(400, "The body must be JSON") from None
    if not isinstance(data, dict):
        raise WebhookRejected(400, "The body must be a JSON object")
    message_id = _field(data, "webhook_message_id", 100)
    event_type = _field(data, "event_type", 64)
    resource_id = _field(data, "resource_id", 64)
    if data.get("resource_type", "payment") != "payment":
        return WebhookResult("unknown")
    payment = Payment.objects.filter(provider_payment_id=resource_id).first()
    try:
        with transaction.atomic():
            row = PaymentWebhook.objects.create(message_id=message_id, event_type=event_type,
                                                resource_id=resource_id, payment=payment)
    except IntegrityError:
        return WebhookResult("duplicate", payment)
    if payment is None:
        outcome = "unknown"
    else:
        before = payment.status
        payment_refresh_status(payment=payment, by=None)
        outcome = "moved" if payment.status != before else "unchanged"
    PaymentWebhook.objects.filter(pk=row.pk).update(outcome=outcome)
    return WebhookResult(outcome, payment)
