"""Display helpers for customer templates. Load with {% load customers %}."""
from __future__ import annotations

from django import template

from ..models import INTEREST_CHOICES
from ..validation import format_phone_for_display

register = template.Library()
_INTEREST_LABELS = dict(INTEREST_CHOICES)


@register.filter
def phone_display(value: str) -> str:
    """E.164 as people write it: +441865792422 -> 01865 792422."""
    return format_phone_for_display(value or "")


@register.filter
def interest_labels(codes: list[str]) -> list[str]:
    return [_INTEREST_LABELS.get(code, code) for code in (codes or [])]


@register.filter
def address_lines(customer) -> list[str]:
    """The address as the lines that exist, for display one per line."""
    return [line for line in (customer.address_line_1, customer.address_line_2, customer.town, customer.postcode) if line]


@register.filter
def full_name(customer) -> str:
    """Title, first and last name, without gaps where one is missing."""
    return " ".join(part for part in (customer.title, customer.first_name, customer.last_name) if part)


OFFER_AFTER_ERRORS = 2  # "when a resident meets validation errors twice on the same step"
_OFFER_COUNTS, _OFFER_IDS = "chat_offer_errors", "chat_offer_ids"
_NOT_RESIDENT = ("/staff/", "/members/", "/chat/", "/django-admin/", "/api/", "/accounts/")


@register.inclusion_tag("webchat/_offer.html", takes_context=True)
def chat_offer(context, form=None):
    """Count a resident's error pages per step (path); from the second, offer an adviser by chat inline.

    A link (no JavaScript needed) to /chat/ that carries the step and the offer, so the adviser sees
    which journey, step and questions were in error, never the values typed.
    """
    request = context.get("request")
    path = getattr(request, "path", "") or ""
    if request is None or not getattr(form, "errors", None) or path.startswith(_NOT_RESIDENT) or len(path) > 200:
        return {"offer": None}
    from oxtom.customers.models import ChatOffer

    counts = dict(request.session.get(_OFFER_COUNTS) or {})
    counts[path] = int(counts.get(path, 0)) + 1
    if len(counts) > 20:  # a bounded session: the oldest steps go first
        counts = dict(list(counts.items())[-20:])
    request.session[_OFFER_COUNTS] = counts
    if counts[path] < OFFER_AFTER_ERRORS:
        return {"offer": None}
    ids = dict(request.session.get(_OFFER_IDS) or {})
    offer = ChatOffer.objects.filter(pk=ids.get(path), chat__isnull=True).first() if ids.get(path) else None
    if offer is None:
        labels = []
        for name in form.errors:
            field = form.fields.get(name) if hasattr(form, "fields") else None
            label = str(getattr(field, "label", "") or "") if field is not None else ""
            labels.append(label[:120] or "The page as a whole")
        offer = ChatOffer.objects.create(path=path, fields_in_error=labels[:10])
        ids[path] = offer.pk
        request.session[_OFFER_IDS] = dict(list(ids.items())[-20:])
    # Whether this browser already has a chat, so the panel reads its messages at once (else it waits for the
    # first message, and asks the server nothing it would answer "no chat" to).
    return {"offer": offer, "has_chat": bool(request.session.get("oxtom_webchat_token"))}
