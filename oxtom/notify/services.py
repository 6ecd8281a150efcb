"""Writes for notifications: queue, claim, dispatch, sweep, retry, receive.

The outbox row is written in the caller's transaction, so "the event
happened" and "a message will go" commit or roll back together. The Celery
task is only a nudge published after commit; if the nudge is lost (broker
down, worker killed) the row is still there and the sweeper nudges again.
"""
from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable, Iterator

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Customer, Interaction, PreferredChannel
from oxtom.customers.services import interaction_record

from .channels import PermanentChannelError, channel_for
from .inbound import InboundPayload, inbound_handlers
from .models import InboundSms, MessageChannel, MessageTemplate, OutboundMessage
from .templating import TemplateNotFound, render

logger = logging.getLogger(__name__)


class MessageTooLong(ValueError):
    """The rendered message is longer than the channel can carry."""

Status = OutboundMessage.Status

# When a customer's preferred route is missing a contact detail, try these in order.
FALLBACK_ORDER = (MessageChannel.SMS, MessageChannel.EMAIL, MessageChannel.LETTER)
PREFERRED_TO_CHANNEL = {
    PreferredChannel.EMAIL: MessageChannel.EMAIL,
    PreferredChannel.SMS: MessageChannel.SMS,
    PreferredChannel.POST: MessageChannel.LETTER,
}
TIMELINE_CHANNEL = {MessageChannel.EMAIL: Channel.EMAIL, MessageChannel.SMS: Channel.SMS, MessageChannel.LETTER: Channel.POST}
# GOV.UK Notify's limit for one text message (it is split into up to 6 parts).
SMS_MAX_CHARS = 918
# A retried task may arrive a moment before next_attempt_at by another host's clock.
CLAIM_EARLY_TOLERANCE = timedelta(seconds=5)


def max_attempts() -> int:
    return max(1, int(settings.NOTIFY_MAX_ATTEMPTS))


def lease_seconds() -> float:
    """How long a claim holds without renewal. Short, because the worker holding it
    renews it every third of it while the provider call is in progress
    (`_lease_heartbeat`): a live worker keeps its claim however slow the provider,
    and the claim of a worker killed with SIGKILL runs out within this many seconds."""
    return float(getattr(settings, "NOTIFY_LEASE_SECONDS", 20))


def max_send_seconds() -> float:
    """Renew a lease for at most this long: a provider call hung past the task's hard
    time limit is treated as a dead worker, so the message is not held forever."""
    return float(getattr(settings, "NOTIFY_MAX_SEND_SECONDS", 90))


def sweep_grace_seconds() -> float:
    return float(getattr(settings, "NOTIFY_SWEEP_GRACE_SECONDS", 120))


def backoff_seconds(attempt: int, *, base: float | None = None, cap: float = 3600.0) -> float:
    """Exponential backoff before retry number `attempt` (1-based): base, 2×base, 4×base … capped."""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 30)) if base is None else base
    return min(cap, base * (2 ** max(0, attempt - 1)))


def backoff_with_jitter(attempt: int, *, base: float | None = None, cap: float = 3600.0) -> float:
    """Backoff plus up to 10% jitter, so messages that failed together don't all retry together."""
    delay = backoff_seconds(attempt, base=base, cap=cap)
    return delay + random.uniform(0, delay * 0.1)


# --- routing -------------------------------------------------------------------

def to_e164(raw: str) -> str:
    """A phone number as E.164, or '' if it cannot be one.

    Lenient on purpose: Ofcom's drama range (07700 900xxx), used in demo
    data and tests, is "possible" but not "valid" to libphonenumber.
    Notify sends inbound numbers as '447700900123' (no plus).
    """
    text = "".join(str(raw or "").split()).replace("-", "")
    if text.startswith("44"):
        text = "+" + text
    if not re.fullmatch(r"\+?[0-9]{6,15}", text):
        return ""
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Can this number receive a text? UK: 07 numbers except 070 (personal) and 076 (pagers)."""
    if e164.startswith("+44"):
        return len(e164) == 13 and e164.startswith("+447") and e164[4] not in "06"
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _sms_number(customer: Customer) -> str:
    """The customer's number if it can receive texts (a mobile), else ''."""
    number = to_e164(customer.phone)
    return number if number and is_mobile(number) else ""


def _postal_address(customer: Customer) -> str:
    if not (customer.address_line_1 and customer.postcode):
        return ""
    lines = [customer.display_name, customer.address_line_1, customer.address_line_2, customer.town, customer.postcode]
    return "\n".join(line for line in lines if line)


def recipient_for(customer: Customer, channel: str) -> str:
    if channel == MessageChannel.EMAIL:
        return customer.email or ""
    if channel == MessageChannel.SMS:
        return _sms_number(customer)
    if channel == MessageChannel.LETTER:
        return _postal_address(customer)
    return ""


def channel_candidates(customer: Customer, preferred: str | None = None) -> list[str]:
    """Channels to try in order: the asked-for or preferred one, then SMS, email, letter."""
    first = preferred or PREFERRED_TO_CHANNEL.get(customer.preferred_channel, MessageChannel.EMAIL)
    return [first] + [c for c in FALLBACK_ORDER if c != first]


NO_ROUTE = "No email address, mobile number or postal address to send this message to"


def route_for(customer: Customer, available: Iterable[str], *, channel: str | None = None,
              to: str | None = None) -> tuple[str, str]:
    """(channel, recipient) for a customer among the channels that have a template.

    The asked-for channel, else the preferred one falling back SMS -> email ->
    letter, the first with a contact detail. The recipient is '' when there is
    none: the caller dead-letters the message on the first candidate. Shared by
    notification_queue and bulk queuing so the two cannot choose differently.
    """
    available = list(available)
    candidates = [channel] if channel else channel_candidates(customer)
    for candidate in candidates:
        if candidate not in available:
            continue
        address = to if (to and candidate == channel) else recipient_for(customer, candidate)
        if address:
            return candidate, address
    return (candidates[0] if candidates[0] in available else available[0]), ""


# --- queue ---------------------------------------------------------------------

@transaction.atomic
def notification_queue(
    *,
    customer: Customer | None,
    template: str,
    context: dict[str, Any],
    by: Any,
    idempotency_key: str,
    channel: str | None = None,
    subject: str | None = None,
    to: str | None = None,
) -> OutboundMessage:
    """Queue one message; it is sent after the surrounding transaction commits.

    The channel is `channel` if given, else the customer's preferred
    channel, falling back SMS → email → letter to the first for which the
    customer has the contact detail and a template exists. Messages to staff
    addresses pass `customer=None` and `to=` (email by default).

    Queuing the same `idempotency_key` twice returns the first message and
    sends nothing more. The key must not contain personal data (use ids:
    "case:123:decision"). Raises TemplateNotFound or TemplateContextError
    rather than queue a broken message. A customer with no usable contact
    detail gets a dead-lettered row (visible to staff) instead of an error
    that would undo the event itself.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValueError("idempotency_key must be 1 to 200 characters")
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing

    templates = {t.channel: t for t in MessageTemplate.objects.filter(code=template)}
    if not templates:
        raise TemplateNotFound(f"No message template with code {template!r}")
    if channel is not None and channel not in MessageChannel.values:
        raise ValueError(f"Unknown channel {channel!r}")

    while customer is not None and customer.merged_into_id is not None:
        customer = customer.merged_into

    chosen, recipient, problem = None, "", ""
    if customer is None:
        if not to:
            raise ValueError("A message without a customer needs to= (a staff address)")
        chosen = channel or MessageChannel.EMAIL
        recipient = to
        if chosen not in templates:
            raise TemplateNotFound(f"No {chosen} template with code {template!r}")
    else:
        if channel and channel not in templates:
            raise TemplateNotFound(f"No {channel} template with code {template!r}")
        chosen, recipient = route_for(customer, templates, channel=channel, to=to)
        if not recipient:
            problem = NO_ROUTE

    if customer is None and chosen == MessageChannel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise ValueError("to= must be an email address for an email message") from None
    if len(recipient) > OutboundMessage._meta.get_field("recipient").max_length:
        raise ValueError("The recipient is too long to be a real address")

    rendered = render(templates[chosen], context, subject=subject)
    if chosen == MessageChannel.SMS and len(rendered.body) > SMS_MAX_CHARS:
        # Cut short, a text can lose the very sentence that matters; refuse instead.
        raise MessageTooLong(f"Text message for {template!r} is {len(rendered.body)} characters; the limit is {SMS_MAX_CHARS}")
    now = timezone.now()
    fields = dict(
        customer=customer,
        template_code=template,
        # Stored as JSON (dates, decimals, UUIDs as text) for the Notify personalisation.
        context=json.loads(json.dumps(context, cls=DjangoJSONEncoder)),
        channel=chosen,
        recipient=recipient,
        subject=rendered.subject if chosen != MessageChannel.SMS else "",
        body=rendered.body,
        status=Status.DEAD if problem else Status.PENDING,
        last_error=problem,
        next_attempt_at=now,
        enqueued_at=None if problem else now,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(idempotency_key=idempotency_key, **fields)
    except IntegrityError:
        # A concurrent transaction queued the same event first.
        return OutboundMessage.objects.get(idempotency_key=idempotency_key)

    audit_record(by=by, action="create", target=message, summary=f"Queued {template} by {chosen}")
    if problem:
        _timeline_failure(message, problem)
    else:
        message_id = message.pk
        transaction.on_commit(lambda: enqueue(message_id))
    return message


def staff_alert_queue(*, to: str, key: str, subject: str, message: str) -> bool:
    """Email a member of staff or a team mailbox (template 'staff-alert'); False if it could not be queued.

    The one way every capability tells staff something: the message carries a reference and a link, never
    a customer's details. A failure to queue never undoes the caller's change: it is logged, and the
    caller records it where it keeps a history (a case's timeline, say). Idempotent per `key`.
    """
    try:
        with transaction.atomic():
            notification_queue(customer=None, template="staff-alert", to=to, by=None, idempotency_key=key,
                               context={"subject": subject, "message": message})
    except (LookupError, ValueError, DatabaseError) as exc:
        logger.warning("staff alert %s not queued (%s)", key, type(exc).__name__)
        return False
    return True


_publishing = threading.local()


@contextmanager
def publishing_suspended() -> Iterator[None]:
    """Queue outbox rows without publishing their dispatch tasks; the sweeper publishes any left pending.

    For bulk loads whose messages are history (the demo data marks them sent):
    a task each would put hundreds of no-op dispatches on the broker ahead of
    real work, the worker heartbeat included.
    """
    previous = getattr(_publishing, "suspended", False)
    _publishing.suspended = True
    try:
        yield
    finally:
        _publishing.suspended = previous


def enqueue(message_id: uuid.UUID, *, urgent: bool = False) -> bool:
    """Publish the dispatch task. Never raises: if the broker is down the committed
    row stays pending and the sweeper publishes it later. `urgent`: ahead of the queue."""
    from .tasks import enqueue_dispatch

    if getattr(_publishing, "suspended", False):
        return False

    if enqueue_dispatch(message_id, urgent=True) if urgent else enqueue_dispatch(message_id):
        return True
    # Known unpublished: the sweeper takes it at its next run instead of waiting out
    # the grace period meant for nudges that may still be in the broker.
    try:
        OutboundMessage.objects.filter(pk=message_id, status__in=[Status.PENDING, Status.RETRYING, Status.SENDING]
                                       ).update(enqueued_at=None)
    except Exception:  # noqa: BLE001 - never raise from a publish hook; the grace period still applies
        logger.warning("notify: could not mark message %s unpublished", message_id)
    return False


# --- claim and dispatch ----------------------------------------------------------

def message_claim(*, message_id: uuid.UUID, worker: str = "") -> uuid.UUID | None:
    """Take the right to send one message, or None if someone else has it / it isn't due.

    One conditional UPDATE: it matches only a due pending/retrying row or a
    row whose previous claim's lease ran out, and only below the attempt
    limit. Two workers running it at once cannot both match, because the
    second re-checks the WHERE clause against the first one's update.
    """
    now = timezone.now()
    token = uuid.uuid4()
    due = Q(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=now + CLAIM_EARLY_TOLERANCE)
    abandoned = Q(status=Status.SENDING, lease_expires_at__lt=now)
    won = OutboundMessage.objects.filter(due | abandoned, pk=message_id, attempts__lt=max_attempts()).update(
        status=Status.SENDING,
        claim_token=token,
        claimed_by=worker[:120],
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1,
        # Evaluated against the row before the update: still 'sending' means we are
        # taking over a stopped worker's claim, which may already have reached the provider.
        takeovers=F("takeovers") + Case(When(status=Status.SENDING, then=Value(1)), default=Value(0)),
    )
    return token if won == 1 else None


def lease_renew(*, message_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Push our claim's lease forward; False if the claim is no longer ours."""
    return OutboundMessage.objects.filter(pk=message_id, claim_token=token, status=Status.SENDING).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
    ) == 1


@contextmanager
def _lease_heartbeat(message_id: uuid.UUID, token: uuid.UUID) -> Iterator[None]:
    """Renew the claim every third of the lease while the provider is being called.

    A thread of its own (with its own database connection, closed when it ends),
    so a slow provider call cannot starve it. It does nothing for sends shorter
    than a third of the lease, which is nearly all of them. If the process is
    killed, renewals stop and the lease runs out: that is the whole point.
    """
    stop = threading.Event()
    interval = max(0.2, lease_seconds() / 3)
    give_up_at = timezone.now() + timedelta(seconds=max_send_seconds())

    def beat() -> None:
        from django.db import connection

        try:
            while not stop.wait(interval) and timezone.now() < give_up_at:
                try:
                    if not lease_renew(message_id=message_id, token=token):
                        return
                except Exception:  # noqa: BLE001 - a dropped connection: reconnect at the next beat
                    logger.warning("notify: could not renew the lease of message %s", message_id)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{message_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@dataclass(frozen=True)
class DispatchResult:
    outcome: str  # sent | not_claimed | lost_claim | retry | dead
    retry_in: float | None = None


def message_dispatch(*, message_id: uuid.UUID, worker: str = "") -> DispatchResult:
    """Claim, send through the channel, record the outcome. Called by the dispatch task.

    No database transaction is held open while the provider is called.
    """
    token = message_claim(message_id=message_id, worker=worker)
    if token is None:
        return DispatchResult("not_claimed")
    message = OutboundMessage.objects.select_related("customer").get(pk=message_id)
    if message.takeovers:
        logger.warning("notify: message %s taken over from a stopped worker (possible duplicate send)", message.pk)
    try:
        with _lease_heartbeat(message.pk, token):
            delivery = channel_for(message.channel).send(message)
    except PermanentChannelError as exc:
        return _recorded(_record_failure, message, token, exc, permanent=True)
    except Exception as exc:  # noqa: BLE001 - any failure (incl. soft time limit) is a failed attempt
        return _recorded(_record_failure, message, token, exc)
    return _recorded(_record_sent, message, token, delivery.provider_reference)


RECORD_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)


def _recorded(record, *args, **kwargs) -> DispatchResult:
    """Record a send's outcome, reconnecting if the database connection was dropped.

    The provider has already been asked: if the record is lost the lease runs out
    and the message goes again, a duplicate. So a dropped connection (database
    restart, failover, a terminated backend) gets a new one and a few more tries
    (about 8 s) before we give up and let the lease decide. Not inside an outer
    transaction, where closing the connection would break the caller's.
    """
    from django.db import InterfaceError, OperationalError, connection

    for delay in (*RECORD_RETRY_DELAYS, None):
        try:
            return record(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("notify: database unreachable while recording a send; reconnecting in %ss", delay)
            connection.close()
            time.sleep(delay)
    raise AssertionError("unreachable")


@transaction.atomic
def _record_sent(message: OutboundMessage, token: uuid.UUID, provider_reference: str) -> DispatchResult:
    now = timezone.now()
    updated = OutboundMessage.objects.filter(pk=message.pk, claim_token=token).update(
        status=Status.SENT, sent_at=now, provider_reference=provider_reference[:100],
        claim_token=None, lease_expires_at=None, last_error="",
    )
    if updated != 1:
        # Our lease ran out and another worker took the message over: the one
        # case where a provider may have been asked twice (see channels.py).
        logger.warning("notify: message %s sent after its claim was taken over", message.pk)
        return DispatchResult("lost_claim")
    if message.customer_id is not None:
        label = MessageChannel(message.channel).label
        interaction_record(
            customer=message.customer,
            kind="notification.sent",
            summary=f"{label} sent: {message_description(message)}",
            channel=TIMELINE_CHANNEL[message.channel],
            direction=Interaction.Direction.OUTBOUND,
            subject=message,
            occurred_at=now,
        )
    return DispatchResult("sent")


@transaction.atomic
def _record_failure(
    message: OutboundMessage, token: uuid.UUID, exc: Exception, *, permanent: bool = False
) -> DispatchResult:
    error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = OutboundMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).get()
    dead = permanent or attempts >= max_attempts()
    now = timezone.now()
    delay = None if dead else backoff_with_jitter(attempts)
    updated = OutboundMessage.objects.filter(pk=message.pk, claim_token=token).update(
        status=Status.DEAD if dead else Status.RETRYING,
        last_error=error,
        claim_token=None,
        lease_expires_at=None,
        next_attempt_at=now if dead else now + timedelta(seconds=delay),
        enqueued_at=now,
    )
    # Message id and exception class only: provider errors can quote addresses.
    logger.warning("notify: message %s attempt %s failed (%s)", message.pk, attempts, type(exc).__name__)
    if updated != 1:
        return DispatchResult("lost_claim")
    if dead:
        message.attempts = attempts
        _timeline_failure(message, error)
        return DispatchResult("dead")
    return DispatchResult("retry", retry_in=delay)


def message_description(message: OutboundMessage) -> str:
    """What a message is about, in words a customer's timeline can show: never a template code.

    An email or letter has its subject. A text has none, so it takes the
    subject its email twin would have had with the same context ("Your
    pothole case HW-2026-ABC123"), else the template's name ("Street report
    received"). One query, made when a message is sent or given up on.
    """
    if message.subject:
        return message.subject
    twins = {t.channel: t for t in MessageTemplate.objects.filter(code=message.template_code)}
    email = twins.get(MessageChannel.EMAIL)
    if email is not None and email.subject:
        try:
            subject = render(email, message.context or {}).subject
        except ValueError:  # TemplateContextError: the stored context holds only the text's own words
            subject = ""
        if subject:
            return subject
    own = twins.get(message.channel) or email
    return own.name if own is not None else "a message"


def failure_summary(channel: str, description: str) -> str:
    """The timeline's words for a message that could not be sent (bulk queuing writes them too).

    `description` is message_description's (or, in bulk, the subject or the template's name).
    """
    return f"{MessageChannel(channel).label} could not be sent: {description}"


def _timeline_failure(message: OutboundMessage, reason: str) -> None:
    """Advisers see on the record that we could not reach the customer."""
    if message.customer_id is None:
        return
    interaction_record(
        customer=message.customer,
        kind="notification.failed",
        summary=failure_summary(message.channel, message_description(message)),
        channel=TIMELINE_CHANNEL[message.channel],
        direction=Interaction.Direction.OUTBOUND,
        subject=message,
    )


# --- sweep and retry -------------------------------------------------------------

@dataclass(frozen=True)
class SweepResult:
    requeued: int
    expired_leases: int
    dead_lettered: int


def outbox_sweep(*, older_than_seconds: float | None = None, limit: int = 500) -> SweepResult:
    """Re-publish messages whose nudge was lost, and take back abandoned claims.

    * pending/retrying rows that have been due for longer than the grace
      period and were not published within it (broker down at commit time,
      a retry message lost);
    * sending rows whose lease ran out (the worker was killed mid-send);
      those already at the attempt limit are dead-lettered instead, so a
      message that kills its worker every time cannot loop.

    A duplicate nudge is harmless: the claim lets only one through.
    """
    grace = sweep_grace_seconds() if older_than_seconds is None else older_than_seconds
    now = timezone.now()
    cutoff = now - timedelta(seconds=grace)

    with transaction.atomic():
        exhausted = list(
            OutboundMessage.objects.filter(
                status=Status.SENDING, lease_expires_at__lt=now, attempts__gte=max_attempts()
            ).select_related("customer")[:limit]
        )
        dead = OutboundMessage.objects.filter(
            pk__in=[m.pk for m in exhausted], status=Status.SENDING, lease_expires_at__lt=now
        ).update(
            status=Status.DEAD, claim_token=None, lease_expires_at=None,
            last_error="The worker stopped during every attempt to send this message",
        )
        for message in exhausted:
            _timeline_failure(message, "worker stopped")

    not_recent = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    stranded = Q(status__in=[Status.PENDING, Status.RETRYING]) & (
        Q(next_attempt_at__lte=cutoff)
        # A publish known to have failed (broker down): due now, nothing in the broker to wait for.
        | Q(enqueued_at__isnull=True, next_attempt_at__lte=now)
    )
    abandoned = Q(status=Status.SENDING, lease_expires_at__lt=now, attempts__lt=max_attempts())
    # An abandoned claim is nudged at once (not after the grace period): its lease
    # running out is already the proof that nobody is sending it. Once per expiry,
    # then again only if that nudge too is older than the grace period.
    not_nudged_since_expiry = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("lease_expires_at"))
    rows = list(
        OutboundMessage.objects.filter((stranded & not_recent) | (abandoned & (not_recent | not_nudged_since_expiry)))
        .order_by("next_attempt_at")
        .values_list("pk", "status")[:limit]
    )
    ids = [pk for pk, _ in rows]
    if ids:
        OutboundMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    for pk, status in rows:
        # A message taken back from a killed worker has waited a lease already: ahead of the queue.
        enqueue(pk, urgent=status == Status.SENDING)
    if ids:
        logger.info("notify: sweeper re-enqueued %s message(s)", len(ids))
    return SweepResult(
        requeued=len(ids),
        expired_leases=sum(1 for _, status in rows if status == Status.SENDING),
        dead_lettered=dead,
    )


@transaction.atomic
def message_retry(*, message: OutboundMessage, by: Any) -> OutboundMessage:
    """Give a dead-lettered message a fresh set of attempts (after staff fixed the cause)."""
    if message.status != Status.DEAD:
        raise ValidationError("Only messages that failed and were given up on can be retried")
    if not message.recipient:
        raise ValidationError("Add a contact detail to the customer record, then queue a new message")
    now = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk, status=Status.DEAD).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, enqueued_at=now, last_error="",
    )
    audit_record(by=by, action="update", target=message, summary="Dead-lettered message queued again")
    message_id = message.pk
    transaction.on_commit(lambda: enqueue(message_id))
    message.refresh_from_db()
    return message


# --- inbound -------------------------------------------------------------------

def normalise_inbound_number(raw: str) -> str:
    """Notify sends '447700900123'; customers hold '+447700900123'. '' if unreadable."""
    return to_e164(raw)


def _match_customer(number: str) -> Customer | None:
    """The live customer with this number. Several (unmerged duplicates): the one we
    last texted, since a reply answers our last message; otherwise nobody."""
    if not number:
        return None
    candidates = list(Customer.objects.filter(phone=number, merged_into__isnull=True)[:20])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return None
    last = (
        OutboundMessage.objects.filter(
            channel=MessageChannel.SMS, recipient=number, customer__in=candidates, status=Status.SENT
        ).order_by("-sent_at").values_list("customer_id", flat=True).first()
    )
    return next((c for c in candidates if c.pk == last), None)


@transaction.atomic
def inbound_sms_receive(*, payload: InboundPayload, by: Any = None) -> tuple[InboundSms, bool]:
    """Store one received text message once, put it on the customer's timeline, run handlers.

    Returns (message, created). A callback retried by Notify (same id) is
    stored once and handlers do not run again.
    """
    existing = InboundSms.objects.filter(provider_id=payload.id).first()
    if existing is not None:
        return existing, False
    number = normalise_inbound_number(payload.source_number)
    customer = _match_customer(number)
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                provider_id=payload.id,
                source_number=number or payload.source_number,
                destination_number=payload.destination_number,
                message=payload.message,
                received_at=payload.date_received,
                customer=customer,
            )
    except IntegrityError:
        return InboundSms.objects.get(provider_id=payload.id), False

    if customer is not None:
        interaction_record(
            customer=customer,
            kind="sms.received",
            summary=f"Text message received: {payload.message[:200]}",
            channel=Channel.SMS,
            direction=Interaction.Direction.INBOUND,
            subject=inbound,
            occurred_at=payload.date_received,
        )
    for name, handler in inbound_handlers(payload.message):
        try:
            with transaction.atomic():
                if handler(inbound=inbound, customer=customer):
                    inbound.handled_by.append(name)
                    break  # one text is one answer: no second service acts on it
        except Exception as exc:  # noqa: BLE001 - one broken handler must not lose the message
            logger.exception("notify: inbound handler %s failed for inbound %s", name, inbound.pk)
            inbound.handler_errors.append({"handler": name, "error": type(exc).__name__})
    if inbound.handled_by or inbound.handler_errors:
        inbound.save(update_fields=["handled_by", "handler_errors"])
    return inbound, True


# The bulk path (the renewal run's batches) shares this module's routing and rendering.
from .bulk import QueuedMessage, notification_queue_many  # noqa: E402,F401
