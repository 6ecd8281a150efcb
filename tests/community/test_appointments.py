"""Book it: slots from configured hours (bank holidays closed), booking races, moving, cancelling, attendance."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Appointment, AppointmentService
from community.services.appointments import (appointment_book, appointment_cancel, appointment_mark,
                                             appointment_move, slots)
from oxtom.customers.models import Interaction

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


@pytest.fixture
def assessment(db, team):
    return AppointmentService.objects.create(code="mobility", name="Mobility assessment", description="Assessment",
                                             team=team, opens_at=dt.time(9, 30), closes_at=dt.time(11, 0),
                                             slot_minutes=45, days_ahead=28, cutoff_hours=24)


def at(day: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=TZ)


def test_slots_skip_weekends_and_bank_holidays(assessment):
    # Monday 21 December 2026; Christmas Day (Fri) and Boxing Day substitute (Mon 28th) are closed.
    now = at(dt.date(2026, 12, 21), 8)
    free = slots(assessment, now=now, limit_days=10)
    days = sorted({s.date() for s in free})
    assert dt.date(2026, 12, 25) not in days and dt.date(2026, 12, 28) not in days
    assert all(d.weekday() < 5 for d in days)
    assert dt.date(2026, 12, 21) not in days  # inside the 24-hour cut-off
    assert [s.time() for s in free if s.date() == dt.date(2026, 12, 22)] == [dt.time(9, 30), dt.time(10, 15)]


def test_book_once_and_the_slot_is_gone(assessment, donna, resident_b, key, notify_templates):
    first = slots(assessment)[0]
    k = key()
    one = appointment_book(service=assessment, customer=donna, starts_at=first, submission_key=k, by=donna.user)
    assert appointment_book(service=assessment, customer=donna, starts_at=first, submission_key=k, by=donna.user) == one
    assert first not in slots(assessment)
    other = resident_b.customer
    with pytest.raises(ValidationError, match="just been taken"):
        appointment_book(service=assessment, customer=other, starts_at=first, submission_key=key(), by=resident_b)
    assert Appointment.objects.count() == 1
    assert Interaction.objects.filter(customer=donna, kind="community.appointment").exists()


@pytest.mark.parametrize("bad", ["not a slot", "weekend", "past", "too far"])
def test_impossible_times_are_refused(assessment, donna, key, bad):
    now = timezone.now()
    first = slots(assessment)[0]
    starts = {"not a slot": first + dt.timedelta(minutes=10),
              "weekend": at(timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7 + 7), 9, 30),
              "past": at(timezone.localdate() - dt.timedelta(days=3), 9, 30),
              "too far": first + dt.timedelta(days=400)}[bad]
    with pytest.raises(ValidationError, match="Choose one of the times"):
        appointment_book(service=assessment, customer=donna, starts_at=starts, submission_key=key(), by=donna.user,
                         now=now)
    assert not Appointment.objects.exists()


def test_move_keeps_the_old_one_if_the_new_time_fails_and_cancel_respects_the_cutoff(assessment, donna, key):
    free = slots(assessment)
    one = appointment_book(service=assessment, customer=donna, starts_at=free[0], submission_key=key(), by=donna.user)
    moved = appointment_move(appointment=one, starts_at=free[1], submission_key=key(), by=donna.user)
    one.refresh_from_db()
    assert one.status == Appointment.Status.CANCELLED and moved.starts_at == free[1]
    with pytest.raises(ValidationError):
        appointment_move(appointment=moved, starts_at=free[1] + dt.timedelta(minutes=5), submission_key=key(),
                         by=donna.user)
    moved.refresh_from_db()
    assert moved.status == Appointment.Status.BOOKED
    with pytest.raises(ValidationError, match="up to 24 hours"):
        appointment_cancel(appointment=moved, by=donna.user, now=moved.starts_at - dt.timedelta(hours=2))
    appointment_mark(appointment=moved, attended=False, by=None)
    moved.refresh_from_db()
    assert moved.status == Appointment.Status.NO_SHOW


def test_adviser_books_a_callback_for_a_resident_acting_for_them(client_for, adviser, assessment, donna,
                                                                 notify_templates):
    client = client_for(adviser)
    client.post(reverse("assist:session_start", args=[donna.reference]), {"channel": "phone", "customer_present": "yes"})
    page = client.get(reverse("community:appointment_new", args=[assessment.code])).content.decode()
    slot = re.search(r'name="slot" type="radio" value="([^"]+)"', page).group(1)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    response = client.post(reverse("community:appointment_new", args=[assessment.code]),
                           {"slot": slot, "submission_key": key, "notes": "Call on the mobile"})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.customer == donna and appointment.on_behalf_of and appointment.booked_by == adviser
    entry = Interaction.objects.get(customer=donna, kind="community.appointment")
    assert entry.on_behalf_of and entry.actor == adviser


@pytest.mark.parametrize("data,message", [({}, "Choose a time"), ({"slot": "garbage"}, "Choose one of the times"),
                                          ({"slot": "2026-12-25T09:30:00+00:00"}, "Choose one of the times"),
                                          # A time with no zone could be read two ways in October: refused.
                                          ({"slot": "2026-12-25T09:30:00"}, "Choose one of the times"),
                                          ({"slot": "<script>alert(1)</script>"}, "Choose one of the times")])
def test_appointment_form_bad_input(client_for, assessment, donna, data, message):
    response = client_for(donna.user).post(reverse("community:appointment_new", args=[assessment.code]),
                                           {"submission_key": "a-fresh-key-0123456789", **data})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appointment.objects.exists()


def test_staff_day_list_and_marking(client_for, officer_in_team, assessment, donna, key):
    first = slots(assessment)[0]
    appointment = appointment_book(service=assessment, customer=donna, starts_at=first, submission_key=key(),
                                   by=donna.user)
    client = client_for(officer_in_team)
    page = client.get(reverse("community_staff:appointments") + f"?day={timezone.localtime(first).date()}")
    assert donna.reference in page.content.decode()
    from oxtom.core.models import AuditEvent

    # The day's list names customers: the officer's view of Donna is recorded.
    assert AuditEvent.objects.filter(actor=officer_in_team, action="view", target_type="customers.customer",
                                     target_id=str(donna.pk)).count() == 1
    client.post(reverse("community_staff:appointment_mark", args=[appointment.pk]), {"outcome": "attended"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED

