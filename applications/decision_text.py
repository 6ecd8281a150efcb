"""The decision promise by text: a resident waiting for an officer's decision asks to be texted it.

The confirmation page (and the application page while it is with an officer) offers "Text me when
you have decided" to an applicant with a mobile number on their record whose decision would not go
by text anyway. Asking records the time on the application (once; asking again changes nothing).
When the officer's decision is recorded, one text is queued through the outbox, keyed by the
application, so a retried or repeated decision never texts twice.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel, Interaction
from oxtom.notify.models import MessageChannel
from oxtom.notify.selectors import mask_recipient
from oxtom.notify.services import channel_candidates, notification_queue, recipient_for

from .models import Application
from .services import _timeline, application_link

OFFER, ASKED, BY_TEXT_ANYWAY, NONE = "offer", "asked", "by_text_anyway", ""


class DecisionTextError(ValueError):
    """Asking for the text cannot be done (decided already, no mobile number)."""


def _texts_anyway(customer) -> bool:
    """The decision goes by text anyway: the customer prefers texts and has a mobile number."""
    return channel_candidates(customer)[0] == MessageChannel.SMS and bool(recipient_for(customer, MessageChannel.SMS))


def decision_text_state(application: Application) -> dict[str, str]:
    """What the page offers: {"state": offer|asked|by_text_anyway|"", "to": the masked mobile number}."""
    if application.status != Application.Status.REFERRED:
        return {"state": ASKED if application.text_when_decided_at else NONE, "to": ""}
    customer = application.customer
    number = recipient_for(customer, MessageChannel.SMS)
    if not number:
        return {"state": NONE, "to": ""}
    if application.text_when_decided_at:
        return {"state": ASKED, "to": mask_recipient(number)}
    return {"state": BY_TEXT_ANYWAY if _texts_anyway(customer) else OFFER, "to": mask_recipient(number)}


@transaction.atomic
def application_text_when_decided(*, application: Application, by: Any) -> Application:
    """Record that the applicant wants the officer's decision by text. Asking twice changes nothing."""
    locked = Application.objects.select_for_update(of=("self",)).select_related("customer").get(pk=application.pk)
    if locked.text_when_decided_at is not None:
        return locked
    if locked.status != Application.Status.REFERRED:
        raise DecisionTextError("We have already decided this application, so there is nothing to text you.")
    if not recipient_for(locked.customer, MessageChannel.SMS):
        raise DecisionTextError("There is no mobile number on your account to text.")
    now = timezone.now()
    Application.objects.filter(pk=locked.pk).update(text_when_decided_at=now, version=locked.version + 1)
    locked.text_when_decided_at, locked.version = now, locked.version + 1
    audit_record(by=by, action="update", target=locked, summary="Applicant asked to be texted the decision",
                 reference=locked.reference)
    _timeline(locked.customer, kind="application.text_requested", by=by, subject=locked, reference=locked.reference,
              summary=f"{locked.service.name}: asked to be texted the decision on {locked.reference}",
              channel=Channel.WEB, direction=Interaction.Direction.INBOUND)
    return locked


def decision_text_queue(application: Application, *, headline: str, by: Any) -> None:
    """After an officer's decision: the one text the applicant asked for, unless the decision went by text."""
    if application.text_when_decided_at is None or _texts_anyway(application.customer):
        return
    if not recipient_for(application.customer, MessageChannel.SMS):
        return  # the number was removed since: the decision still went by the preferred channel
    notification_queue(
        customer=application.customer, template="application-decision", channel=MessageChannel.SMS, by=by,
        idempotency_key=f"application:{application.pk}:decision-text",
        context={"name": application.customer.display_name, "service": application.service.name_in_sentence,
                 "reference": application.reference, "headline": headline, "message": headline,
                 "link": application_link(application)})
