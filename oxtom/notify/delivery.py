"""What happened to a message after we sent it: GOV.UK Notify's delivery status callbacks.

Notify posts `{id, reference, to, status, notification_type, ...}` to our callback URL with
`Authorization: Bearer <the token we gave it>`. The `reference` is our message id (sent with every
notification), so a callback finds its row without trusting anything else in the body.

Statuses only move forward: nothing -> temporary or technical failure -> delivered or permanent
failure. A repeated or replayed callback (Notify retries until it gets a 2xx) changes nothing, and
a late "temporary-failure" never undoes a "delivered".

A permanent failure (the number or address is wrong) on one channel falls back to the customer's next
channel that has a template and a contact detail (text -> email -> letter), once, and both the failure
and the fallback show on the customer's timeline.

Letters have statuses of their own, mapped onto the same four (LETTER_STATUSES): `received` (Royal Mail
has it) is as delivered as a letter gets; `validation-failed` (Notify could not print the PDF as laid
out), `permanent-failure` (the printer could not print it) and `virus-scan-failed` are permanent
failures and fall back like any other; `technical-failure` is Notify's own. `cancelled` (someone
stopped it in Notify before printing) is recorded as not delivered but is not sent again another way: a
person chose to stop it. `accepted` and `pending-virus-check` only say the letter is on its way to the
printer and change nothing.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.models import Interaction
from oxtom.customers.services import interaction_record

from .models import DeliveryStatus, MessageChannel, MessageTemplate, OutboundMessage

logger = logging.getLogger(__name__)

DS = DeliveryStatus
_RANK = {"": 0, DS.TEMPORARY_FAILURE: 1, DS.TECHNICAL_FAILURE: 1, DS.DELIVERED: 2, DS.PERMANENT_FAILURE: 2}

# Notify's letter statuses -> ours ("" records nothing), and what the timeline says for each failure.
LETTER_STATUSES = {
    "accepted": "", "pending-virus-check": "", "received": DS.DELIVERED,
    "cancelled": DS.PERMANENT_FAILURE, "validation-failed": DS.PERMANENT_FAILURE,
    "permanent-failure": DS.PERMANENT_FAILURE, "virus-scan-failed": DS.PERMANENT_FAILURE,
    "technical-failure": DS.TECHNICAL_FAILURE,
}
LETTER_FAILURE_REASONS = {
    "cancelled": "cancelled before it was printed",
    "validation-failed": "Notify could not print it as laid out",
    "permanent-failure": "the printer could not print it",
    "virus-scan-failed": "Notify's virus check refused it",
    "technical-failure": "a technical problem at the provider",
}
# No second channel for a letter a person stopped on purpose.
NO_FALLBACK = {"cancelled"}


class DeliveryCallbackError(ValueError):
    """A callback body we cannot use; the message is fit for the caller's log."""


@dataclass(frozen=True)
class DeliveryResult:
    message: OutboundMessage | None
    changed: bool
    fallback: OutboundMessage | None = None


def parse_callback(data: Any) -> tuple[str, str, str]:
    """(our reference, Notify's id, status) from a callback body, or DeliveryCallbackError."""
    if not isinstance(data, dict):
        raise DeliveryCallbackError("The body must be a JSON object")
    status = data.get("status")
    if status not in DS.values and status not in LETTER_STATUSES:
        raise DeliveryCallbackError(f"status must be one of {', '.join(sorted({*DS.values, *LETTER_STATUSES}))}")
    reference, notify_id = data.get("reference") or "", data.get("id") or ""
    if not isinstance(reference, str) or not isinstance(notify_id, str) or len(reference) > 100 or len(notify_id) > 100:
        raise DeliveryCallbackError("reference and id must be short strings")
    if not reference and not notify_id:
        raise DeliveryCallbackError("Send the notification's reference or id")
    return reference, notify_id, status


def _find(reference: str, notify_id: str) -> OutboundMessage | None:
    try:
        by_reference = uuid.UUID(reference) if reference else None
    except ValueError:
        by_reference = None
    qs = OutboundMessage.objects.select_for_update()
    if by_reference is not None:
        found = qs.filter(pk=by_reference).first()
        if found is not None:
            return found
    if notify_id:
        return qs.filter(provider_reference=notify_id).first()
    return None


@transaction.atomic
def delivery_status_record(*, reference: str, notify_id: str, status: str, by: Any = None) -> DeliveryResult:
    """Record a delivery status for the message it names. Idempotent; see the module docstring.

    `status` is Notify's: one of ours, or for a letter one of LETTER_STATUSES (a letter-only status
    about another kind of message changes nothing)."""
    message = _find(reference, notify_id)
    if message is None:
        logger.warning("notify: delivery callback for an unknown message")
        return DeliveryResult(None, False)
    provider_status = status
    is_letter = message.channel == MessageChannel.LETTER
    if is_letter and status in LETTER_STATUSES:
        status = LETTER_STATUSES[status]
    elif status not in DS.values:
        logger.warning("notify: a letter status for a message that is not a letter")
        return DeliveryResult(message, False)
    if not status or message.status != OutboundMessage.Status.SENT or _RANK[status] <= _RANK[message.delivery_status]:
        return DeliveryResult(message, False)
    message.delivery_status, message.delivery_updated_at = status, timezone.now()
    message.save(update_fields=["delivery_status", "delivery_updated_at"])
    summary = f"Delivery status: {status}" + (f" (Notify: {provider_status})" if provider_status != status else "")
    audit_record(by=by, action="update", target=message, summary=summary)
    fallback = None
    if status != DS.DELIVERED and message.customer_id is not None:
        from .services import TIMELINE_CHANNEL, message_description

        label = MessageChannel(message.channel).label
        reason = (LETTER_FAILURE_REASONS.get(provider_status) if is_letter else None) or \
            DS(status).label.split(": ", 1)[-1]
        interaction_record(
            customer=message.customer, kind="notification.undelivered",
            summary=f"{label} not delivered ({reason}): {message_description(message)}",
            channel=TIMELINE_CHANNEL[message.channel], direction=Interaction.Direction.OUTBOUND, subject=message,
        )
        if status == DS.PERMANENT_FAILURE and provider_status not in NO_FALLBACK:
            fallback = _fall_back(message, by=by)
    return DeliveryResult(message, True, fallback)


def _fall_back(message: OutboundMessage, *, by: Any) -> OutboundMessage | None:
    """Queue the same message on the customer's next channel after the failed one, once."""
    from .services import TIMELINE_CHANNEL, channel_candidates, notification_queue, recipient_for

    customer = message.customer
    tried = {message.channel}
    earlier = message
    while earlier.fallback_of_id is not None:  # a fallback that failed too: skip every channel tried
        earlier = OutboundMessage.objects.get(pk=earlier.fallback_of_id)
        tried.add(earlier.channel)
    templates = set(MessageTemplate.objects.filter(code=message.template_code).values_list("channel", flat=True))
    for channel in channel_candidates(customer):
        if channel in tried or channel not in templates or not recipient_for(customer, channel):
            continue
        fallback = notification_queue(customer=customer, template=message.template_code,
                                      context=dict(message.context or {}), by=by, channel=channel,
                                      idempotency_key=f"fallback:{message.pk}")
        if fallback.fallback_of_id is None and fallback.pk != message.pk:
            OutboundMessage.objects.filter(pk=fallback.pk).update(fallback_of=message)
            fallback.fallback_of = message
        interaction_record(
            customer=customer, kind="notification.fallback",
            summary=f"Sent again by {MessageChannel(channel).label.lower()} instead", subject=fallback,
            channel=TIMELINE_CHANNEL[channel], direction=Interaction.Direction.OUTBOUND,
        )
        return fallback
    return None

