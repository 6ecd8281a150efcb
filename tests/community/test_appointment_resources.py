"""Book it with staff and room calendars: a time is offered while an officer or room is free (their own hours, not
absent, not booked), booking gives one, moving gives the new time its own and cancelling frees it; an absence
over bookings is listed for moving, never dropped. The last free officer is booked once under real concurrency
(PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.demo import seed_demo_assessor_absence, seed_demo_assessors
from community.models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from community.services.appointments import appointment_book, appointment_cancel, appointment_move, slots
from community.services.resources import absence_clashes, appointments_to_move, resource_calendar
from oxtom.core.calendar import is_working_day
from tests import factories as f
from tests.conftest import require

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def _ordinary_monday() -> dt.date:
    """The first Monday a week or more ahead starting two weeks without a bank holiday (the real clock counts
    for the staff pages, which list what is still to come)."""
    day = timezone.localdate() + dt.timedelta(days=7)
    day += dt.timedelta(days=-day.weekday() % 7)
    while not all(is_working_day(day + dt.timedelta(days=d)) for d in range(12) if (day.weekday() + d) % 7 < 5):
        day += dt.timedelta(days=7)
    return day


MONDAY = _ordinary_monday()
NOW = dt.datetime.combine(MONDAY - dt.timedelta(days=4), dt.time(8), tzinfo=TZ)


def at(day: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=TZ)


def officer(email, team=None, name=""):
    user = f.UserFactory(email=email, roles=["officer"], full_name=name)
    if team is not None:
        f.TeamMembershipFactory(team=team, user=user)
    return user


def resource(service, name, *, user=None, hours=(), kind="officer"):
    r = AppointmentResource.objects.create(service=service, name=name, user=user,
                                           kind=kind if user is not None else AppointmentResource.Kind.ROOM)
    ResourceHours.objects.bulk_create([ResourceHours(resource=r, weekday=d, starts_at=a, ends_at=b)
                                       for d, a, b in hours])
    return r


@pytest.fixture
def assessment(db, team):
    return AppointmentService.objects.create(code="mobility", name="Mobility assessment", description="Assessment",
                                             team=team, opens_at=dt.time(9), closes_at=dt.time(12), slot_minutes=30,
                                             days_ahead=90, cutoff_hours=2, desks=5)


@pytest.fixture
def assessors(assessment, team, officer_in_team):
    """Ann works Monday mornings 9 to 10:30 and all Wednesday; Ben Mondays 10 to 12 only."""
    ben = officer("ben@example.org", team, "Ben Assessor")
    return {"ann": resource(assessment, "Ann Assessor", user=officer_in_team,
                            hours=[(0, dt.time(9), dt.time(10, 30)), (2, dt.time(9), dt.time(12))]),
            "ben": resource(assessment, "Ben Assessor", user=ben, hours=[(0, dt.time(10), dt.time(12))])}


def day_times(free, day):
    return [s.strftime("%H:%M") for s in free if s.date() == day]


# --- slots -------------------------------------------------------------------------------------------------------

def test_slots_follow_the_resources_hours_not_the_desks(assessment, assessors):
    free = slots(assessment, now=NOW, limit_days=12)
    # Monday: Ann 9-10:30 then Ben 10-12: every half hour of the service's hours; 10:30-12 on Ben alone.
    assert day_times(free, MONDAY) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    # Tuesday and Thursday nobody works; Wednesday Ann all morning; Friday nobody.
    assert day_times(free, MONDAY + dt.timedelta(days=1)) == []
    assert day_times(free, MONDAY + dt.timedelta(days=2)) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert {s.date() for s in free} == {MONDAY, MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=7)}


def test_slots_cost_four_queries_however_many_bookings(assessment, assessors, key, notify_templates,
                                                       django_assert_num_queries):
    ResourceAbsence.objects.create(resource=assessors["ben"], **ResourceAbsence.whole_days(MONDAY + dt.timedelta(days=7), MONDAY + dt.timedelta(days=7)), reason="leave")
    _book_day(assessment, [(9, 0), (10, 0), (10, 0), (11, 0), (11, 30)], key)
    with django_assert_num_queries(4):
        free = slots(assessment, now=NOW, limit_days=16)
    assert day_times(free, MONDAY) == ["09:30", "10:30"]
    Appointment.objects.all().delete()
    AppointmentResource.objects.all().delete()
    with django_assert_num_queries(2):  # no resources (one query says so): the desks, as before
        free = slots(assessment, now=NOW, limit_days=5)
    assert day_times(free, MONDAY) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def _offered_by_the_rules(service, now, days):
    """The times the rules in community/services/resources.py offer, worked out the slow, plain way from the rows."""
    span = dt.timedelta(minutes=service.slot_minutes)
    resources = list(AppointmentResource.objects.filter(service=service).prefetch_related("hours", "absences"))
    booked = list(Appointment.objects.filter(service=service, status="booked"))
    out = []
    for d in range(days + 1):
        day = timezone.localdate(now) + dt.timedelta(days=d)
        t = dt.datetime.combine(day, service.opens_at, tzinfo=TZ)
        while is_working_day(day) and t + span <= dt.datetime.combine(day, service.closes_at, tzinfo=TZ):
            if t >= now + dt.timedelta(hours=service.cutoff_hours):
                over = [a for a in booked if abs(a.starts_at - t) < span]
                if not resources:
                    offered = len([a for a in booked if a.starts_at == t]) < service.desks
                else:
                    free = [r for r in resources if r.is_active
                            and any(h.weekday == day.weekday() and h.starts_at <= t.time() <= (t + span).time()
                                    <= h.ends_at for h in r.hours.all())
                            and not any(a.starts_at < t + span and t < a.ends_at for a in r.absences.all())
                            and not any(a.resource_id == r.pk for a in over)]
                    offered = len(free) > len([a for a in over if a.resource_id is None])
                if offered:
                    out.append(t)
            t += span
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slots_offer_exactly_what_the_rules_say_on_a_busy_calendar(assessment, seed):
    """Many resources, split hours, absences, one switched off, bookings on and off the half hour, some from before
    the service had resources, some cancelled: the quick listing (UTC-sorted starts, first-free stop) offers the
    same times as the rules applied one by one, and booking's own list agrees with it at every slot."""
    import random

    rng = random.Random(seed)
    customer = f.CustomerFactory()
    made = []
    for n in range(6):
        spans = []
        for d in rng.sample(range(5), rng.randint(1, 5)):
            spans += [(d, dt.time(9), dt.time(10, 30)), (d, dt.time(11), dt.time(12))] if rng.random() < 0.4 \
                else [(d, dt.time(rng.choice([9, 10])), dt.time(rng.choice([11, 12])))]
        r = resource(assessment, f"Booth {n}", hours=spans)
        if rng.random() < 0.5:
            first = MONDAY + dt.timedelta(days=rng.randrange(14))
            ResourceAbsence.objects.create(resource=r, **ResourceAbsence.whole_days(first, first + dt.timedelta(days=rng.randrange(3))))
        made.append(r)
    AppointmentResource.objects.filter(pk=made[-1].pk).update(is_active=False)
    unbooked = slots(assessment, now=NOW, limit_days=16)
    taken = set()
    for i in range(120):
        day = MONDAY + dt.timedelta(days=rng.randrange(14))
        starts = at(day, rng.choice([9, 10, 11]), rng.choice([0, 30, 30, 15]))
        owner = rng.choice([*made, *made, None])
        if (owner, starts) in taken:
            continue
        taken.add((owner, starts))
        Appointment.objects.create(reference=f"ATR{seed}{i:04d}", service=assessment, customer=customer,
                                   starts_at=starts, resource=owner, desk=1 if owner else 100 + i,
                                   status=rng.choice(["booked"] * 4 + ["cancelled"]),
                                   submission_key=f"rules-{seed}-{i}", created_at=NOW)
    free = slots(assessment, now=NOW, limit_days=16)
    assert free == _offered_by_the_rules(assessment, NOW, 16)
    assert 0 < len(free) < len(unbooked)  # the bookings do take times, and leave some
    calendar = resource_calendar(assessment, MONDAY, MONDAY + dt.timedelta(days=16))
    for t in _every_slot(assessment, 16):
        assert bool(calendar.free_at(t)) == calendar.is_free(t), t


def test_slots_without_resources_offer_what_the_desks_leave(assessment):
    """No resources: a time is offered while fewer than `desks` are booked at it (the database counts them)."""
    customer = f.CustomerFactory()
    nine, ten = at(MONDAY, 9), at(MONDAY, 10)
    for desk in range(1, 6):
        Appointment.objects.create(reference=f"ATD{desk}", service=assessment, customer=customer, starts_at=nine,
                                   desk=desk, submission_key=f"desk-{desk}", created_at=NOW)
    for desk, status in enumerate(["booked"] * 4 + ["cancelled"], 1):
        Appointment.objects.create(reference=f"ATE{desk}", service=assessment, customer=customer, starts_at=ten,
                                   desk=desk, status=status, submission_key=f"desk-ten-{desk}", created_at=NOW)
    free = slots(assessment, now=NOW, limit_days=5)
    assert nine not in free and ten in free
    assert free == _offered_by_the_rules(assessment, NOW, 5)


def _every_slot(service, days):
    span = dt.timedelta(minutes=service.slot_minutes)
    for d in range(days + 1):
        day = timezone.localdate(NOW) + dt.timedelta(days=d)
        t = dt.datetime.combine(day, service.opens_at, tzinfo=TZ)
        while t + span <= dt.datetime.combine(day, service.closes_at, tzinfo=TZ):
            yield t
            t += span


def test_hours_wider_than_the_service_never_open_it_longer(assessment):
    resource(assessment, "Booth 1", hours=[(0, dt.time(7), dt.time(20))])
    assert day_times(slots(assessment, now=NOW, limit_days=5), MONDAY) == ["09:00", "09:30", "10:00", "10:30",
                                                                           "11:00", "11:30"]


def test_a_slot_must_fit_inside_the_hours(assessment):
    resource(assessment, "Booth 1", hours=[(0, dt.time(9, 15), dt.time(10, 45))])
    assert day_times(slots(assessment, now=NOW, limit_days=5), MONDAY) == ["09:30", "10:00"]


def test_an_absence_takes_its_days_out(assessment, assessors):
    ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY + dt.timedelta(days=2)),
                                   reason="training")
    free = slots(assessment, now=NOW, limit_days=16)
    assert day_times(free, MONDAY) == ["10:00", "10:30", "11:00", "11:30"]  # Ben's only
    assert day_times(free, MONDAY + dt.timedelta(days=2)) == []
    assert day_times(free, MONDAY + dt.timedelta(days=9)) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def test_bank_holidays_stay_closed_whoever_works(assessment):
    # Monday 3 May 2027 is the early May bank holiday.
    resource(assessment, "Booth 1", hours=[(0, dt.time(9), dt.time(12))])
    free = slots(assessment, now=at(dt.date(2027, 4, 29), 8), limit_days=12)
    assert day_times(free, dt.date(2027, 5, 3)) == []
    assert day_times(free, dt.date(2027, 5, 10)) != []


def test_a_switched_off_resource_offers_nothing_and_the_desks_do_not_come_back(assessment):
    booth = resource(assessment, "Booth 1", hours=[(0, dt.time(9), dt.time(12))])
    AppointmentResource.objects.filter(pk=booth.pk).update(is_active=False)
    assert slots(assessment, now=NOW, limit_days=12) == []


def test_a_service_without_resources_keeps_its_desks(assessment, donna, resident_b, key, notify_templates):
    assessment.desks = 2
    assessment.save()
    starts = at(MONDAY, 9)
    one = appointment_book(service=assessment, customer=donna, starts_at=starts, submission_key=key(), by=None,
                           now=NOW)
    two = appointment_book(service=assessment, customer=resident_b.customer, starts_at=starts, submission_key=key(),
                           by=None, now=NOW)
    assert (one.resource, two.resource, {one.desk, two.desk}) == (None, None, {1, 2})
    assert starts not in slots(assessment, now=NOW, limit_days=5)


# --- booking, moving, cancelling ------------------------------------------------------------------------------

def test_booking_gives_a_free_resource_and_the_last_one_once(assessment, assessors, donna, resident_b, key,
                                                            notify_templates):
    other = f.CustomerFactory(user=f.UserFactory(email="third@example.org"))
    ten = at(MONDAY, 10)  # Ann and Ben both work then
    first = appointment_book(service=assessment, customer=donna, starts_at=ten, submission_key=key(), by=None, now=NOW)
    second = appointment_book(service=assessment, customer=resident_b.customer, starts_at=ten, submission_key=key(),
                              by=None, now=NOW)
    assert {first.resource, second.resource} == {assessors["ann"], assessors["ben"]}
    assert ten not in slots(assessment, now=NOW, limit_days=5)
    with pytest.raises(ValidationError, match="just been taken"):
        appointment_book(service=assessment, customer=other, starts_at=ten, submission_key=key(), by=None, now=NOW)
    assert Appointment.objects.filter(starts_at=ten, status="booked").count() == 2


def test_a_time_nobody_works_is_refused(assessment, assessors, donna, key):
    with pytest.raises(ValidationError, match="just been taken"):
        appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY + dt.timedelta(days=1), 9),
                         submission_key=key(), by=None, now=NOW)
    assert not Appointment.objects.exists()


def test_the_least_booked_that_day_is_given_first(assessment, assessors, donna, resident_b, key, notify_templates):
    a = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 10), submission_key=key(), by=None,
                         now=NOW)
    b = appointment_book(service=assessment, customer=resident_b.customer, starts_at=at(MONDAY, 10, 30),
                         submission_key=key(), by=None, now=NOW)
    assert a.resource != b.resource


def test_move_gives_the_new_time_its_resource_and_cancel_frees_it(assessment, assessors, donna, key,
                                                                  notify_templates):
    nine = at(MONDAY, 9)  # Ann's alone
    booked = appointment_book(service=assessment, customer=donna, starts_at=nine, submission_key=key(), by=None,
                              now=NOW)
    assert booked.resource == assessors["ann"] and nine not in slots(assessment, now=NOW, limit_days=5)
    moved = appointment_move(appointment=booked, starts_at=at(MONDAY, 11), submission_key=key(), by=None, now=NOW)
    assert moved.resource == assessors["ben"]  # only Ben works at 11
    assert nine in slots(assessment, now=NOW, limit_days=5)
    appointment_cancel(appointment=moved, by=None, now=NOW)
    assert at(MONDAY, 11) in slots(assessment, now=NOW, limit_days=5)


def test_bookings_from_before_the_resources_still_take_one(assessment, donna, resident_b, key, notify_templates):
    nine = at(MONDAY, 9)
    appointment_book(service=assessment, customer=donna, starts_at=nine, submission_key=key(), by=None, now=NOW)
    resource(assessment, "Booth 1", hours=[(0, dt.time(9), dt.time(12))])
    assert nine not in slots(assessment, now=NOW, limit_days=5)
    with pytest.raises(ValidationError, match="just been taken"):
        appointment_book(service=assessment, customer=resident_b.customer, starts_at=nine, submission_key=key(),
                         by=None, now=NOW)


# --- absences over bookings ---------------------------------------------------------------------------------

def test_an_absence_over_bookings_lists_them_and_cancels_nothing(assessment, assessors, donna, key, notify_templates):
    booked = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 9), submission_key=key(),
                              by=None, now=NOW)
    absence = ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY),
                                             reason="leave")
    assert absence_clashes(absence) == [booked]
    services = AppointmentService.objects.all()
    assert appointments_to_move(services, now=NOW) == [booked]
    assert appointments_to_move(services, now=NOW, user=assessors["ben"].user) == []
    booked.refresh_from_db()
    assert booked.status == "booked"
    # Moved to Ben's time, it is no longer listed.
    appointment_move(appointment=booked, starts_at=at(MONDAY, 11), submission_key=key(), by=None, staff=True, now=NOW)
    assert appointments_to_move(services, now=NOW) == []


def test_staff_give_an_absent_officers_appointment_to_a_colleague_at_the_same_time(assessment, assessors, donna,
                                                                                   key, notify_templates):
    from oxtom.notify.models import OutboundMessage

    ten = at(MONDAY, 10)
    booked = appointment_book(service=assessment, customer=donna, starts_at=ten, submission_key=key(), by=None,
                              now=NOW)
    assert booked.resource == assessors["ann"]  # both free, Ann first by name
    # Not away: the same time is refused, to staff and resident alike.
    with pytest.raises(ValidationError, match="different time"):
        appointment_move(appointment=booked, starts_at=ten, submission_key=key(), by=None, staff=True, now=NOW)
    ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY), reason="sickness")
    with pytest.raises(ValidationError, match="different time"):
        appointment_move(appointment=booked, starts_at=ten, submission_key=key(), by=None, staff=False, now=NOW)
    new = appointment_move(appointment=booked, starts_at=ten, submission_key=key(), by=None, staff=True, now=NOW)
    assert new.starts_at == ten and new.resource == assessors["ben"]
    assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == []
    told = OutboundMessage.objects.filter(idempotency_key=f"community:appointment:{new.pk}:moved").first()
    assert told is not None and "the time and place are the same" in told.body


def test_staff_move_page_offers_the_same_time_when_the_officer_is_away(client_for, assessment, assessors,
                                                                       officer_in_team, donna, key, notify_templates):
    booked = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 10), submission_key=key(),
                              by=None, now=NOW)
    client = client_for(officer_in_team)
    url = reverse("community_staff:appointment_move", args=[booked.pk])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("community.views.appointments.slots", lambda service: slots(service, now=NOW))
        assert 'id="same-time"' not in client.get(url).content.decode()
        ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY), reason="leave")
        page = client.get(url).content.decode()
        assert 'id="same-time"' in page and f'value="{at(MONDAY, 10).isoformat()}"' in page
        submission = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
        response = client.post(url, {"slot": at(MONDAY, 10).isoformat(), "submission_key": submission})
    assert response.status_code == 302
    new = Appointment.objects.get(status="booked")
    assert new.starts_at == at(MONDAY, 10) and new.resource == assessors["ben"] and new.pk != booked.pk


def test_a_switched_off_resource_lists_its_bookings(assessment, assessors, donna, key, notify_templates):
    booked = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 9), submission_key=key(),
                              by=None, now=NOW)
    AppointmentResource.objects.filter(pk=assessors["ann"].pk).update(is_active=False)
    assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == [booked]


# --- the staff day page --------------------------------------------------------------------------------------------

def _book_day(assessment, times, key):
    made = []
    for h, m in times:
        user = f.UserFactory(email=f"day-{key()}@example.org")
        customer = f.CustomerFactory(user=user, email=user.email)
        made.append(appointment_book(service=assessment, customer=customer, starts_at=at(MONDAY, h, m),
                                     submission_key=key(), by=None, now=NOW))
    return made


def test_staff_day_shows_who_and_mine_and_the_appointments_to_move(client_for, assessment, assessors, officer_in_team,
                                                                   key, notify_templates):
    made = _book_day(assessment, [(9, 0), (10, 0), (10, 0), (11, 0)], key)  # Ann and Ben two each
    ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY), reason="training")
    client = client_for(officer_in_team)
    url = reverse("community_staff:appointments") + f"?day={MONDAY}"
    page = client.get(url).content.decode()
    assert ">With</th>" in page and "Ann Assessor" in page and "Ben Assessor" in page
    for a in made:
        assert a.customer.reference in page
    anns = [a for a in made if a.resource == assessors["ann"]]
    assert 'id="to-move"' in page and "2 appointments need moving" in page
    for a in anns:
        assert reverse("community_staff:appointment_move", args=[a.pk]) in page
    mine = client.get(url + "&whose=mine").content.decode()
    table = mine[mine.index('id="day"'):]
    assert all(a.customer.reference in table for a in anns)
    assert not any(a.customer.reference in table for a in made if a not in anns)
    # Ben's own view: his two, and nothing of Ann's to move.
    bens = client_for(assessors["ben"].user).get(url + "&whose=mine").content.decode()
    assert 'id="to-move"' not in bens and "Mine only" in bens


def test_staff_day_without_resources_has_no_resource_column(client_for, assessment, officer_in_team, donna, key,
                                                            notify_templates):
    appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 9), submission_key=key(), by=None,
                     now=NOW)
    page = client_for(officer_in_team).get(reverse("community_staff:appointments") + f"?day={MONDAY}").content.decode()
    assert donna.reference in page and ">With</th>" not in page and "Show mine only" not in page


@pytest.mark.parametrize("whose", ["", "&whose=mine", "&whose=<script>", "&whose=" + "x" * 5000])
def test_staff_day_hostile_filter_is_everyone(client_for, assessment, assessors, officer_in_team, whose):
    response = client_for(officer_in_team).get(reverse("community_staff:appointments") + f"?day={MONDAY}{whose}")
    assert response.status_code == 200 and "<script>" not in response.content.decode().split("</head>")[1]


def test_staff_day_costs_constant_queries(client_for, assessment, assessors, officer_in_team, key, notify_templates,
                                          django_assert_max_num_queries):
    client = client_for(officer_in_team)
    url = reverse("community_staff:appointments") + f"?day={MONDAY}"
    for n in range(3):
        resource(assessment, f"Booth {n}", hours=[(0, dt.time(9), dt.time(12))])
    _book_day(assessment, [(9, 0), (10, 0)], key)
    ResourceAbsence.objects.create(resource=assessors["ann"], **ResourceAbsence.whole_days(MONDAY, MONDAY), reason="training")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _book_day(assessment, [(9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30), (9, 0), (9, 30)], key)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Did not come<") == 10 and "1 appointment needs moving" in page


# --- configuration through the Django admin ------------------------------------------------------------------------

@pytest.fixture
def admin_client_(client):
    user = f.UserFactory(email="super@example.org", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _resource_form(r, absences=(), hours=()):
    data = {"service": r.service_id, "name": r.name, "kind": r.kind, "user": r.user_id or "", "is_active": "on",
            "hours-TOTAL_FORMS": str(len(hours)), "hours-INITIAL_FORMS": "0",
            "absences-TOTAL_FORMS": str(len(absences)), "absences-INITIAL_FORMS": "0"}
    for i, (d, a, b) in enumerate(hours):
        data.update({f"hours-{i}-weekday": d, f"hours-{i}-starts_at": a, f"hours-{i}-ends_at": b})
    for i, (a, b, why) in enumerate(absences):
        data.update({f"absences-{i}-starts_at_0": a, f"absences-{i}-starts_at_1": "00:00",
                     f"absences-{i}-ends_at_0": b, f"absences-{i}-ends_at_1": "23:59", f"absences-{i}-reason": why})
    return data


def test_admin_absence_over_bookings_warns_with_the_references(admin_client_, assessment, assessors, donna, key,
                                                               notify_templates):
    booked = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 9), submission_key=key(),
                              by=None, now=NOW)
    ann = assessors["ann"]
    url = f"/django-admin/community/appointmentresource/{ann.pk}/change/"
    data = _resource_form(ann, absences=[(MONDAY.isoformat(), MONDAY.isoformat(), "leave")])
    data["hours-INITIAL_FORMS"] = "0"
    response = admin_client_.post(url, data, follow=True)
    assert response.status_code == 200
    assert "need moving" in response.content.decode() and booked.reference in response.content.decode()
    assert ResourceAbsence.objects.filter(resource=ann).count() == 1


@pytest.mark.parametrize("absence,hours,message", [
    (("2027-01-08", "2027-01-04", "leave"), None, "The end must be after the start"),
    (("2027-01-04", "2028-06-01", "leave"), None, "at most 366 days"),
    (("2027-02-30", "2027-03-01", "leave"), None, "Enter a valid date"),
    (("2027-01-04", "2027-01-04", "<script>"), None, "Select a valid choice"),
    (None, ("0", "12:00", "09:00"), "Monday: the end must be after the start"),
    (None, ("9", "09:00", "12:00"), "Select a valid choice"),
])
def test_admin_refuses_bad_hours_and_absences(admin_client_, assessment, assessors, absence, hours, message):
    ann = assessors["ann"]
    data = _resource_form(ann, absences=[absence] if absence else (), hours=[hours] if hours else ())
    response = admin_client_.post(f"/django-admin/community/appointmentresource/{ann.pk}/change/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ResourceAbsence.objects.exists() and ResourceHours.objects.filter(resource=ann).count() == 2


def test_admin_a_room_has_no_account_and_an_officer_needs_one(admin_client_, assessment, officer_in_team):
    url = "/django-admin/community/appointmentresource/add/"
    base = _resource_form(AppointmentResource(service=assessment, name="Booth 1", kind="room"))
    response = admin_client_.post(url, {**base, "user": officer_in_team.pk})
    assert "A room or booth has no account" in response.content.decode()
    response = admin_client_.post(url, {**base, "kind": "officer", "name": "x" * 500})
    assert "Ensure this value has at most 120 characters" in response.content.decode()
    response = admin_client_.post(url, {**base, "kind": "officer"})
    assert "Choose the officer" in response.content.decode()
    assert not AppointmentResource.objects.exists()
    assert admin_client_.post(url, base).status_code == 302
    assert AppointmentResource.objects.get().kind == "room"


# --- the demo ------------------------------------------------------------------------------------------------------

def test_demo_gives_the_assessment_two_assessors_and_one_absence(donna, notify_templates):
    team = f.TeamFactory(name="Blue Badge and Concessions", slug="blue-badge-concessions")
    service = AppointmentService.objects.create(code="blue-badge-mobility-assessment", name="Blue badge",
                                                description="d", team=team, opens_at=dt.time(9, 30),
                                                closes_at=dt.time(15, 30), slot_minutes=45)
    bella = officer("bella@example.org", team, "Bella Badges")
    leader = officer("leader@example.org")
    f.TeamMembershipFactory(team=team, user=leader, is_leader=True)
    assert seed_demo_assessors(badge_officer=bella) == 9
    assert seed_demo_assessors(badge_officer=bella) == 0
    first, second = AppointmentResource.objects.filter(service=service).order_by("id")
    assert (first.user, second.user) == (bella, leader)
    assert first.hours.count() == 5 and sorted(second.hours.values_list("weekday", flat=True)) == [1, 3]
    free = slots(service)
    assert free
    booked = appointment_book(service=service, customer=donna, starts_at=[s for s in free if s.hour < 12][2],
                              submission_key="demo-test-000000000001", by=None)
    assert booked.resource == first
    assert seed_demo_assessor_absence(badge_officer=bella) == 1
    assert seed_demo_assessor_absence(badge_officer=bella) == 0
    absence = ResourceAbsence.objects.get()
    assert absence.resource == first and absence.reason == "training"


# --- the last free officer, with real concurrency on PostgreSQL ----------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_residents_booking_the_last_free_officer_get_one_booking(team, notify_templates):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the resource race test needs PostgreSQL (set DATABASE_URL)")
    service = AppointmentService.objects.create(code="race-resources", name="Race", description="d", team=team,
                                                opens_at=dt.time(0), closes_at=dt.time(23, 30), slot_minutes=30,
                                                cutoff_hours=1, desks=9)
    every_day = [(d, dt.time(0), dt.time(23, 30)) for d in range(7)]
    resource(service, "Ann", user=officer("race.ann@example.org"), hours=every_day)
    resource(service, "Booth", hours=every_day)
    start = [s for s in slots(service) if s.date() >= timezone.localdate() + dt.timedelta(days=1)
             and timezone.localtime(s).time() == dt.time(10)][0]
    earlier = f.CustomerFactory(user=f.UserFactory(email="race.first@example.org"))
    appointment_book(service=service, customer=earlier, starts_at=start, submission_key="race-res-first-0000", by=None)
    customers = [f.CustomerFactory(user=f.UserFactory(email=f"race.res{i}@example.org")) for i in range(6)]
    barrier = threading.Barrier(len(customers))
    results: list = [None] * len(customers)

    def run(i):
        try:
            barrier.wait(timeout=60)
            results[i] = appointment_book(service=service, customer=customers[i], starts_at=start,
                                          submission_key=f"race-res-{i:03d}-abcdefgh", by=None)
        except BaseException as exc:  # kept for the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(customers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    made = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 5, results
    assert all("just been taken" in r.messages[0] for r in refused)
    booked = Appointment.objects.filter(service=service, starts_at=start, status="booked")
    assert booked.count() == 2 and len({a.resource_id for a in booked}) == 2
