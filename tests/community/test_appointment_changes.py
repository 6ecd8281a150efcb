"""Moving and cancelling appointments (resident and staff), reminders once only, and .ics calendar files."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Appointment, AppointmentService
from community.services.appointments import (appointment_book, appointment_cancel, appointment_ics,
                                             appointment_move, appointment_reminders_send, slots)
from community.tasks import send_reminders
from oxtom.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


@pytest.fixture
def assessment(db, team, places):
    team.email = "blue.badges@example.org"
    team.save(update_fields=["email"])
    return AppointmentService.objects.create(code="mobility", name="Mobility assessment", description="Assessment",
                                             team=team, location=places["near"], opens_at=dt.time(9, 30),
                                             closes_at=dt.time(15, 30), slot_minutes=45, days_ahead=28,
                                             cutoff_hours=24)


@pytest.fixture
def booked(assessment, donna, key, notify_templates):
    return appointment_book(service=assessment, customer=donna, starts_at=slots(assessment)[0],
                            submission_key=key(), by=donna.user)


def _messages(appointment, what):
    return OutboundMessage.objects.filter(idempotency_key__startswith=f"community:appointment:{appointment.pk}:{what}")


def test_booking_tells_the_resident_and_the_team(booked):
    assert _messages(booked, "booked").filter(customer=booked.customer).count() == 1
    assert _messages(booked, "booked").filter(recipient="blue.badges@example.org", template_code="staff-alert").exists()


def test_resident_moves_by_the_page_the_old_time_is_free_and_both_are_told(client_for, booked, donna, key,
                                                                           django_assert_max_num_queries):
    client = client_for(donna.user)
    url = reverse("community_account:appointment_move", args=[booked.reference])
    with django_assert_max_num_queries(20):
        page = client.get(url)
    body = page.content.decode()
    old = booked.starts_at.isoformat()
    assert page.status_code == 200 and f'value="{old}"' not in body
    target = re.findall(r'name="slot" type="radio" value="([^"]+)"', body)[2]
    k = key()
    first = client.post(url, {"slot": target, "submission_key": k})
    assert first.status_code == 302
    assert client.post(url, {"slot": target, "submission_key": k}).status_code == 302  # twice: one move
    booked.refresh_from_db()
    new = Appointment.objects.get(status=Appointment.Status.BOOKED)
    assert booked.status == Appointment.Status.CANCELLED and booked.moved_to == new
    assert new.starts_at.isoformat() == target and Appointment.objects.count() == 2
    assert booked.starts_at in slots(booked.service)  # the freed time can be booked again
    moved = _messages(new, "moved")
    assert moved.filter(customer=donna, body__contains="has moved from").count() == 1
    assert moved.filter(recipient="blue.badges@example.org").count() == 1
    assert not _messages(booked, "cancelled").exists()  # one "moved" message, not a cancel and a booking


@pytest.mark.parametrize("data, message", [({}, "Choose a new time"), ({"slot": "garbage"}, "Choose one of the times"),
                                           ({"slot": "<script>alert(1)</script>"}, "Choose one of the times"),
                                           ({"slot": "x" * 5000}, "Choose one of the times")])
def test_move_bad_input_keeps_the_appointment(client_for, booked, donna, key, data, message):
    response = client_for(donna.user).post(reverse("community_account:appointment_move", args=[booked.reference]),
                                           {"submission_key": key(), **data})
    assert response.status_code == 200 and message in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED and Appointment.objects.count() == 1


def test_move_to_a_time_just_taken_keeps_the_appointment(booked, resident_b, key):
    other = slots(booked.service)[1]
    appointment_book(service=booked.service, customer=resident_b.customer, starts_at=other, submission_key=key(),
                     by=resident_b)
    with pytest.raises(ValidationError, match="just been taken"):
        appointment_move(appointment=booked, starts_at=other, submission_key=key(), by=booked.customer.user)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_resident_cannot_move_inside_the_cutoff_but_staff_can(booked, key, officer_in_team):
    later = slots(booked.service)[3]
    with pytest.raises(ValidationError, match="up to 24 hours"):
        appointment_move(appointment=booked, starts_at=later, submission_key=key(), by=booked.customer.user,
                         now=booked.starts_at - dt.timedelta(hours=3))
    new = appointment_move(appointment=booked, starts_at=later, submission_key=key(), by=officer_in_team, staff=True)
    assert new.status == Appointment.Status.BOOKED
    assert _messages(new, "moved").filter(customer=booked.customer, body__contains="We have moved").exists()


def test_resident_cancels_and_both_are_told(client_for, booked, donna):
    client_for(donna.user).post(reverse("community_account:appointment_cancel", args=[booked.reference]))
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED and not booked.cancelled_by_staff
    assert _messages(booked, "cancelled").filter(customer=donna).count() == 1
    assert _messages(booked, "cancelled").filter(recipient="blue.badges@example.org",
                                                 body__contains="by the resident").exists()
    assert booked.starts_at in slots(booked.service)


def test_staff_cancel_with_a_reason(client_for, booked, officer_in_team, officer_outside_team, key,
                                    django_assert_max_num_queries):
    url = reverse("community_staff:appointment_cancel", args=[booked.pk])
    assert client_for(officer_outside_team).get(url).status_code == 404
    client = client_for(officer_in_team)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    empty = client.post(url, {"reason": "", "submission_key": key()})
    assert "Enter why it is cancelled" in empty.content.decode()
    hostile = client.post(url, {"reason": "x" * 301, "submission_key": key()})
    assert "300 characters" in hostile.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
    k = key()
    assert client.post(url, {"reason": "The assessor is ill <b>sorry</b>", "submission_key": k}).status_code == 302
    assert client.post(url, {"reason": "again", "submission_key": k}).status_code == 302  # no error page twice
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED and booked.cancelled_by_staff
    told = _messages(booked, "cancelled").get(customer=booked.customer)
    assert "The assessor is ill" in told.body and "book another time" in told.body
    assert booked.starts_at in slots(booked.service)


def test_staff_move_page(client_for, booked, officer_in_team, resident_b, key):
    url = reverse("community_staff:appointment_move", args=[booked.pk])
    assert client_for(resident_b).get(url).status_code in (302, 403, 404)
    client = client_for(officer_in_team)
    body = client.get(url).content.decode()
    target = re.findall(r'name="slot" type="radio" value="([^"]+)"', body)[0]
    assert client.post(url, {"slot": target, "submission_key": key()}).status_code == 302
    assert Appointment.objects.get(status=Appointment.Status.BOOKED).starts_at.isoformat() == target
    day = client.get(reverse("community_staff:appointments") + f"?day={dt.date.fromisoformat(target[:10])}")
    assert "Move" in day.content.decode()


def test_others_appointments_are_404(client_for, booked, resident_b):
    client = client_for(resident_b)
    for name in ("appointment", "appointment_move", "appointment_calendar"):
        assert client.get(reverse(f"community_account:{name}", args=[booked.reference])).status_code == 404


# --- reminders ---------------------------------------------------------------------------------------------

def test_the_reminder_goes_once_the_day_before(booked):
    before = booked.starts_at - dt.timedelta(hours=30)
    assert appointment_reminders_send(now=before) == 0  # not yet: more than 24 hours ahead
    now = booked.starts_at - dt.timedelta(hours=20)
    assert appointment_reminders_send(now=now) == 1
    assert appointment_reminders_send(now=now) == 0  # a re-run sends nothing more
    assert appointment_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    message = _messages(booked, "reminder").get()
    assert "A reminder of your Mobility assessment" in message.body and booked.reference in message.body


def test_reminder_hours_are_configurable_and_zero_sends_none(booked):
    AppointmentService.objects.filter(pk=booked.service_id).update(reminder_hours=48)
    assert appointment_reminders_send(now=booked.starts_at - dt.timedelta(hours=40)) == 1
    other = Appointment.objects.filter(pk=booked.pk)
    other.update(reminded_at=None)
    AppointmentService.objects.filter(pk=booked.service_id).update(reminder_hours=0)
    assert appointment_reminders_send(now=booked.starts_at - dt.timedelta(hours=2)) == 0


def test_cancelled_appointments_get_no_reminder_and_a_moved_one_gets_its_own(booked, key):
    new = appointment_move(appointment=booked, starts_at=slots(booked.service)[1], submission_key=key(),
                           by=booked.customer.user)
    assert appointment_reminders_send(now=new.starts_at - dt.timedelta(hours=1)) == 1
    assert _messages(new, "reminder").exists() and not _messages(booked, "reminder").exists()


def test_the_beat_task_runs_event_and_appointment_reminders(booked, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: booked.starts_at - dt.timedelta(hours=2))
    assert send_reminders.run() == 1
    assert send_reminders.run() == 0


# --- calendars ---------------------------------------------------------------------------------------------

def test_ics_is_in_london_time_and_escapes_text(booked, client_for):
    from icalendar import Calendar

    Appointment.objects.filter(pk=booked.pk).update(starts_at=dt.datetime(2027, 7, 1, 10, 0, tzinfo=TZ))
    loc = booked.service.location
    loc.name = "Hall; Room 2, \\ upstairs"
    loc.save(update_fields=["name"])
    booked.refresh_from_db()
    raw = appointment_ics(booked)
    text = raw.decode()
    assert "DTSTART;TZID=Europe/London:20270701T100000" in text  # BST: 10:00 local, not 09:00Z
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    assert "Hall\\; Room 2\\, \\\\ upstairs" in text
    parsed = Calendar.from_ical(raw)
    event = parsed.walk("VEVENT")[0]
    assert str(event["location"]).startswith("Hall; Room 2, \\ upstairs")
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)
    response = client_for(booked.customer.user).get(reverse("community_account:appointment_calendar",
                                                            args=[booked.reference]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in response.content


def test_event_booking_ics_is_in_london_time(event, donna, key, notify_templates):
    from community.services.bookings import booking_create, booking_ics

    booking = booking_create(event=event, booker=donna, submission_key=key(), by=donna.user)
    text = booking_ics(booking).decode()
    assert "DTSTART;TZID=Europe/London:" in text and "BEGIN:VTIMEZONE" in text
