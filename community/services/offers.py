"""Appointment times offered from a case: an officer offers, the customer chooses one (signed link or account).

An officer working a case (a referred blue badge application needing a mobility assessment) picks a few free
slots of an appointment service; the customer is sent a signed link. Choosing takes the offer's row lock
(select_for_update), so one offer makes one appointment however many times, or tabs, it is sent from; the
slot itself is held by the partial unique index appointment_slot_once, so two customers offered the same time
get one booking and one "just taken" answer. Offered times are not held: until chosen, anyone may book them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.cases.services import can_work_case, case_add_note
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_reverse
from oxtom.customers.models import Interaction
from oxtom.customers.services import interaction_record

from .. import messages
from ..messages import community_notify
from ..models import Appointment, AppointmentOffer, AppointmentService
from ..text import clean_text
from .appointments import _account_url, _tell, _tell_staff, _where, appointment_book, slots, when_words

MAX_OFFERED = 12
OFFER_DAYS = 14
_SALT = "community.appointment-offer"


def offer_token(offer: AppointmentOffer) -> str:
    return signing.dumps({"id": offer.pk}, salt=_SALT, compress=True)


def offer_from_token(token: str) -> AppointmentOffer:
    """The offer a signed link names; ValidationError for a forged, altered or expired link."""
    try:
        pk = int(signing.loads(str(token)[:300], salt=_SALT, max_age=dt.timedelta(days=OFFER_DAYS + 1))["id"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError("This link is not valid or has expired") from None
    offer = AppointmentOffer.objects.select_related("service__location", "case", "appointment").filter(pk=pk).first()
    if offer is None:
        raise ValidationError("This link is not valid or has expired")
    return offer


def offered_starts(offer: AppointmentOffer) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(s) for s in offer.slots]


def offer_free_starts(offer: AppointmentOffer, *, now: dt.datetime | None = None) -> list[dt.datetime]:
    """The offered times nobody has booked since (one query)."""
    free = set(slots(offer.service, now=now))
    return [s for s in offered_starts(offer) if s in free]


def offer_services(case: Any) -> list[AppointmentService]:
    """Appointment services an officer may offer from this case: its team's first, then the rest."""
    services = list(AppointmentService.objects.filter(is_active=True).select_related("location"))
    return sorted(services, key=lambda s: (s.team_id != case.team_id, s.name))


@transaction.atomic
def appointment_offer_create(*, case: Any, service: AppointmentService, starts: list[dt.datetime], message: str,
                             submission_key: str, by: Any, now: dt.datetime | None = None) -> AppointmentOffer:
    """Offer the case's customer up to 12 of the service's free times; replaces any open offer on the case."""
    now = now or timezone.now()
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    existing = AppointmentOffer.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.case_id != case.pk:
            raise PermissionDenied
        return existing
    if not can_work_case(by, case):
        raise PermissionDenied("Only an officer working this case can offer times")
    if case.customer_id is None:
        raise ValidationError("This case has no customer to offer times to")
    if not case.is_open:
        raise ValidationError("This case is closed: reopen it first")
    if not service.is_active:
        raise ValidationError("This appointment service is not taking bookings", code="service")
    message = clean_text(message, label="Message", max_length=500, multiline=True)
    chosen = sorted(set(starts))
    if not chosen:
        raise ValidationError("Choose at least one time to offer", code="slots")
    if len(chosen) > MAX_OFFERED:
        raise ValidationError(f"Offer {MAX_OFFERED} times or fewer", code="slots")
    free = set(slots(service, now=now))
    if any(s not in free for s in chosen):
        raise ValidationError("One of those times has just been taken: choose again", code="slots")
    cutoff = dt.timedelta(hours=service.cutoff_hours)
    expires = min(now + dt.timedelta(days=OFFER_DAYS), chosen[-1] - cutoff)
    AppointmentOffer.objects.filter(case=case, status=AppointmentOffer.Status.OPEN).update(
        status=AppointmentOffer.Status.WITHDRAWN)
    offer = AppointmentOffer.objects.create(
        service=service, customer_id=case.customer_id, case=case, slots=[s.isoformat() for s in chosen],
        message=message, expires_at=expires, submission_key=submission_key, offered_by=by, created_at=now)
    audit_record(by=by, action="create", target=offer, summary=f"{len(chosen)} times offered for {service.name}",
                 case=case.reference)
    case_add_note(case=case, text=f"Offered {len(chosen)} appointment time{'s' if len(chosen) != 1 else ''} for "
                                  f"{service.name}, from {when_words(chosen[0])}.", expected_version=case.version, by=by)
    customer = case.customer
    interaction_record(customer=customer, kind="community.appointment_offered",
                       summary=f"Offered times for {service.name} (case {case.reference})",
                       channel="system", direction=Interaction.Direction.OUTBOUND, by=by, subject=offer,
                       subject_reference=case.reference)
    link = absolute_reverse("community:offer", offer_token(offer))
    community_notify(customer=customer, code=messages.APPOINTMENT_OFFER, by=by,
                     context={"name": customer.display_name, "service": service.name[:200],
                              "case_reference": case.reference, "reference": case.reference,
                              "count": f"{len(chosen)} time{'s' if len(chosen) != 1 else ''}",
                              "first": when_words(chosen[0]), "choose_by": when_words(expires), "offer_url": link,
                              # The officer's own words, if any, come first as their own paragraph.
                              "note": f"{message}\n\n" if message else ""},
                     idempotency_key=f"community:offer:{offer.pk}:made")
    return offer


def appointment_offer_take(*, offer: AppointmentOffer, starts_at: dt.datetime, submission_key: str, by: Any,
                           channel: str = "web", on_behalf_of: bool = False,
                           now: dt.datetime | None = None) -> Appointment:
    """The customer chooses one offered time: one appointment per offer, linked to the case."""
    now = now or timezone.now()
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    with transaction.atomic():
        offer = AppointmentOffer.objects.select_for_update(of=("self",)).select_related(
            "service__location", "service__team", "case", "customer", "offered_by").get(pk=offer.pk)
        if offer.status == AppointmentOffer.Status.TAKEN:
            taken = Appointment.objects.filter(pk=offer.appointment_id).first()
            if taken is not None and taken.submission_key == submission_key:
                return taken  # the same choice sent twice
            raise ValidationError("A time has already been chosen from these", code="taken")
        if offer.status == AppointmentOffer.Status.WITHDRAWN:
            raise ValidationError("These times have been replaced or withdrawn: look for a newer message from us",
                                  code="withdrawn")
        if offer.expires_at <= now:
            raise ValidationError("These times have expired: contact us for new ones", code="expired")
        if starts_at not in offered_starts(offer):
            raise ValidationError("Choose one of the times shown")
        service = offer.service
        appointment = appointment_book(service=service, customer=offer.customer, starts_at=starts_at,
                                       submission_key=submission_key, by=by, channel=channel,
                                       on_behalf_of=on_behalf_of, case_reference=offer.case.reference, now=now,
                                       tell=False)
        AppointmentOffer.objects.filter(pk=offer.pk).update(status=AppointmentOffer.Status.TAKEN,
                                                            appointment=appointment)
        audit_record(by=by, action="update", target=offer, summary=f"Chose {appointment.reference}",
                     on_behalf_of=on_behalf_of)
        when = when_words(appointment.starts_at)
        _tell(appointment, "booked", messages.APPOINTMENT_BOOKED, by=by, when=when, where=_where(appointment),
              account_url=_account_url(appointment))
        _tell_staff(appointment, "booked", f"Time chosen: {offer.case.reference}",
                    f"The customer on case {offer.case.reference} chose {when} for {service.name} "
                    f"({appointment.reference}).", also=getattr(offer.offered_by, "email", "") or "")
    return appointment
