"""One renewal invitation per entitlement term.

Only applications/renewals/services.py writes these rows. A renewal issues a new
Entitlement row (the old one is superseded), so "one term" is one
Entitlement row and the unique constraint on `entitlement` is what makes
the nightly run safe to repeat or resume after a crash: a second insert for
the same term is silently ignored, never a second invitation.
"""
from __future__ import annotations

from django.db import models


class RenewalInvitation(models.Model):
    class State(models.TextChoices):
        INVITED = "invited", "Invited"
        REMINDED = "reminded", "Reminded"
        RENEWED = "renewed", "Renewed"
        CHANGED = "changed", "Told us something changed"
        LAPSED = "lapsed", "Lapsed"
        REAPPLYING = "reapplying", "Sent a reapplication link"
        AWAITING_PAYMENT = "awaiting_payment", "Waiting for payment"

    class Reply(models.TextChoices):
        NONE = "", "No reply"
        YES = "yes", "Nothing has changed"
        CHANGE = "change", "Something has changed"

    class ReplyChannel(models.TextChoices):
        NONE = "", "No reply"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email link"

    entitlement = models.ForeignKey(
        "applications.Entitlement", on_delete=models.PROTECT, related_name="renewal_invitations"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.INVITED)
    # The entitlement's expiry when we invited: the date the whole run counts from.
    due = models.DateField()
    invited_at = models.DateTimeField()
    # The channel the invitation went by (the customer's preferred one, after fallback).
    invited_by_channel = models.CharField(max_length=8, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(
        default=0, help_text="How many of the service's reminder days have been dealt with"
    )
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # A reply is recorded first (one conditional UPDATE) and acted on in set-based
    # batches, so 100,000 texts saying YES cost a few statements, not 100,000 transactions.
    reply = models.CharField(max_length=8, choices=Reply.choices, blank=True, default="")
    reply_channel = models.CharField(max_length=8, choices=ReplyChannel.choices, blank=True, default="")
    replied_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the email link's token; the token itself is derived from SECRET_KEY
    # (tokens.py) and never stored, so a copy of this table opens no links.
    token_hash = models.CharField(max_length=64, unique=True)
    # The renewal application (permits: the one waiting for payment) and what it issued.
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    renewed_entitlement = models.ForeignKey(
        "applications.Entitlement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entitlement"], name="renewal_one_invitation_per_term"),
        ]
        indexes = [
            # Reminders and lapses: open invitations by due date.
            models.Index(fields=["state", "due"], name="renewal_state_due"),
            # The reply batches: recorded replies not yet acted on.
            models.Index(fields=["reply", "state"], name="renewal_reply_state"),
        ]

    OPEN_STATES = (State.INVITED, State.REMINDED)

    def __str__(self) -> str:
        return f"Renewal invitation for entitlement {self.entitlement_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES and not self.reply
