"""The resource pages and the Django admin refuse the same working weeks and absences with the same words
(community/resource_rules.py, used by the services, the models' clean() and the admin's week formset), and a past
absence (sickness yesterday) can be recorded up to PAST_DAYS back: bookings already past in it are listed as
affected, not "to move", and a "did not come" in it does not count against the resident."""
from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.models import Appointment, ResourceAbsence, ResourceHours
from community.resource_rules import PAST_DAYS, absence_errors, week_errors
from community.services.appointments import appointment_book
from community.services.resource_setup import absence_add, absence_check, resource_hours_set
from community.services.resources import absence_bookings, appointments_to_move
from tests.community.test_appointment_resources import (MONDAY, _resource_form, admin_client_,  # noqa: F401
                                                        assessment, assessors)
from tests.community.test_resource_pages import _absence, key_of

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def _admin_post(client, resource, *, hours=(), absences=()):
    data = _resource_form(resource, absences=absences, hours=hours)
    return client.post(f"/django-admin/community/appointmentresource/{resource.pk}/change/", data)


def _page_error(spans) -> str:
    with pytest.raises(ValidationError) as exc:
        resource_hours_set(resource=None, spans=spans, by=None)
    return [m for ms in exc.value.message_dict.values() for m in ms][0]


# --- the working week: one rule, two ways in ---------------------------------------------------------------------

@pytest.mark.parametrize("spans,message", [
    ([(0, "12:00", "09:00")], "Monday: the end must be after the start"),
    ([(1, "06:30", "12:00")], "Tuesday: hours must be between 07:00 and 22:00"),
    ([(1, "09:00", "22:30")], "Tuesday: hours must be between 07:00 and 22:00"),
    ([(2, "09:00", "12:00"), (2, "11:00", "14:00")], "Wednesday: the two spans must not overlap"),
    ([(3, "13:00", "15:00"), (3, "09:00", "13:30")], "Thursday: the two spans must not overlap"),
])
def test_the_page_and_the_admin_refuse_the_same_week_with_the_same_words(admin_client_, assessors, spans, message):
    ann = assessors["ann"]
    page = _page_error({f"d{d}s{n}": (a, b) for n, (d, a, b) in enumerate(spans)})
    response = _admin_post(admin_client_, ann, hours=[(str(d), a, b) for d, a, b in spans])
    assert page == message
    assert response.status_code == 200 and message in html.unescape(response.content.decode())
    assert ResourceHours.objects.filter(resource=ann).count() == 2  # the week as it was


def test_the_admin_refuses_a_third_span_and_an_overlap_with_a_row_it_does_not_show(admin_client_, assessors):
    ann = assessors["ann"]
    three = [("4", "08:00", "09:00"), ("4", "10:00", "11:00"), ("4", "12:00", "13:00")]
    response = _admin_post(admin_client_, ann, hours=three)
    assert "Friday: at most 2 spans a day" in html.unescape(response.content.decode())
    # Ann's saved Monday 09:00-10:30 is not in this (hand-made) form, but still counts.
    response = _admin_post(admin_client_, ann, hours=[("0", "10:00", "11:00")])
    assert "Monday: the two spans must not overlap" in html.unescape(response.content.decode())
    assert ResourceHours.objects.filter(resource=ann).count() == 2


def test_the_admin_saves_a_week_the_pages_would(admin_client_, assessors):
    ann = assessors["ann"]
    response = _admin_post(admin_client_, ann, hours=[("4", "07:00", "12:30"), ("4", "13:30", "22:00")])
    assert response.status_code == 302
    assert ResourceHours.objects.filter(resource=ann, weekday=4).count() == 2


def test_the_rule_itself_reads_every_span():
    t = dt.time
    assert week_errors([(0, t(9), t(12), "a"), (0, t(13), t(17), "b")]) == {}
    assert week_errors([(6, t(7), t(7), "a")]) == {"a": ["Sunday: the end must be after the start"]}


# --- absences: one rule, two ways in -----------------------------------------------------------------------------

def _local(day: dt.date, h=0, m=0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=TZ)


@pytest.mark.parametrize("first,last,field,message", [
    (MONDAY + dt.timedelta(days=4), MONDAY, "ends", "The end must be after the start"),
    (MONDAY, MONDAY + dt.timedelta(days=400), "ends", "An absence can be at most 366 days: retire the officer or "
                                                     "room instead"),
    (timezone.localdate() - dt.timedelta(days=PAST_DAYS + 5), timezone.localdate() - dt.timedelta(days=PAST_DAYS + 4),
     "starts", f"An absence can start at most {PAST_DAYS} days ago"),
])
def test_the_page_and_the_admin_refuse_the_same_absence_with_the_same_words(admin_client_, assessors, first, last,
                                                                           field, message):
    ann = assessors["ann"]
    with pytest.raises(ValidationError) as exc:
        absence_check(resource=ann, starts_at=_local(first), ends_at=_local(last, 23, 59), reason="leave")
    assert message in exc.value.message_dict[f"{field}_on"][0]
    response = _admin_post(admin_client_, ann, absences=[(first.isoformat(), last.isoformat(), "leave")])
    assert response.status_code == 200 and message in html.unescape(response.content.decode())
    assert not ResourceAbsence.objects.exists()


def test_the_admin_keeps_an_old_absence_it_does_not_move_and_refuses_moving_it_back(admin_client_, assessors):
    ann = assessors["ann"]
    long_ago = timezone.localdate() - dt.timedelta(days=90)
    old = ResourceAbsence.objects.create(resource=ann, reason="leave", **ResourceAbsence.whole_days(long_ago,
                                                                                                     long_ago))
    old.reason = "sickness"
    old.full_clean()  # the reason changes; its times do not, so its age is no reason to refuse
    old.starts_at -= dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="can start at most"):
        old.full_clean()
    assert absence_errors(old.starts_at, old.ends_at, now=timezone.now(), unchanged=True) == {}


# --- past absences -----------------------------------------------------------------------------------------------

def _yesterday_working() -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.weekday() not in (0, 2):  # Ann works Mondays and Wednesdays
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def past_bookings(assessment, assessors, donna, resident_b, key, notify_templates):
    """Two of Ann's appointments on a recent day she worked, booked beforehand: one never marked, one marked
    "did not come"; and one of hers still to come on Monday."""
    day = _yesterday_working()
    ben = assessors["ben"]
    ben.is_active = False  # so Ann is the one given each time
    ben.save()
    before = _local(day - dt.timedelta(days=7), 8)
    unmarked = appointment_book(service=assessment, customer=donna, starts_at=_local(day, 9), submission_key=key(),
                                by=None, now=before)
    missed = appointment_book(service=assessment, customer=resident_b.customer, starts_at=_local(day, 9, 30),
                              submission_key=key(), by=None, now=before)
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.NO_SHOW)
    coming = appointment_book(service=assessment, customer=donna, starts_at=_local(MONDAY, 9), submission_key=key(),
                              by=None, now=timezone.now())
    assert unmarked.resource == missed.resource == coming.resource == assessors["ann"]
    return {"day": day, "unmarked": unmarked, "missed": missed, "coming": coming}


def test_sickness_yesterday_is_recorded_and_its_bookings_are_affected_not_to_move(assessors, past_bookings,
                                                                               team_leader):
    ann, day = assessors["ann"], past_bookings["day"]
    absence = absence_add(resource=ann, reason="sickness", by=team_leader, **ResourceAbsence.whole_days(day, day))
    to_move, affected = absence_bookings(absence)
    assert to_move == []
    assert affected == [past_bookings["unmarked"], past_bookings["missed"]]
    assert appointments_to_move(ann.service.__class__.objects.filter(pk=ann.service_id)) == []
    # An absence from yesterday into next week: the coming Monday is to move, yesterday's are affected.
    if MONDAY - day <= dt.timedelta(days=30):
        longer = absence_add(resource=ann, reason="leave", by=team_leader,
                             **ResourceAbsence.whole_days(day, MONDAY))
        assert absence_bookings(longer) == ([past_bookings["coming"]],
                                            [past_bookings["unmarked"], past_bookings["missed"]])


def test_a_past_absence_through_the_page_lists_what_it_affected(client_for, assessment, assessors, past_bookings,
                                                                team_leader):
    ann, day = assessors["ann"], past_bookings["day"]
    client = client_for(team_leader)
    new = reverse("community_staff:absence_new", args=[assessment.pk, ann.pk])
    page = client.get(new).content.decode()
    assert f"up to {PAST_DAYS} days ago" in page
    first = client.post(new, _absence(length="whole", day=day, last=day, frm="", to="", reason="sickness",
                                      submission_key=key_of(page))).content.decode()
    assert "2 appointments already past fall in it" in first and not ResourceAbsence.objects.exists()
    response = client.post(new, _absence(length="whole", day=day, last=day, frm="", to="", reason="sickness",
                                         confirm="2", submission_key=key_of(first)))
    absence = ResourceAbsence.objects.get()
    assert response.status_code == 302 and (absence.first_day, absence.last_day) == (day, day)
    listed = client.get(response["Location"]).content.decode()
    assert "Appointments already past in this absence" in listed
    assert past_bookings["unmarked"].reference in listed and past_bookings["missed"].reference in listed
    assert "(not marked)" in listed and "(did not come)" in listed
    assert reverse("community_staff:appointment_move", args=[past_bookings["unmarked"].pk]) not in listed
    # The resource page still shows it (recent past absences are listed too).
    resource_page = client.get(reverse("community_staff:resource", args=[assessment.pk, ann.pk])).content.decode()
    assert reverse("community_staff:absence", args=[assessment.pk, ann.pk, absence.pk]) in resource_page
    # Nothing was cancelled or changed.
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked", "no_show"}


def test_a_no_show_in_an_absence_does_not_count_against_the_resident(assessors, past_bookings, team_leader,
                                                                    migration_data):
    from performance import services as perf
    from tests.community.test_measures import county

    ann, day = assessors["ann"], past_bookings["day"]
    month = day.replace(day=1)
    codes = ["community-appointments-no-show", "community-appointments-marked"]

    def figures():
        result = perf.compute_measures(months=[month], codes=codes + ["community-appointments-no-show-percent"])
        assert not result.errors, result.errors
        return [county(code, month) or 0 for code in codes]

    assert figures() == [1, 1]  # resident B's "did not come"
    absence_add(resource=ann, reason="sickness", by=team_leader, **ResourceAbsence.whole_days(day, day))
    assert figures() == [0, 0]  # Ann was off sick that day: the council's miss, not the resident's
