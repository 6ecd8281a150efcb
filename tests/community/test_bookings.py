"""Booking: capacity, the waiting list and its time-limited offers, cut-offs, double submits, payment, messages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Booking, Event
from community.services import bookings as b
from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from tests import factories as f

from .conftest import make_event

pytestmark = pytest.mark.django_db


def resident(n):
    user = f.UserFactory(email=f"booker{n}@example.org")
    return f.CustomerFactory(user=user, email=user.email)


def book(event, customer, key, **kw):
    return b.booking_create(event=event, booker=customer, submission_key=key(), by=customer.user, **kw)


def test_booking_for_a_cared_for_person_confirms_and_messages(event, donna, dorothy, key, notify_templates):
    booking = book(event, donna, key, attendee=dorothy)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.attendee_name == "Dorothy" and booking.access_needs == "Walking frame"
    event.refresh_from_db()
    assert event.taken == 1
    message = OutboundMessage.objects.get(idempotency_key=f"community:booking:{booking.pk}:confirmed")
    assert "Dorothy" in message.body and message.customer_id == donna.pk
    assert Interaction.objects.filter(customer=donna, kind="community.booked").exists()


def test_full_event_puts_people_on_the_waiting_list_and_offers_a_freed_place(services, key, notify_templates):
    event = make_event(services["social"], capacity=2)
    people = [resident(i) for i in range(4)]
    bookings = [book(event, p, key) for p in people]
    assert [x.status for x in bookings] == ["confirmed", "confirmed", "waiting", "waiting"]
    b.booking_cancel(booking=bookings[0], by=people[0].user)
    first_waiting, second_waiting = (Booking.objects.get(pk=x.pk) for x in bookings[2:])
    assert first_waiting.status == Booking.Status.OFFERED and second_waiting.status == Booking.Status.WAITING
    assert OutboundMessage.objects.filter(idempotency_key__startswith=f"community:booking:{first_waiting.pk}:offered").exists()
    event.refresh_from_db()
    assert event.taken == 2
    # Not taken up in time: the place passes to the next person.
    later = timezone.now() + dt.timedelta(hours=b.OFFER_HOURS + 1)
    assert b.expire_offers(now=later) == 1
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Booking.Status.CANCELLED
    assert second_waiting.status == Booking.Status.OFFERED
    accepted = b.booking_accept_offer(booking=second_waiting, by=people[3].user)
    assert accepted.status == Booking.Status.CONFIRMED
    event.refresh_from_db()
    assert event.taken == 2


def test_double_submit_is_one_booking_and_one_person_once(event, donna, key):
    k = key()
    one = b.booking_create(event=event, booker=donna, submission_key=k, by=donna.user)
    two = b.booking_create(event=event, booker=donna, submission_key=k, by=donna.user)
    assert one.pk == two.pk
    with pytest.raises(ValidationError, match="already has a booking"):
        book(event, donna, key)
    event.refresh_from_db()
    assert event.taken == 1 and Booking.objects.count() == 1


def test_someone_elses_key_or_person_is_refused(event, donna, dorothy, key):
    k = key()
    b.booking_create(event=event, booker=donna, submission_key=k, by=donna.user)
    other = resident(9)
    with pytest.raises(PermissionDenied):
        b.booking_create(event=event, booker=other, submission_key=k, by=other.user)
    with pytest.raises(PermissionDenied):
        book(event, other, key, attendee=dorothy)


def test_after_the_cutoff_and_cancelled_events_refuse(services, donna, key):
    soon = make_event(services["social"], days=0, cutoff=24)
    with pytest.raises(ValidationError, match="closed 24 hours"):
        book(soon, donna, key)
    later = make_event(services["social"], days=5)
    Event.objects.filter(pk=later.pk).update(status=Event.Status.CANCELLED)
    later.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled"):
        book(later, donna, key)
    assert Booking.objects.count() == 0


def test_resident_cannot_cancel_after_the_cutoff_but_organiser_can(services, donna, partner, key, notify_templates):
    event = make_event(services["social"], days=3, cutoff=24)
    booking = book(event, donna, key)
    with pytest.raises(ValidationError, match="up to 24 hours"):
        b.booking_cancel(booking=booking, by=donna.user, now=event.starts_at - dt.timedelta(hours=2))
    b.booking_cancel(booking=booking, by=partner, organiser=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.cancelled_by_organiser
    with pytest.raises(ValidationError, match="already cancelled"):
        b.booking_cancel(booking=booking, by=donna.user)


@pytest.mark.parametrize("text,message", [("x" * 501, "500 characters"), ("bad\x07bell", "special characters")])
def test_hostile_access_needs_save_nothing(event, donna, key, text, message):
    with pytest.raises(ValidationError, match=message):
        book(event, donna, key, access_needs=text)
    event.refresh_from_db()
    assert event.taken == 0 and not Booking.objects.exists()


def pay(booking, card="4444333322221111"):
    from oxtom.payments.models import SandboxCharge
    from oxtom.payments.providers import sandbox
    from oxtom.payments.services import payment_refresh_status

    started = b.booking_payment_start(booking=booking, by=booking.booker.user)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), card)
    payment_refresh_status(payment=started.payment, by=booking.booker.user)
    booking.refresh_from_db()
    return started.payment


def test_paid_event_confirms_after_payment_and_refunds_when_organiser_cancels(services, donna, partner, key,
                                                                              notify_templates):
    event = make_event(services["yoga"], price=300)
    booking = book(event, donna, key)
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    payment = pay(booking)
    assert booking.status == Booking.Status.CONFIRMED and payment.amount_pence == 300
    b.event_cancel(event=event, reason="The hall flooded.", by=partner)
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert payment.refunded_pence == 300
    assert OutboundMessage.objects.filter(idempotency_key=f"community:booking:{booking.pk}:event-cancelled").exists()


def test_unpaid_hold_expires_and_frees_the_place(services, donna, key):
    event = make_event(services["yoga"], price=300, capacity=1)
    booking = book(event, donna, key)
    assert b.expire_offers(now=timezone.now() + dt.timedelta(minutes=b.PAYMENT_HOLD_MINUTES + 1)) == 1
    event.refresh_from_db()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and event.taken == 0


def test_reminders_go_once_the_day_before(services, donna, key, notify_templates):
    event = make_event(services["social"], days=3)
    booking = book(event, donna, key)
    assert b.send_reminders() == 0  # three days ahead: not yet
    day_before = event.starts_at - dt.timedelta(hours=20)
    assert b.send_reminders(now=day_before) == 1
    assert b.send_reminders(now=day_before) == 0
    message = OutboundMessage.objects.get(idempotency_key=f"community:booking:{booking.pk}:reminder")
    assert event.title in message.body


def test_partner_messages_attendees_and_marks_attendance(event, donna, partner, other_partner, key, notify_templates):
    booking = book(event, donna, key)
    assert b.event_message_attendees(event=event, message="We start at 10:30 this week.", by=partner) == 1
    assert OutboundMessage.objects.filter(customer=donna, body__contains="10:30 this week").exists()
    with pytest.raises(PermissionDenied):
        b.event_message_attendees(event=event, message="Spam", by=other_partner)
    with pytest.raises(ValidationError):
        b.event_message_attendees(event=event, message="", by=partner)
    assert b.booking_mark_attendance(event=event, attended_ids={booking.pk}, by=partner) == 1


def test_ics_calendar_file(event, donna, key):
    from icalendar import Calendar

    booking = book(event, donna, key)
    cal = Calendar.from_ical(b.booking_ics(booking))
    item = cal.walk("VEVENT")[0]
    assert str(item["summary"]) == event.title
    assert item.decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert booking.reference in str(item["uid"])
