"""Replies by text message: a customer answers our request for information by replying to the SMS.

Registered with oxtom.notify's inbound handlers (casework/apps.py). The
notify app has already matched the sender's number to a customer record.
The text is taken as their reply when it can only mean one case: it names
one of their cases we are waiting on, or exactly one case is waiting for
them. Keyword replies (YES, CHANGE, STOP...) are left to the services that
asked for them, such as one-click renewals (notify's `is_keyword_reply`).
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError

from oxtom.customers.models import Channel
from oxtom.notify.inbound import is_keyword_reply

from .models import Case, Status

logger = logging.getLogger(__name__)

def reply_by_text(*, inbound: Any, customer: Any) -> bool:
    """Record an inbound text as the customer's reply to our request; False when it is not one."""
    from .services import case_customer_reply

    text = (getattr(inbound, "message", "") or "").strip()
    if customer is None or not text or is_keyword_reply(text):
        return False
    waiting = list(Case.objects.filter(customer=customer, status=Status.AWAITING_CUSTOMER)
                   .order_by("-modified_at", "-id")[:20])
    named = [case for case in waiting if case.reference in text.upper()]
    if len(named) == 1:
        case = named[0]
    elif len(waiting) == 1 and not named:
        case = waiting[0]
    else:
        return False  # none waiting, or several and the text does not say which: an adviser sorts it out
    try:
        case_customer_reply(case=case, customer=customer, details=text, by=None, channel=Channel.SMS)
    except ValidationError:
        logger.info("casework: inbound text %s not taken as a reply to case %s", getattr(inbound, "pk", None), case.pk)
        return False
    return True
