"""Part-day absences (issue 16): an absence runs from a date-time to a date-time. Slots overlapping it are not
offered for that resource; bookings inside it stay booked and are listed to move. Whole-day absences keep
working, across the October clock change too, and the migration turns the old whole-day rows into times."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from community.models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from community.services.appointments import appointment_book, slots
from community.services.resources import (absence_clashes, appointments_to_move, needs_new_resource,
                                          resource_calendar)
from tests.community.test_appointment_resources import MONDAY, NOW, TZ, at, day_times, resource
from tests.community.test_appointment_resources import assessment, assessors  # noqa: F401  (fixtures)
from tests import factories as f

pytestmark = pytest.mark.django_db
WEDNESDAY = MONDAY + dt.timedelta(days=2)


def away(r, starts, ends, reason="appointment"):
    return ResourceAbsence.objects.create(resource=r, starts_at=starts, ends_at=ends, reason=reason)


def test_a_dentist_morning_takes_only_those_slots(assessment, assessors):
    away(assessors["ben"], at(MONDAY, 10), at(MONDAY, 12))
    free = slots(assessment, now=NOW, limit_days=12)
    assert day_times(free, MONDAY) == ["09:00", "09:30", "10:00"]  # Ann's; Ben is at the dentist
    assert day_times(free, MONDAY + dt.timedelta(days=7)) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def test_a_slot_touching_the_absence_at_either_end_is_offered_one_overlapping_it_is_not(assessment, assessors):
    away(assessors["ann"], at(WEDNESDAY, 10, 15), at(WEDNESDAY, 10, 45))
    assert day_times(slots(assessment, now=NOW, limit_days=12), WEDNESDAY) == ["09:00", "09:30", "11:00", "11:30"]
    ResourceAbsence.objects.all().delete()
    away(assessors["ann"], at(WEDNESDAY, 10), at(WEDNESDAY, 11))
    assert day_times(slots(assessment, now=NOW, limit_days=12), WEDNESDAY) == ["09:00", "09:30", "11:00", "11:30"]


def test_part_day_absences_keep_the_listing_at_four_queries(assessment, assessors, django_assert_num_queries):
    for d in range(10):
        away(assessors["ann"], at(MONDAY + dt.timedelta(days=d), 9), at(MONDAY + dt.timedelta(days=d), 9, 30))
    with django_assert_num_queries(4):
        free = slots(assessment, now=NOW, limit_days=16)
    assert "09:00" not in day_times(free, WEDNESDAY) and "09:30" in day_times(free, WEDNESDAY)


def test_a_booking_inside_a_part_day_absence_stays_and_is_listed(assessment, assessors, donna, resident_b, key,
                                                                 notify_templates, django_assert_num_queries):
    inside = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 11), submission_key=key(),
                              by=None, now=NOW)
    before = appointment_book(service=assessment, customer=resident_b.customer, starts_at=at(MONDAY, 10, 30),
                              submission_key=key(), by=None, now=NOW)
    assert inside.resource == before.resource == assessors["ben"]
    absence = away(assessors["ben"], at(MONDAY, 11), at(MONDAY, 12))
    assert absence_clashes(absence) == [inside]
    with django_assert_num_queries(1):
        assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == [inside]
    assert needs_new_resource(inside) and not needs_new_resource(before)
    inside.refresh_from_db()
    assert inside.status == "booked"


def test_an_appointment_running_into_the_absence_is_listed_one_ending_as_it_starts_is_not(assessment, assessors,
                                                                                         donna, resident_b, key,
                                                                                         notify_templates):
    first = appointment_book(service=assessment, customer=donna, starts_at=at(WEDNESDAY, 9), submission_key=key(),
                             by=None, now=NOW)
    second = appointment_book(service=assessment, customer=resident_b.customer, starts_at=at(WEDNESDAY, 10),
                              submission_key=key(), by=None, now=NOW)
    absence = away(assessors["ann"], at(WEDNESDAY, 9, 30), at(WEDNESDAY, 10, 15))  # from 9:30: after the first ends
    assert absence_clashes(absence) == [second]
    assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == [second]
    ResourceAbsence.objects.all().delete()
    absence = away(assessors["ann"], at(WEDNESDAY, 9, 15), at(WEDNESDAY, 9, 45))  # inside the first's half hour
    assert absence_clashes(absence) == [first]
    assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == [first]
    assert Appointment.objects.filter(status="booked").count() == 2


# --- the October clock change (Sunday 31 October 2027: 02:00 BST becomes 01:00 GMT) ----------------------------

OCT_FRIDAY, OCT_MONDAY = dt.date(2027, 10, 29), dt.date(2027, 11, 1)
OCT_NOW = dt.datetime(2027, 10, 25, 8, tzinfo=TZ)


@pytest.fixture
def every_weekday(team):
    service = AppointmentService.objects.create(code="clock", name="Clock", description="d", team=team,
                                                opens_at=dt.time(9), closes_at=dt.time(12), slot_minutes=60,
                                                days_ahead=30, cutoff_hours=2)
    return service, resource(service, "Booth", hours=[(d, dt.time(9), dt.time(12)) for d in range(5)])


def test_a_whole_day_across_the_clock_change_is_25_hours_and_ends_at_local_midnight(every_weekday):
    service, booth = every_weekday
    sunday = ResourceAbsence.objects.create(resource=booth, **ResourceAbsence.whole_days(dt.date(2027, 10, 31),
                                                                                        dt.date(2027, 10, 31)))
    utc = dt.timezone.utc
    assert sunday.ends_at.astimezone(utc) - sunday.starts_at.astimezone(utc) == dt.timedelta(hours=25)
    assert sunday.is_whole_days and sunday.first_day == sunday.last_day == dt.date(2027, 10, 31)
    assert str(sunday.starts_at.astimezone(dt.timezone.utc)) == "2027-10-30 23:00:00+00:00"
    free = slots(service, now=OCT_NOW, limit_days=10)
    assert day_times(free, OCT_FRIDAY) == day_times(free, OCT_MONDAY) == ["09:00", "10:00", "11:00"]
    ResourceAbsence.objects.all().delete()
    ResourceAbsence.objects.create(resource=booth, **ResourceAbsence.whole_days(OCT_FRIDAY, OCT_MONDAY))
    free = slots(service, now=OCT_NOW, limit_days=10)
    assert day_times(free, OCT_FRIDAY) == day_times(free, OCT_MONDAY) == []
    assert day_times(free, OCT_MONDAY + dt.timedelta(days=1)) == ["09:00", "10:00", "11:00"]
    assert day_times(free, OCT_FRIDAY - dt.timedelta(days=1)) == ["09:00", "10:00", "11:00"]


def test_a_part_day_absence_is_london_time_before_and_after_the_change(every_weekday):
    service, booth = every_weekday
    thursday = dt.date(2027, 10, 28)  # BST: 10:00 London is 09:00 UTC
    away(booth, dt.datetime.combine(thursday, dt.time(10), tzinfo=TZ), dt.datetime.combine(thursday, dt.time(11),
                                                                                           tzinfo=TZ))
    away(booth, dt.datetime.combine(OCT_MONDAY, dt.time(10), tzinfo=TZ), dt.datetime.combine(OCT_MONDAY, dt.time(11),
                                                                                             tzinfo=TZ))
    free = slots(service, now=OCT_NOW, limit_days=10)
    assert day_times(free, thursday) == day_times(free, OCT_MONDAY) == ["09:00", "11:00"]
    calendar = resource_calendar(service, thursday, OCT_MONDAY)
    assert [b - a for a, b in calendar.absent[booth.pk]] == [dt.timedelta(hours=1)] * 2


def test_span_words_say_whole_days_and_times():
    whole = ResourceAbsence(**ResourceAbsence.whole_days(dt.date(2027, 10, 29), dt.date(2027, 11, 1)))
    one = ResourceAbsence(**ResourceAbsence.whole_days(dt.date(2027, 10, 31), dt.date(2027, 10, 31)))
    part = ResourceAbsence(starts_at=dt.datetime(2027, 11, 1, 10, tzinfo=TZ),
                           ends_at=dt.datetime(2027, 11, 1, 12, 30, tzinfo=TZ))
    assert whole.span_words.endswith("(whole days)") and "29 October 2027" in whole.span_words
    assert one.span_words == "31 October 2027 (whole day)"
    assert part.span_words == "1 November 2027, 10am to 12:30pm" and not part.is_whole_days


# --- the migration: whole-day rows become times -----------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_turns_whole_days_into_london_midnights_and_back(team):
    before = [("community", "0008_appointment_resources")]
    after = [("community", "0011_absence_times_required")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        service = old.get_model("community", "AppointmentService").objects.create(
            code="migrate", name="M", description="d", opens_at=dt.time(9), closes_at=dt.time(12))
        r = old.get_model("community", "AppointmentResource").objects.create(service=service, name="Booth",
                                                                               kind="room")
        old.get_model("community", "ResourceAbsence").objects.create(
            resource=r, starts_on=dt.date(2027, 10, 31), ends_on=dt.date(2027, 11, 1), reason="training")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        absence = ResourceAbsence.objects.get(resource_id=r.pk)
        assert absence.starts_at == dt.datetime(2027, 10, 31, tzinfo=TZ)
        assert absence.ends_at == dt.datetime(2027, 11, 2, tzinfo=TZ)
        assert absence.is_whole_days and (absence.first_day, absence.last_day) == (dt.date(2027, 10, 31),
                                                                                  dt.date(2027, 11, 1))
        # And back again: the same days.
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        back = executor.loader.project_state(before).apps.get_model("community", "ResourceAbsence").objects.get()
        assert (back.starts_on, back.ends_on) == (dt.date(2027, 10, 31), dt.date(2027, 11, 1))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
