"""The inbound-SMS handler: a text saying YES (or CHANGE) answers the customer's open renewal invitation.

Runs inside notify's transaction for the received message (in its own
savepoint). The sender was matched to a customer by notify from the phone
number; we never guess beyond that.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.notify.inbound import first_word, register_inbound_handler
from oxtom.notify.services import notification_queue

from .models import RenewalInvitation
from .selectors import invitations_open_for_customer
from .services import _context, renewal_accept, renewal_decline_changed

logger = logging.getLogger(__name__)

YES_WORDS = {"YES", "Y", "YEP", "YEAH", "RENEW"}
CHANGE_WORDS = {"CHANGE", "CHANGED", "NO", "N"}
# An answer to an invitation that closed this long ago is not about it any more.
ALREADY_WINDOW = timedelta(days=120)


def classify(text: str) -> str:
    """'yes', 'change' or 'other' from the first word, ignoring case and punctuation."""
    first = first_word(text)
    if first in YES_WORDS:
        return "yes"
    if first in CHANGE_WORDS:
        return "change"
    return "other"


def _already_status(invitation: RenewalInvitation) -> str:
    return {
        RenewalInvitation.State.RENEWED: "it is already renewed.",
        RenewalInvitation.State.AWAITING_PAYMENT: "it will be renewed when you pay. Use the link in our last message.",
        RenewalInvitation.State.REAPPLYING: "use the link in our last message to check and send your application.",
        RenewalInvitation.State.CHANGED: "you told us something has changed, so it was not renewed.",
        RenewalInvitation.State.LAPSED: "it has expired. You can apply for a new one.",
    }.get(invitation.state, "we are dealing with it.")


@register_inbound_handler("renewals.reply-yes", keywords=YES_WORDS | CHANGE_WORDS)
def renewal_reply_by_sms(*, inbound, customer) -> bool:
    """YES renews (or asks for payment, or sends the reapplication link); anything else, with an
    invitation open, is taken as "something has changed"."""
    kind = classify(inbound.message)
    if customer is None:
        if kind != "other":
            # Nobody to renew for: refuse, and leave a trace staff can find.
            logger.warning("renewals: renewal reply from an unmatched number (inbound %s): no action", inbound.pk)
            audit_record(by=None, action="update", target=inbound,
                         summary="Renewal reply from a number that matches no customer: nothing renewed",
                         outcome="refused", reason="unknown_number")
        return False

    # Two are enough to tell "which one?" from "this one".
    open_invitations = invitations_open_for_customer(customer, limit=2)
    if not open_invitations:
        if kind == "other":
            return False  # not a renewal reply; other handlers may want it
        recent = (
            RenewalInvitation.objects.filter(entitlement__customer=customer,
                                             invited_at__gte=timezone.now() - ALREADY_WINDOW)
            .select_related("entitlement", "entitlement__service").order_by("-invited_at", "-id").first()
        )
        if recent is None:
            return False
        audit_record(by=None, action="update", target=recent,
                     summary="Second renewal reply: nothing renewed again", outcome="already", inbound=inbound.pk)
        context = _context(recent.entitlement, customer, recent.due)
        context["status"] = _already_status(recent)
        notification_queue(customer=customer, template="renewal-already", context=context, by=None,
                           channel="sms", idempotency_key=f"renewal:already:{inbound.pk}")
        return True

    if len(open_invitations) > 1:
        context = _context(open_invitations[0].entitlement, customer, open_invitations[0].due)
        notification_queue(customer=customer, template="renewal-which", context=context, by=None, channel="sms",
                           idempotency_key=f"renewal:which:{inbound.pk}")
        return True

    invitation = open_invitations[0]
    if kind == "yes":
        renewal_accept(invitation=invitation, channel="sms", by=None)
    else:
        renewal_decline_changed(invitation=invitation, channel="sms", by=None)
    return True
