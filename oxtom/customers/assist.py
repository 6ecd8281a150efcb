"""Acting for a customer: what the resident journeys ask about an assisted session.

An adviser starts a session (services.assisted_session_start) for one
customer; its id sits in the adviser's own Django session under
SESSION_KEY. While it is live, the ordinary resident pages serve *that
customer*, and every write names the customer as subject and the adviser as
actor with on_behalf_of=True. For the portal and payments code:

    from oxtom.customers.assist import acting_customer, subject_and_actor, is_assisted

    customer, actor, channel, on_behalf_of = subject_and_actor(request)
    case_create(service=..., customer=customer, channel=channel, by=actor, ...)

    if is_assisted(request):          # payments: take it as a telephone (MOTO) payment
        ...

    check_customer(request, posted_reference)   # refuses another customer's reference
    form = MyForm(initial=subject_initial(request))   # pre-filled from the record

Journeys that serve the acted-for customer say so once, in their AppConfig.ready():

    assist.register_journey("Report a problem", "/report/")

Only registered journeys are offered on the console, and inside a session a
form posted anywhere else outside the staff area is refused (nothing saved),
so an unconverted page can never file something as the adviser by mistake.

A session is live for one adviser only, until it is ended or expires
(settings.ASSIST_SESSION_MINUTES, default 60). An expired or foreign id
in the session is dropped (and the row marked expired) on the next request.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from oxtom.accounts.permissions import Permission

from .models import AssistedSession, Channel, Customer

SESSION_KEY = "oxtom_assist_session"
_CACHE_ATTR = "_oxtom_assist_session"

# Paths outside the resident journeys, where posting inside a session is the adviser's own business.
_STAFF_PREFIXES = ("/staff/", "/accounts/", "/chat/", "/django-admin/", "/notify/", "/members/")


class Journey:
    __slots__ = ("label", "link", "prefix")

    def __init__(self, label: str, link: str, prefix: str):
        self.label, self.link, self.prefix = label, link, prefix


_journeys: dict[str, Journey] = {}


def register_journey(label: str, link: str, *, prefix: str | None = None, listed: bool = True) -> None:
    """Declare that the pages under `prefix` (default: `link`) serve the acted-for customer.

    `listed` journeys are offered on the console while acting for someone;
    unlisted ones (a payment provider's page) are only allowed to take posts.
    """
    if not link.startswith("/") or (prefix is not None and not prefix.startswith("/")):
        raise ValueError("journeys are site paths starting with /")
    _journeys[link] = Journey(label if listed else "", link, prefix or link)


def journeys() -> list[tuple[str, str]]:
    """(label, link) of the listed journeys, in registration order."""
    return [(j.label, j.link) for j in _journeys.values() if j.label]


def serves_customer(path: str) -> bool:
    """Is `path` under a registered journey (a page that serves the acted-for customer)?"""
    return any(path.startswith(j.prefix) for j in _journeys.values())


def accepts_posts(path: str) -> bool:
    """May a form be posted to `path` inside a session? Staff pages, and registered journeys."""
    return path.startswith(_STAFF_PREFIXES) or any(path.startswith(j.prefix) for j in _journeys.values())


# This app's own resident pages serve the acted-for customer (views.resident_*).
register_journey("Change their contact details", "/account/details/change/", prefix="/account/details/")
register_journey("Their details, choices and what was done for them", "/account/details/")
# The payment pages take the card details an adviser keys in for a telephone (MOTO) payment.
register_journey("", "/pay/", listed=False)


class ActingForMismatch(PermissionDenied):
    """A request inside an acting-for session named a different customer. Nothing was shown or changed."""

    title = "You can’t see another customer’s details in this session"

    def __init__(self, session: AssistedSession, message: str = ""):
        self.session = session
        super().__init__(
            message or f"You are acting for {session.customer.display_name} ({session.customer.reference}). "
            "You can’t see or change another customer’s details in this session. "
            "End the session first, then find the other customer."
        )


def activate(request: HttpRequest, session: AssistedSession) -> None:
    """Put a newly started session in the adviser's Django session."""
    request.session[SESSION_KEY] = session.pk
    setattr(request, _CACHE_ATTR, session)


def deactivate(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    setattr(request, _CACHE_ATTR, None)


def active_session(request: HttpRequest) -> AssistedSession | None:
    """The live acting-for session of the signed-in adviser, or None. One query per request at most.

    Drops the id from the Django session when the row has ended, expired,
    belongs to someone else, or the user lost the right to act for customers;
    an expired row is marked expired then.
    """
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    session_id = getattr(request, "session", {}).get(SESSION_KEY)
    user = getattr(request, "user", None)
    found = None
    if session_id is not None and user is not None and user.is_authenticated:
        found = (
            AssistedSession.objects.select_related("customer", "customer__division")
            .filter(pk=session_id, adviser=user).first()
        )
        if found is not None and not user.has_permission(Permission.ASSIST_ACT_FOR):
            found = None
        elif found is not None and found.ended_at is None and not found.is_live(timezone.now()):
            from .services import assisted_session_end

            assisted_session_end(session=found, by=user, reason=AssistedSession.EndReason.EXPIRED)
            request.assist_expired = found
            found = None
        elif found is not None and found.ended_at is not None:
            found = None
    if found is None and session_id is not None:
        request.session.pop(SESSION_KEY, None)
    setattr(request, _CACHE_ATTR, found)
    return found


def acting_customer(request: HttpRequest) -> Customer | None:
    """The customer the current request is for when an adviser is acting for someone, else None."""
    session = active_session(request)
    return session.customer if session is not None else None


def is_assisted(request: HttpRequest) -> bool:
    """True inside a live acting-for session: payments taken now are telephone (MOTO) payments."""
    return active_session(request) is not None


def assisted_channel(request: HttpRequest) -> str | None:
    session = active_session(request)
    return session.channel if session is not None else None


def subject_and_actor(request: HttpRequest) -> tuple[Customer | None, Any, str, bool]:
    """(customer the request is for, user doing it, channel, on_behalf_of) for any resident journey.

    - In a session: (acted-for customer, the adviser, the session's channel, True).
    - A signed-in resident: (their own customer record or None if they have
      none yet — call services.customer_ensure_for_user to create it, the user, "web", False).
    - Anonymous: (None, None, "web", False).
    """
    session = active_session(request)
    if session is not None:
        return session.customer, request.user, session.channel, True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Customer.objects.filter(user=user).first(), user, Channel.WEB, False
    return None, None, Channel.WEB, False


PREFILL_FIELDS = ("title", "first_name", "last_name", "email", "phone", "address_line_1", "address_line_2",
                  "town", "postcode", "uprn")


def subject_initial(request: HttpRequest) -> dict[str, Any]:
    """Contact details of the customer the request is for, to pre-fill a journey's forms.

    The acted-for customer in a session, else the signed-in resident's own
    record, else {}. Only the fields listed in PREFILL_FIELDS, blanks left out.
    """
    customer, _, _, _ = subject_and_actor(request)
    if customer is None:
        return {}
    return {name: getattr(customer, name) for name in PREFILL_FIELDS if getattr(customer, name)}


def check_customer(request: HttpRequest, customer_or_reference: Customer | str | None) -> None:
    """Refuse (ActingForMismatch) when a session is live and the request names a different customer.

    Call it with any customer reference taken from a URL or a form. Outside
    a session it does nothing: ordinary scoping (selectors) applies then.
    """
    session = active_session(request)
    if session is None or customer_or_reference is None:
        return
    if isinstance(customer_or_reference, Customer):
        same = customer_or_reference.pk == session.customer_id
    else:
        reference = "".join(str(customer_or_reference).split()).replace("-", "").upper()
        same = reference == session.customer.reference
    if not same:
        raise ActingForMismatch(session)


class JourneyNotAssisted(ActingForMismatch):
    """A form posted inside a session to a page that doesn't yet act for the customer. Nothing was saved."""

    title = "This page can’t be used to act for a customer yet"

    def __init__(self, session: AssistedSession):
        super().__init__(
            session,
            f"Nothing was saved. This page would record it as done by you, not for {session.customer.display_name}. "
            "Send them a link to do it online, or end the session to do it as yourself.",
        )
