"""Many outbox messages in one INSERT (notification_queue_many, re-exported by notify.services).

notification_queue writes one message with about five queries; the nightly
renewal run's 100,000 invitations that way would be ~500,000 round trips.
This is the same routing (preferred channel, fallback SMS -> email ->
letter, dead letter when there is no contact detail), the same rendering
and the same idempotency key, for a batch at once:

* the keys already present are read in one query and skipped;
* rows go in with multi-row INSERT ... ON CONFLICT DO NOTHING on the unique
  idempotency key (oxtom/core/bulk.py), so a concurrent or resumed run cannot add a duplicate;
* the dispatch tasks are published after the caller's transaction commits
  (a lost publish is found by the sweeper, as for any message);
* one audit event per batch rather than one per message; dead letters go
  on the customer's timeline as notification_queue puts them.

It uses this app's own routing and rendering functions, so the single and
the bulk path cannot drift apart (docs/adr/0004-renewals-by-one-reply.md).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record_many
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record_many

from . import services as notify_services
from .models import MessageTemplate, OutboundMessage
from .templating import TemplateNotFound, render


@dataclass
class QueuedMessage:
    """One message of a batch: to `customer`, by `template`'s words with `context`, once per key."""

    customer: Customer
    template: str
    context: dict[str, Any]
    idempotency_key: str


def notification_queue_many(items: Iterable[QueuedMessage], *, by: Any, summary: str) -> dict[str, str]:
    """Queue a batch of messages inside the caller's transaction; returns {idempotency_key: channel}.

    Keys already in the outbox are left alone (and reported with the channel
    they went by), so calling this again for the same batch adds nothing.
    Raises TemplateNotFound / TemplateContextError / MessageTooLong before
    writing anything, like notification_queue.
    """
    items = list(items)
    if not items:
        return {}
    keys = [item.idempotency_key for item in items]
    existing = dict(OutboundMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "channel"))
    codes = {item.template for item in items}
    templates: dict[str, dict[str, MessageTemplate]] = {}
    for template in MessageTemplate.objects.filter(code__in=codes):
        templates.setdefault(template.code, {})[template.channel] = template
    missing = codes - templates.keys()
    if missing:
        raise TemplateNotFound(f"No message template with code {sorted(missing)[0]!r}")

    now = timezone.now()
    actor = by if getattr(by, "is_authenticated", False) else None
    rows: list[dict[str, Any]] = []
    chosen: dict[str, str] = dict(existing)
    seen: set[str] = set(existing)
    for item in items:
        if item.idempotency_key in seen:
            continue
        seen.add(item.idempotency_key)
        by_channel = templates[item.template]
        channel, recipient = notify_services.route_for(item.customer, by_channel)
        template = by_channel[channel]
        rendered = render(template, item.context)
        if channel == "sms" and len(rendered.body) > notify_services.SMS_MAX_CHARS:
            raise notify_services.MessageTooLong(
                f"Text message for {item.template!r} is {len(rendered.body)} characters")
        dead = not recipient
        rows.append(dict(
            id=uuid.uuid4(), customer_id=item.customer.pk, template_code=item.template,
            # Only what this channel's words use (the Notify personalisation): a 100,000-row
            # batch writes a third less, and no link is stored in a row whose text lacks it.
            context=json.loads(json.dumps({k: item.context[k] for k in template.placeholders}, cls=DjangoJSONEncoder)),
            channel=channel, recipient=recipient, subject=rendered.subject if channel != "sms" else "",
            body=rendered.body, status=OutboundMessage.Status.DEAD if dead else OutboundMessage.Status.PENDING,
            last_error=notify_services.NO_ROUTE if dead else "", next_attempt_at=now,
            enqueued_at=None if dead else now, idempotency_key=item.idempotency_key,
            created_by_id=getattr(actor, "pk", None),
        ))
        chosen[item.idempotency_key] = channel
    if rows:
        from oxtom.core.bulk import insert_many

        insert_many(OutboundMessage, rows, ignore_conflicts=True)
        audit_record_many([dict(
            action="create", target_type=OutboundMessage._meta.label_lower,
            target_id=f"batch:{rows[0]['idempotency_key']}"[:64], summary=summary,
            detail={"messages": len(rows), "templates": sorted({r["template_code"] for r in rows}),
                    "dead_lettered": sum(1 for r in rows if r["status"] == OutboundMessage.Status.DEAD)},
        )], by=by)
        # notification_queue puts a dead letter on the customer's timeline; so does a batch.
        interaction_record_many([dict(
            customer_id=r["customer_id"], occurred_at=now, channel=notify_services.TIMELINE_CHANNEL[r["channel"]],
            direction=Interaction.Direction.OUTBOUND, kind="notification.failed",
            summary=notify_services.failure_summary(
                r["channel"], r["subject"] or templates[r["template_code"]][r["channel"]].name),
            subject_type=OutboundMessage._meta.label_lower, subject_id=str(r["id"]),
        ) for r in rows if r["status"] == OutboundMessage.Status.DEAD], by=None)
        to_publish = [r["id"] for r in rows if r["status"] == OutboundMessage.Status.PENDING]
        # A row that lost an ON CONFLICT race does not exist: publishing its id is a
        # no-op (the worker's claim finds nothing), so no extra query is needed to filter.
        transaction.on_commit(lambda: publish(to_publish))
    return chosen


def publish(message_ids: list[uuid.UUID]) -> int:
    """Publish dispatch tasks; never raises (the sweeper re-publishes anything lost)."""
    published = 0
    for message_id in message_ids:
        published += bool(notify_services.enqueue(message_id))
    return published
