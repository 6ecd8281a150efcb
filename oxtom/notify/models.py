"""The notification outbox, message templates and received text messages.

Only oxtom/notify/services.py writes these tables (the admin edits templates).
"""
from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

# GOV.UK Notify's placeholder syntax, so a template can move between our
# admin and a Notify template without rewriting: "Dear ((first_name))".
PLACEHOLDER_RE = re.compile(r"\(\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\)")


class MessageChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    LETTER = "letter", "Letter"


def validate_placeholders(text: str) -> None:
    """Every '((' opens a well-formed ((name)) placeholder; a typo would otherwise be sent as-is."""
    stripped = PLACEHOLDER_RE.sub("", text or "")
    if "((" in stripped or "))" in stripped:
        raise ValidationError(
            "Placeholders must look like ((first_name)): letters, numbers and underscores inside double brackets"
        )


class MessageTemplate(models.Model):
    """The words of one message type on one channel, edited by administrators."""

    code = models.SlugField(max_length=64, help_text="What services ask for, e.g. generic-update")
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    name = models.CharField(max_length=120)
    subject = models.CharField(
        max_length=200, blank=True, validators=[validate_placeholders],
        help_text="Email and letter only. Placeholders like ((reference)) are filled in.",
    )
    body = models.TextField(validators=[validate_placeholders], help_text="Placeholders like ((first_name)).")
    # When set, the Notify adapter sends this Notify template with the context
    # as personalisation; otherwise it sends our rendered text through the
    # pass-through template named in settings.
    notify_template_id = models.CharField(max_length=36, blank=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "channel"]
        constraints = [models.UniqueConstraint(fields=["code", "channel"], name="notify_template_code_channel")]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_channel_display()})"

    def clean(self) -> None:
        """An edited template may use only the placeholders its code is sent with (oxtom/notify/registry.py)."""
        from .registry import allowed_placeholders

        allowed = allowed_placeholders(self.code)
        if allowed is None:
            return
        unknown = [name for name in self.placeholders if name not in allowed]
        if unknown:
            raise ValidationError({"body": f"This message is sent without {', '.join(f'(({n}))' for n in unknown)}"
                                           f". It can use: {', '.join(f'(({n}))' for n in sorted(allowed))}"})

    @property
    def placeholders(self) -> list[str]:
        names = PLACEHOLDER_RE.findall(self.subject or "") + PLACEHOLDER_RE.findall(self.body or "")
        return sorted(set(names))


class DeliveryStatus(models.TextChoices):
    """GOV.UK Notify's delivery callback statuses (blank: nothing heard since it was sent)."""

    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Not delivered: the address or number is wrong"
    TEMPORARY_FAILURE = "temporary-failure", "Not delivered: the inbox or phone was unavailable"
    TECHNICAL_FAILURE = "technical-failure", "Not delivered: a technical problem at the provider"


class OutboundMessage(models.Model):
    """One message to send, written in the same transaction as the event that causes it.

    The row is the truth; the Celery message that asks a worker to send it
    is only a hint. A worker *claims* the row with a conditional UPDATE
    (status + lease), so two workers, a redelivered task or a sweeper
    re-enqueue cannot both send it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failed, will retry"
        DEAD = "dead", "Failed, gave up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications",
        help_text="Empty for messages to staff addresses.",
    )
    template_code = models.SlugField(max_length=64)
    context = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    recipient = models.CharField(max_length=400, blank=True, help_text="Email address, E.164 number or postal address")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="Not to be tried before this time")
    # Claim: who is sending it now, and until when their claim holds.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Claims taken over after the holder stopped renewing its lease (a worker killed
    # mid-send): each one is a send that may have reached the provider twice.
    takeovers = models.PositiveSmallIntegerField(
        default=0, help_text="Times a stopped worker's claim was taken over (each a possible duplicate send)"
    )
    # Last time a dispatch task was published for it (the sweeper leaves recent ones alone).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(
        max_length=200, unique=True, help_text="The same event queued twice yields one message. No personal data."
    )
    provider_reference = models.CharField(max_length=100, blank=True)
    # What the provider later told us happened to it (GOV.UK Notify's delivery callbacks, delivery.py).
    delivery_status = models.CharField(max_length=20, choices=DeliveryStatus.choices, blank=True)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)
    # The message this one was sent instead of, after a permanent failure on that one's channel.
    fallback_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="fallback")
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweeper and claimers: due pending/retrying rows, expired leases.
            models.Index(fields=["status", "next_attempt_at"], name="notify_out_status_due"),
            models.Index(fields=["status", "lease_expires_at"], name="notify_out_status_lease"),
            models.Index(fields=["customer", "-created_at"], name="notify_out_customer"),
            # The staff dead-letter page and the dev page: newest first.
            models.Index(fields=["status", "-created_at"], name="notify_out_status_new"),
            models.Index(fields=["-created_at"], name="notify_out_newest"),
            models.Index(fields=["channel", "recipient"], name="notify_out_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.template_code} by {self.channel} ({self.status})"


class InboundSms(models.Model):
    """A text message a customer sent us (GOV.UK Notify's inbound callback shape)."""

    provider_id = models.CharField(max_length=64, unique=True, help_text="Notify's id: a retried callback is stored once")
    source_number = models.CharField(max_length=20, help_text="E.164 when it could be read, else as received")
    destination_number = models.CharField(max_length=20, blank=True)
    message = models.TextField()
    received_at = models.DateTimeField()
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_sms"
    )
    handled_by = models.JSONField(default=list, blank=True, help_text="Handlers that acted on it")
    handler_errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["source_number", "-received_at"], name="notify_in_source"),
            models.Index(fields=["-received_at", "-id"], name="notify_in_newest"),
        ]
        verbose_name = "received text message"

    def __str__(self) -> str:
        return f"Text message received {self.received_at:%Y-%m-%d %H:%M}"
