"""Booking events: places held under concurrency, the waiting list, cancellation, payment and messages.

Capacity is one counter on the event (`taken`), moved only by conditional
UPDATEs (`taken < capacity`), so however many people press "Book" at once
the database gives out exactly the places there are, on SQLite and
PostgreSQL alike, with no lock held across the request; a CHECK constraint
backs it. Whoever misses a place joins the waiting list. A freed place is
offered to the first person waiting, for OFFER_HOURS (never past the
booking cut-off); an offer not taken in time passes to the next person
(tasks.expire_offers). One submission key is one booking, and one person
holds at most one active booking per event (a partial unique index).
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.core.formats import govuk_datetime
from oxtom.core.references import random_code
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record
from oxtom.core.links import absolute_reverse
from oxtom.core.money import pounds

from .. import messages
from ..messages import community_notify

from ..models import Booking, Event, SupportPerson
from ..text import clean_text
from .moderation import may_edit

OFFER_HOURS = 24
PAYMENT_HOLD_MINUTES = 30


def _reference() -> str:
    return random_code(8, prefix="BK")


def booking_open(event: Event, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return event.status == Event.Status.SCHEDULED and now < event.starts_at - dt.timedelta(hours=event.cutoff_hours)


def _when(event: Event) -> str:
    return govuk_datetime(timezone.localtime(event.starts_at))


def _tell(booking: Booking, *, what: str, code: str, by: Any, **context: str) -> None:
    """The booker is told (community/messages.py: one template per message, on every channel)."""
    community_notify(customer=booking.booker, code=code, by=by,
                     context={"name": booking.booker.display_name, "event": booking.event.title[:200],
                              "reference": booking.reference, **context},
                     idempotency_key=f"community:booking:{booking.pk}:{what}")


def _who(booking: Booking) -> str:
    return "you" if booking.attendee_id is None or booking.attendee_key == "self" else booking.attendee_name


def _where(event: Event) -> str:
    return f"{event.location.name}, {event.location.address_1}"


def _timeline(booking: Booking, *, kind: str, summary: str, by: Any, channel: str = "web",
              on_behalf_of: bool = False) -> None:
    for customer in {booking.booker, booking.attendee_customer} - {None}:
        interaction_record(customer=customer, kind=kind, summary=summary[:500], channel=channel,
                           direction=Interaction.Direction.INBOUND, by=by, on_behalf_of=on_behalf_of,
                           subject=booking, subject_reference=booking.reference)


def _confirmed_message(booking: Booking, by: Any) -> None:
    event = booking.event
    _tell(booking, what="confirmed", code=messages.BOOKING_CONFIRMED, by=by, who=_who(booking), when=_when(event),
          where=_where(event), booking_url=absolute_reverse("community_account:booking", booking.reference))


def _take_place(event_id: int) -> bool:
    return bool(Event.objects.filter(pk=event_id, status=Event.Status.SCHEDULED, taken__lt=F("capacity"))
                .update(taken=F("taken") + 1))


def _free_place(event_id: int) -> None:
    Event.objects.filter(pk=event_id, taken__gt=0).update(taken=F("taken") - 1)


def booking_create(*, event: Event, booker: Customer, attendee: SupportPerson | None = None,
                   access_needs: str = "", submission_key: str, by: Any, channel: str = "web",
                   on_behalf_of: bool = False, now: dt.datetime | None = None) -> Booking:
    """Book a place (or a waiting-list place) for the booker or someone they care for.

    The same submission_key again returns the first booking. Refuses after the
    cut-off, for a cancelled event, and a second active booking for the same person.
    """
    now = now or timezone.now()
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    existing = Booking.objects.filter(submission_key=submission_key).select_related("event").first()
    if existing is not None:
        if existing.booker_id != booker.pk:
            raise PermissionDenied
        return existing
    if attendee is not None and attendee.customer_id != booker.pk:
        raise PermissionDenied
    access_needs = clean_text(access_needs, label="Access needs", max_length=500, multiline=True)
    if not booking_open(event, now=now):
        if event.status == Event.Status.CANCELLED:
            raise ValidationError("This event has been cancelled")
        raise ValidationError(f"Booking for this event closed {event.cutoff_hours} hours before it starts")
    name = booker.display_name if attendee is None or attendee.is_self else attendee.name
    key = "self" if attendee is None or attendee.is_self else f"person:{attendee.pk}"
    try:
        with transaction.atomic():
            held = _take_place(event.pk)
            paid = held and event.price_pence > 0
            status = (Booking.Status.AWAITING_PAYMENT if paid else Booking.Status.CONFIRMED) if held \
                else Booking.Status.WAITING
            booking = Booking.objects.create(
                reference=_reference(), event=event, booker=booker, attendee=attendee,
                attendee_customer=booker if key == "self" else None, attendee_name=name[:100], attendee_key=key,
                access_needs=access_needs or (attendee.access_needs if attendee else ""), status=status,
                offer_expires_at=now + dt.timedelta(minutes=PAYMENT_HOLD_MINUTES) if paid else None,
                submission_key=submission_key, on_behalf_of=on_behalf_of, from_waiting_list=not held,
                booked_by=by if getattr(by, "is_authenticated", False) else None, created_at=now)
            booking.event = event
            audit_record(by=by, action="create", target=booking, summary=f"Booking {booking.reference} ({status})",
                         event_id=event.pk, on_behalf_of=on_behalf_of)
            words = {Booking.Status.CONFIRMED: "Booked", Booking.Status.AWAITING_PAYMENT: "Booking started (to pay)",
                     Booking.Status.WAITING: "On the waiting list for"}[status]
            _timeline(booking, kind="community.booked", summary=f"{words} {event.title} ({_when(event)}) for {name}",
                      by=by, channel=channel, on_behalf_of=on_behalf_of)
            if status == Booking.Status.CONFIRMED:
                _confirmed_message(booking, by)
            elif status == Booking.Status.WAITING:
                _tell(booking, what="waiting", code=messages.BOOKING_WAITING, by=by, who=name, when=_when(event))
    except IntegrityError:
        again = Booking.objects.filter(submission_key=submission_key).first()
        if again is not None:
            return again  # the twin of a double-submitted form won the race
        raise ValidationError(f"{name} already has a booking for this event") from None
    return booking


def _offer_next(event_id: int, *, by: Any, now: dt.datetime) -> Booking | None:
    """Give a freed place to the first person waiting (one at a time, first come first served)."""
    event = Event.objects.select_related("location").get(pk=event_id)
    if not booking_open(event, now=now):
        return None
    expires = min(now + dt.timedelta(hours=OFFER_HOURS), event.starts_at - dt.timedelta(hours=event.cutoff_hours))
    for candidate in Booking.objects.filter(event_id=event_id, status=Booking.Status.WAITING).order_by("created_at", "id")[:5]:
        if not _take_place(event_id):
            return None
        if Booking.objects.filter(pk=candidate.pk, status=Booking.Status.WAITING).update(
                status=Booking.Status.OFFERED, offer_expires_at=expires):
            candidate.refresh_from_db()
            candidate.event = event
            _tell(candidate, what=f"offered:{int(now.timestamp())}", code=messages.BOOKING_OFFERED, by=by,
                  who=candidate.attendee_name, when=_when(event),
                  accept_by=govuk_datetime(timezone.localtime(expires)),
                  booking_url=absolute_reverse("community_account:booking", candidate.reference))
            audit_record(by=by, action="update", target=candidate, summary=f"Place offered on {candidate.reference}")
            return candidate
        _free_place(event_id)  # someone else moved that booking first
    return None


@transaction.atomic
def booking_accept_offer(*, booking: Booking, by: Any, now: dt.datetime | None = None) -> Booking:
    now = now or timezone.now()
    booking = Booking.objects.select_related("event__location", "booker").get(pk=booking.pk)
    if booking.status != Booking.Status.OFFERED or (booking.offer_expires_at and booking.offer_expires_at <= now):
        raise ValidationError("This offer has ended")
    paid = booking.event.price_pence > 0
    new = Booking.Status.AWAITING_PAYMENT if paid else Booking.Status.CONFIRMED
    Booking.objects.filter(pk=booking.pk, status=Booking.Status.OFFERED).update(
        status=new, offer_expires_at=now + dt.timedelta(minutes=PAYMENT_HOLD_MINUTES) if paid else None)
    booking.refresh_from_db()
    audit_record(by=by, action="update", target=booking, summary=f"Offer accepted on {booking.reference}")
    if new == Booking.Status.CONFIRMED:
        _confirmed_message(booking, by)
    return booking


def _release(booking: Booking, *, by: Any, now: dt.datetime, organiser: bool, status_from) -> bool:
    moved = Booking.objects.filter(pk=booking.pk, status__in=status_from).update(
        status=Booking.Status.CANCELLED, cancelled_at=now, cancelled_by_organiser=organiser, offer_expires_at=None)
    if moved and booking.status in Booking.HOLDS_PLACE:
        _free_place(booking.event_id)
    return bool(moved)


def booking_cancel(*, booking: Booking, by: Any, organiser: bool = False, channel: str = "web",
                   on_behalf_of: bool = False, now: dt.datetime | None = None) -> Booking:
    """Cancel a booking (the resident up to the cut-off; the organiser any time, refunding what was paid)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_related("event__location", "booker", "attendee_customer").get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            raise ValidationError("This booking is already cancelled")
        if not organiser and not booking_open(booking.event, now=now):
            raise ValidationError(f"You can cancel up to {booking.event.cutoff_hours} hours before the event starts. "
                                  "Contact the organiser instead")
        held = booking.status in Booking.HOLDS_PLACE
        if not _release(booking, by=by, now=now, organiser=organiser, status_from=Booking.ACTIVE):
            raise ValidationError("This booking is already cancelled")
        audit_record(by=by, action="update", target=booking, summary=f"Cancelled {booking.reference}",
                     organiser=organiser)
        _timeline(booking, kind="community.cancelled", summary=f"Booking cancelled: {booking.event.title}",
                  by=by, channel=channel, on_behalf_of=on_behalf_of)
        if organiser:
            _tell(booking, what="cancelled", code=messages.BOOKING_CANCELLED, by=by, who=booking.attendee_name,
                  when=_when(booking.event))
        if held:
            _offer_next(booking.event_id, by=by, now=now)
    booking.refresh_from_db()
    if organiser:
        _refund(booking, by=by)
    return booking


def _refund(booking: Booking, *, by: Any) -> None:
    from oxtom.payments.models import Payment, Status
    from oxtom.payments.services import PaymentError, payment_refund

    for payment in Payment.objects.for_object(booking).filter(status=Status.SUCCESS):
        if payment.refund_available_pence:
            amount = payment.refund_available_pence
            try:
                payment_refund(payment=payment, amount_pence=amount, by=by,
                               reason="Event booking cancelled by the organiser",
                               idempotency_key=f"community:refund:{booking.pk}")
            except PaymentError:
                audit_record(by=by, action="update", target=booking, summary="Refund could not be made yet")
            else:
                _tell(booking, what=f"refunded:{payment.pk}", code=messages.BOOKING_REFUNDED, by=by,
                      amount=pounds(amount))


def event_cancel(*, event: Event, reason: str, by: Any) -> int:
    """The organiser cancels an occurrence: every booking is cancelled and told why, then refunded.

    The cancellation commits first; refunds (calls to the provider) follow, each idempotent by booking,
    so a provider outage leaves the event cancelled and the refund to retry, never a half-cancelled event.
    """
    if not may_edit(by, event.service.organisation):
        raise PermissionDenied
    reason = clean_text(reason, label="Reason", max_length=300, required=True,
                        required_message="Enter a reason, so the people booked know why")
    now = timezone.now()
    told = []
    with transaction.atomic():
        if not Event.objects.filter(pk=event.pk, status=Event.Status.SCHEDULED).update(status=Event.Status.CANCELLED):
            raise ValidationError("This event is already cancelled")
        for booking in Booking.objects.filter(event=event, status__in=Booking.ACTIVE).select_related("booker", "event"):
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED, cancelled_at=now,
                                                         cancelled_by_organiser=True)
            _tell(booking, what="event-cancelled", code=messages.EVENT_CANCELLED, by=by, when=_when(event),
                  reason=reason)
            told.append(booking)
        Event.objects.filter(pk=event.pk).update(taken=0)
        audit_record(by=by, action="update", target=event, summary=f"Cancelled event ({len(told)} bookings)")
    for booking in told:
        _refund(booking, by=by)
    return len(told)


@transaction.atomic
def event_message_attendees(*, event: Event, message: str, by: Any) -> int:
    """Tell everyone booked (and waiting) about a change, through the outbox; returns how many were told."""
    if not may_edit(by, event.service.organisation):
        raise PermissionDenied
    message = clean_text(message, label="Message", max_length=600, required=True, multiline=True,
                         required_message="Enter the message to send")
    stamp = secrets.token_hex(4)
    count = 0
    for booking in Booking.objects.filter(event=event, status__in=Booking.ACTIVE).select_related("booker"):
        _tell(booking, what=f"change:{stamp}", code=messages.EVENT_CHANGED, by=by, when=_when(event),
              message=message)
        count += 1
    audit_record(by=by, action="update", target=event, summary=f"Messaged {count} attendees")
    return count


@transaction.atomic
def booking_mark_attendance(*, event: Event, attended_ids: set[int], by: Any) -> int:
    if not may_edit(by, event.service.organisation):
        raise PermissionDenied
    qs = Booking.objects.filter(event=event, status=Booking.Status.CONFIRMED)
    qs.filter(pk__in=attended_ids).update(attended=True)
    qs.exclude(pk__in=attended_ids).update(attended=False)
    audit_record(by=by, action="update", target=event, summary="Attendance marked")
    attended = list(qs.filter(attended=True, feedback__isnull=True).select_related("booker", "event"))
    for booking in attended:
        # Asked once per booking (the key names it), however often attendance is marked again.
        _tell(booking, what="feedback-ask", code=messages.EVENT_FEEDBACK, by=by, who=_who(booking),
              feedback_url=absolute_reverse("community_account:booking", booking.reference) + "#feedback")
    return qs.filter(attended=True).count()


def booking_payment_start(*, booking: Booking, by: Any, moto: bool = False):
    """Start (or resume) paying for a held place; returns payments' PaymentStarted."""
    from oxtom.payments.services import payment_create

    if booking.status != Booking.Status.AWAITING_PAYMENT:
        raise ValidationError("This booking has nothing to pay")
    return payment_create(customer=booking.booker, amount_pence=booking.event.price_pence,
                          description=f"Event booking {booking.reference}", for_object=booking,
                          return_url=reverse("community_account:booking", args=[booking.reference]), by=by,
                          moto=moto, idempotency_key=f"community-booking:{booking.pk}")


def booking_payment_succeeded(payment, by) -> None:
    """Payments' success handler: the held place becomes a booking (exactly once, from return page or sweeper)."""
    booking = Booking.objects.select_related("event__location", "booker").filter(pk=payment.for_id).first()
    if booking is None:
        return
    if Booking.objects.filter(pk=booking.pk, status=Booking.Status.AWAITING_PAYMENT).update(
            status=Booking.Status.CONFIRMED, offer_expires_at=None):
        booking.refresh_from_db()
        audit_record(by=by, action="update", target=booking, summary=f"Paid for {booking.reference}")
        _confirmed_message(booking, by)
    elif booking.status == Booking.Status.CANCELLED:
        # The hold ran out before the money came in: give it back.
        transaction.on_commit(lambda: _refund(booking, by=None))


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Offers and payment holds past their time pass the place to the next person waiting."""
    now = now or timezone.now()
    done = 0
    for booking in Booking.objects.filter(status__in=[Booking.Status.OFFERED, Booking.Status.AWAITING_PAYMENT],
                                          offer_expires_at__lte=now).select_related("event")[:500]:
        with transaction.atomic():
            if _release(booking, by=None, now=now, organiser=False,
                        status_from=[Booking.Status.OFFERED, Booking.Status.AWAITING_PAYMENT]):
                audit_record(by=None, action="update", target=booking, summary=f"Offer or hold ended on {booking.reference}")
                _offer_next(booking.event_id, by=None, now=now)
                done += 1
    return done


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """The day-before reminder for every confirmed booking of an event in the next 24 hours, once each."""
    now = now or timezone.now()
    sent = 0
    due = Booking.objects.filter(status=Booking.Status.CONFIRMED, reminded_at__isnull=True,
                                 event__status=Event.Status.SCHEDULED, event__starts_at__gt=now,
                                 event__starts_at__lte=now + dt.timedelta(hours=24)) \
        .select_related("event__location", "booker")[:1000]
    for booking in due:
        with transaction.atomic():
            if Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                event = booking.event
                _tell(booking, what="reminder", code=messages.BOOKING_REMINDER, by=None, who=booking.attendee_name,
                      when=_when(event), where=f"{_where(event)}, {event.location.postcode}")
                sent += 1
    return sent


def booking_ics(booking: Booking) -> bytes:
    """The booking as an iCalendar file (RFC 5545, Europe/London times), for the resident's calendar."""
    from ..calendars import ics_for

    event = booking.event
    return ics_for([dict(uid=f"{booking.reference}@community.oxtom", summary=event.title, starts=event.starts_at,
                         ends=event.ends_at, stamp=booking.created_at,
                         location=f"{event.location.name}, {event.location.address_1}, {event.location.city} "
                                  f"{event.location.postcode}",
                         description=f"Booking {booking.reference} for {booking.attendee_name}")])
