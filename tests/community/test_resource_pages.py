"""The resource pages outside the Django admin (issue 16): the service's team leader, and the administrator who
configures services, list a service's officers and rooms, add, rename and retire them, set their working week
and add or remove absences. Everyone else (an officer of the team, another team's leader) gets 404; bad,
hostile, oversized, duplicate and other-team input gets a clear message at the field and saves nothing."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from community.models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from community.selectors import can_manage_appointment_resources
from community.services.appointments import appointment_book
from community.services.resource_setup import (absence_add, resource_add, resource_hours_set, resource_rename,
                                               resource_set_active)
from oxtom.core.audit import AuditEvent
from oxtom.core.submissions import ALREADY_DONE
from tests import factories as f
from tests.community.test_appointment_resources import MONDAY, NOW, at, resource
from tests.community.test_appointment_resources import assessment, assessors  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def key_of(page: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', page).group(1)


def url(name, *args):
    return reverse(f"community_staff:{name}", args=args)


@pytest.fixture
def other_service(other_team):
    return AppointmentService.objects.create(code="other", name="Parking chat", description="d", team=other_team,
                                             opens_at=dt.time(9), closes_at=dt.time(12))


@pytest.fixture
def other_leader(other_team):
    user = f.UserFactory(email="other.leader@example.org", roles=["team_leader"])
    f.TeamMembershipFactory(team=other_team, user=user, is_leader=True)
    return user


# --- who may ------------------------------------------------------------------------------------------------------

def test_the_right_is_the_teams_leader_or_the_services_administrator(assessment, team_leader, administrator,
                                                                     officer_in_team, other_leader, resident_a):
    assert can_manage_appointment_resources(team_leader)
    assert can_manage_appointment_resources(administrator)
    assert not can_manage_appointment_resources(officer_in_team)
    assert not can_manage_appointment_resources(other_leader)  # leads a team that runs no appointment service
    assert not can_manage_appointment_resources(resident_a)


def test_the_navigation_shows_the_pages_only_to_those_who_hold_the_right(client_for, assessment, team_leader,
                                                                         officer_in_team, administrator):
    link = 'href="/staff/community/appointment-services/"'
    assert link in client_for(team_leader).get("/staff/").content.decode()
    assert link in client_for(administrator).get("/staff/").content.decode()
    assert link not in client_for(officer_in_team).get("/staff/").content.decode()


def test_every_page_is_404_to_an_officer_and_to_another_teams_leader(client_for, assessment, assessors,
                                                                      officer_in_team, other_leader, other_service,
                                                                      team_leader):
    ann = assessors["ann"]
    absence = ResourceAbsence.objects.create(resource=ann, **ResourceAbsence.whole_days(MONDAY, MONDAY))
    pages = [url("resources", assessment.pk), url("resource_new", assessment.pk),
             url("resource", assessment.pk, ann.pk), url("resource_hours", assessment.pk, ann.pk),
             url("absence_new", assessment.pk, ann.pk), url("absence", assessment.pk, ann.pk, absence.pk)]
    for user in (officer_in_team, other_leader):
        client = client_for(user)
        assert client.get(url("resource_services")).status_code == 404 or user == other_leader
        for page in pages:
            assert client.get(page).status_code == 404, (user, page)
            assert client.post(page, {"action": "retire", "kind": "room", "name": "Sneaky"}).status_code in (404, 405)
    # The leader of this team cannot reach the other team's service, nor this service's resource through it.
    client = client_for(team_leader)
    assert client.get(url("resources", other_service.pk)).status_code == 404
    assert client.get(url("resource", other_service.pk, ann.pk)).status_code == 404
    assert client.post(url("absence", other_service.pk, ann.pk, absence.pk), {"action": "remove"}).status_code == 404
    ann.refresh_from_db()
    assert ann.is_active and ResourceAbsence.objects.count() == 1
    assert not AppointmentResource.objects.filter(name="Sneaky").exists()


def test_the_administrator_keeps_every_services_resources(client_for, assessment, other_service, administrator):
    page = client_for(administrator).get(url("resource_services")).content.decode()
    assert assessment.name in page and other_service.name in page


# --- services: add, rename, retire -----------------------------------------------------------------------------

def test_add_an_officer_from_the_team_or_a_room(assessment, team, team_leader, officer_in_team, officer_outside_team):
    ann = resource_add(service=assessment, kind="officer", user_id=officer_in_team.pk, by=team_leader)
    assert ann.user == officer_in_team and ann.name == str(officer_in_team)
    with pytest.raises(ValidationError) as exc:  # already one of the officers
        resource_add(service=assessment, kind="officer", user_id=officer_in_team.pk, by=team_leader)
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # not in the team
        resource_add(service=assessment, kind="officer", user_id=officer_outside_team.pk, by=team_leader)
    assert "user" in exc.value.message_dict
    room = resource_add(service=assessment, kind="room", name="  Room 2 ", user_id=officer_in_team.pk, by=team_leader)
    assert (room.name, room.user, room.kind) == ("Room 2", None, "room")
    with pytest.raises(ValidationError, match="already has"):
        resource_add(service=assessment, kind="room", name="room 2", by=team_leader)
    assert AuditEvent.objects.filter(summary__startswith="Added").count() == 2


@pytest.mark.parametrize("name,message", [("", "Enter the name"), ("x" * 121, "120 characters or fewer"),
                                          ("Room\x00 1", "special characters"), ("Room\u202e1", "special characters"),
                                          ("Room\n1", "special characters")])
def test_bad_names_are_refused(assessment, team_leader, name, message):
    with pytest.raises(ValidationError, match=message):
        resource_add(service=assessment, kind="room", name=name, by=team_leader)
    with pytest.raises(ValidationError, match="Choose an officer or a room"):
        resource_add(service=assessment, kind="<script>", name="Room", by=team_leader)
    assert not AppointmentResource.objects.exists()


def test_rename_and_retire_are_audited_and_retiring_lists_its_bookings(assessment, assessors, team_leader, donna,
                                                                        key, notify_templates):
    from community.services.resources import appointments_to_move

    ann, ben = assessors["ann"], assessors["ben"]
    booked = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 9), submission_key=key(),
                              by=None, now=NOW)
    with pytest.raises(ValidationError, match="already has"):
        resource_rename(resource=ann, name="ben assessor", by=team_leader)
    resource_rename(resource=ann, name="Ann A. Assessor", by=team_leader)
    resource_set_active(resource=ann, active=False, by=team_leader)
    assert appointments_to_move(AppointmentService.objects.all(), now=NOW) == [booked]
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert AuditEvent.objects.filter(summary__in=["Renamed Ann Assessor to Ann A. Assessor",
                                                  "Retired Ann A. Assessor"]).count() == 2
    assert ben.is_active


# --- services: hours -------------------------------------------------------------------------------------------

def test_hours_replace_the_week(assessment, assessors, team_leader):
    ann = assessors["ann"]
    rows = resource_hours_set(resource=ann, by=team_leader, spans={
        "d0s0": ("09:00", "12:30"), "d0s1": ("13:30", "17:00"), "d4s0": (dt.time(7), dt.time(22))})
    assert [str(r) for r in rows] == ["Monday 09:00-12:30", "Monday 13:30-17:00", "Friday 07:00-22:00"]
    assert ResourceHours.objects.filter(resource=ann).count() == 3


@pytest.mark.parametrize("spans,key,message", [
    ({"d0s0": ("12:00", "09:00")}, "d0s0", "Monday: the end must be after the start"),
    ({"d0s0": ("09:00", "09:00")}, "d0s0", "the end must be after the start"),
    ({"d1s0": ("06:30", "12:00")}, "d1s0", "Tuesday: hours must be between 07:00 and 22:00"),
    ({"d1s0": ("09:00", "22:30")}, "d1s0", "between 07:00 and 22:00"),
    ({"d2s0": ("09:00", "12:00"), "d2s1": ("11:00", "14:00")}, "d2s1", "Wednesday: the two spans must not overlap"),
    ({"d2s0": ("13:00", "15:00"), "d2s1": ("09:00", "13:30")}, "d2s0", "must not overlap"),
    ({"d3s0": ("09:00", "")}, "d3s0", "Thursday: enter both the start and the end"),
    ({"d3s0": ("nine", "12:00")}, "d3s0", "Thursday: enter a time like 09:30"),
    ({"d3s0": ("<script>", "12:00")}, "d3s0", "enter a time like 09:30"),
    ({"d3s0": ("9" * 5000, "12:00")}, "d3s0", "enter a time like 09:30"),
    ({"d6s1": ("25:00", "26:00")}, "d6s1", "Sunday: enter a time like 09:30"),
])
def test_bad_hours_are_refused_and_the_week_is_kept(assessment, assessors, team_leader, spans, key, message):
    ann = assessors["ann"]
    with pytest.raises(ValidationError) as exc:
        resource_hours_set(resource=ann, spans=spans, by=team_leader)
    assert message in exc.value.message_dict[key][0]
    assert ResourceHours.objects.filter(resource=ann).count() == 2


# --- services: absences ----------------------------------------------------------------------------------------

def test_absences_refuse_backwards_too_long_duplicate_and_bad_reasons(assessment, assessors, team_leader):
    ann = assessors["ann"]
    nine, twelve = at(MONDAY, 9), at(MONDAY, 12)
    for starts, ends, reason, field, message in [
            (twelve, nine, "leave", "ends_on", "The end must be after the start"),
            (nine, nine, "leave", "ends_on", "The end must be after the start"),
            (nine, nine + dt.timedelta(days=400), "leave", "ends_on", "at most 366 days"),
            (nine, twelve, "<script>", "reason", "Choose why"),
            (None, twelve, "leave", "starts_on", "Enter when"),
            (at(dt.date(2020, 1, 6), 9), at(dt.date(2020, 1, 6), 12), "leave", "starts_on",
             "can start at most 31 days ago")]:
        with pytest.raises(ValidationError) as exc:
            absence_add(resource=ann, starts_at=starts, ends_at=ends, reason=reason, by=team_leader)
        assert message in exc.value.message_dict[field][0]
    absence_add(resource=ann, starts_at=nine, ends_at=twelve, reason="appointment", by=team_leader)
    with pytest.raises(ValidationError, match="already recorded"):
        absence_add(resource=ann, starts_at=nine, ends_at=twelve, reason="appointment", by=team_leader)
    assert ResourceAbsence.objects.count() == 1


# --- the pages ---------------------------------------------------------------------------------------------------

def test_add_a_room_through_the_page_then_its_week(client_for, assessment, team_leader):
    client = client_for(team_leader)
    page = client.get(url("resource_new", assessment.pk)).content.decode()
    response = client.post(url("resource_new", assessment.pk), {"kind": "room", "name": "Room 2",
                                                                "submission_key": key_of(page)})
    room = AppointmentResource.objects.get(name="Room 2")
    assert response.status_code == 302 and response["Location"] == url("resource_hours", assessment.pk, room.pk)
    # The same form sent again: the shared submission key does nothing twice.
    again = client.post(url("resource_new", assessment.pk), {"kind": "room", "name": "Room 2",
                                                             "submission_key": key_of(page)}, follow=True)
    assert ALREADY_DONE in again.content.decode() and AppointmentResource.objects.filter(name="Room 2").count() == 1
    page = client.get(url("resource_hours", assessment.pk, room.pk)).content.decode()
    response = client.post(url("resource_hours", assessment.pk, room.pk), {
        "d0s0_start": "09:00", "d0s0_end": "12:00", "d2s0_start": "9:30", "d2s0_end": "11:00",
        "submission_key": key_of(page)})
    assert response.status_code == 302
    assert [str(h) for h in room.hours.all()] == ["Monday 09:00-12:00", "Wednesday 09:30-11:00"]
    listing = client.get(url("resources", assessment.pk)).content.decode()
    assert "Room 2" in listing and "Monday 9am to midday" in listing


def test_the_add_page_puts_every_error_at_its_field_on_the_first_submit(client_for, assessment, team_leader,
                                                                        officer_outside_team):
    client = client_for(team_leader)
    response = client.post(url("resource_new", assessment.pk), {"kind": "officer", "user": officer_outside_team.pk,
                                                                "name": "x" * 5000})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in page
    assert 'id="id_user-error"' in page and 'id="id_name-error"' in page and "120 characters or fewer" in page
    response = client.post(url("resource_new", assessment.pk), {})
    assert 'id="id_kind-error"' in response.content.decode()
    assert not AppointmentResource.objects.exists()


def test_hours_page_shows_each_bad_span_at_its_day_and_keeps_the_week(client_for, assessment, assessors,
                                                                      team_leader):
    ann = assessors["ann"]
    client = client_for(team_leader)
    response = client.post(url("resource_hours", assessment.pk, ann.pk), {
        "d0s0_start": "12:00", "d0s0_end": "09:00", "d1s0_start": "<script>alert(1)</script>", "d1s0_end": "10:00",
        "d2s0_start": "09:00", "d2s0_end": "12:00", "d2s1_start": "11:00", "d2s1_end": "13:00",
        "d3s0_start": "x" * 10_000, "d3s0_end": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in page
    for day, message in [("d0s0", "Monday: the end must be after the start"), ("d1s0", "Tuesday: enter a time"),
                         ("d2s1", "Wednesday: the two spans must not overlap"), ("d3s0", "Thursday: enter a time")]:
        assert f'id="id_{day}_start-error"' in page and message in page
    assert "<script>alert" not in page.split("</head>")[1]
    assert ResourceHours.objects.filter(resource=ann).count() == 2


def test_rename_and_retire_through_the_page(client_for, assessment, assessors, team_leader):
    ann = assessors["ann"]
    client = client_for(team_leader)
    page = client.get(url("resource", assessment.pk, ann.pk)).content.decode()
    bad = client.post(url("resource", assessment.pk, ann.pk), {"action": "rename", "name": "Ben Assessor"})
    assert 'id="id_name-error"' in bad.content.decode() and "already has" in bad.content.decode()
    assert client.post(url("resource", assessment.pk, ann.pk), {"action": "rename", "name": "Ann B",
                                                                "submission_key": key_of(page)}).status_code == 302
    assert client.post(url("resource", assessment.pk, ann.pk), {"action": "retire"}).status_code == 302
    ann.refresh_from_db()
    assert ann.name == "Ann B" and not ann.is_active
    assert "Retired" in client.get(url("resources", assessment.pk)).content.decode()
    assert client.post(url("resource", assessment.pk, ann.pk), {"action": "bring-back"}).status_code == 302
    ann.refresh_from_db()
    assert ann.is_active
    assert client.post(url("resource", assessment.pk, ann.pk), {"action": "<script>"}).status_code == 404


def _absence(length="part", day=MONDAY, last=None, frm="10:00", to="12:00", reason="appointment", **more):
    data = {"length": length, "starts_on_day": day.day, "starts_on_month": day.month, "starts_on_year": day.year,
            "from_time": frm, "to_time": to, "reason": reason, **more}
    if last:
        data.update({"ends_on_day": last.day, "ends_on_month": last.month, "ends_on_year": last.year})
    return data


def test_an_absence_over_bookings_says_how_many_first_then_lists_them(client_for, assessment, assessors, team_leader,
                                                                      donna, resident_b, key, notify_templates):
    ben = assessors["ben"]
    one = appointment_book(service=assessment, customer=donna, starts_at=at(MONDAY, 10, 30), submission_key=key(),
                           by=None, now=NOW)
    two = appointment_book(service=assessment, customer=resident_b.customer, starts_at=at(MONDAY, 11),
                           submission_key=key(), by=None, now=NOW)
    assert one.resource == two.resource == ben
    client = client_for(team_leader)
    page = client.get(url("absence_new", assessment.pk, ben.pk)).content.decode()
    first = client.post(url("absence_new", assessment.pk, ben.pk),
                        _absence(submission_key=key_of(page))).content.decode()
    assert "This absence is over 2 booked appointments" in first and 'name="confirm" value="2"' in first
    assert not ResourceAbsence.objects.exists()  # nothing saved yet
    response = client.post(url("absence_new", assessment.pk, ben.pk),
                           _absence(confirm="2", submission_key=key_of(first)))
    absence = ResourceAbsence.objects.get()
    assert response.status_code == 302 and response["Location"] == url("absence", assessment.pk, ben.pk, absence.pk)
    assert (absence.starts_at, absence.ends_at, absence.reason) == (at(MONDAY, 10), at(MONDAY, 12), "appointment")
    listed = client.get(response["Location"]).content.decode()
    for a in (one, two):
        assert a.reference in listed and url("appointment_move", a.pk) in listed
    assert Appointment.objects.filter(status="booked").count() == 2  # nothing cancelled
    # The staff day page warns of both, with their Move links.
    day = client.get(url("appointments") + f"?day={MONDAY}").content.decode()
    assert "2 appointments need moving" in day and url("appointment_move", one.pk) in day
    # The same confirmed form again does nothing twice.
    again = client.post(url("absence_new", assessment.pk, ben.pk), _absence(confirm="2", submission_key=key_of(first)),
                        follow=True)
    assert ALREADY_DONE in again.content.decode() and ResourceAbsence.objects.count() == 1
    assert AuditEvent.objects.filter(summary__contains="2 booked appointments to move").count() == 1


def test_a_whole_day_absence_without_bookings_saves_at_once(client_for, assessment, assessors, team_leader):
    ann = assessors["ann"]
    client = client_for(team_leader)
    response = client.post(url("absence_new", assessment.pk, ann.pk),
                           _absence(length="whole", last=MONDAY + dt.timedelta(days=2), frm="", to="", reason="leave"))
    absence = ResourceAbsence.objects.get()
    assert response.status_code == 302 and absence.is_whole_days
    assert (absence.first_day, absence.last_day) == (MONDAY, MONDAY + dt.timedelta(days=2))
    assert "None: no booked appointment" in client.get(response["Location"]).content.decode()
    # Removed: its times can be booked again.
    assert client.post(response["Location"], {"action": "remove"}).status_code == 302
    assert not ResourceAbsence.objects.exists()


@pytest.mark.parametrize("data,field,message", [
    (_absence(frm="12:00", to="10:00"), "to_time", "The end must be after the start"),
    (_absence(frm="", to=""), "from_time", "Enter the time they are away from"),
    (_absence(frm="<script>", to="12:00"), "from_time", "Enter the time they are away from"),
    (_absence(to="9" * 5000), "to_time", "Enter the time they are back"),
    (_absence(reason="<b>x</b>"), "reason", "Choose why"),
    (_absence(length="sideways"), "length", "Choose whole days or part of a day"),
    (_absence(length="whole", last=MONDAY - dt.timedelta(days=1)), "ends_on", "The end must be after the start"),
    (_absence(length="whole", last=MONDAY + dt.timedelta(days=500)), "ends_on", "at most 366 days"),
    ({**_absence(), "starts_on_day": "31", "starts_on_month": "2"}, "starts_on", "must be a real date"),
    ({**_absence(), "starts_on_year": "1999"}, "starts_on", "An absence can start at most 31 days ago"),
])
def test_the_absence_page_puts_errors_at_the_field_and_saves_nothing(client_for, assessment, assessors, team_leader,
                                                                    data, field, message):
    response = client_for(team_leader).post(url("absence_new", assessment.pk, assessors["ann"].pk), data)
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in page
    assert re.search(rf'id="id_{field}[a-z_]*-error"', page), page[page.find("govuk-error-summary"):][:800]
    assert message in page
    assert not ResourceAbsence.objects.exists()


def test_the_pages_cost_the_same_queries_however_many_resources_hours_and_absences(
        client_for, assessment, assessors, team_leader, django_assert_max_num_queries):
    client = client_for(team_leader)
    ann = assessors["ann"]
    customer = f.CustomerFactory()
    day_off = ResourceAbsence.objects.create(resource=ann, **ResourceAbsence.whole_days(MONDAY, MONDAY))

    def book(n):
        for _ in range(n):
            i = Appointment.objects.count()
            Appointment.objects.create(reference=f"ATQ{i:05d}", service=assessment, customer=customer,
                                       starts_at=at(MONDAY, 9) + dt.timedelta(minutes=i), resource=ann,
                                       submission_key=f"pages-{i}", created_at=NOW)

    book(1)
    pages = [url("resource_services"), url("resources", assessment.pk), url("resource", assessment.pk, ann.pk),
             url("resource_hours", assessment.pk, ann.pk), url("absence_new", assessment.pk, ann.pk),
             url("absence", assessment.pk, ann.pk, day_off.pk)]
    counts = {}
    for page in pages:
        with CaptureQueriesContext(connection) as few:
            assert client.get(page).status_code == 200
        counts[page] = len(few.captured_queries)
    for n in range(8):
        r = resource(assessment, f"Booth {n}", hours=[(d, dt.time(9), dt.time(12)) for d in range(5)])
        for d in range(3):
            ResourceAbsence.objects.create(resource=r, **ResourceAbsence.whole_days(MONDAY + dt.timedelta(days=d),
                                                                                  MONDAY + dt.timedelta(days=d)))
    for d in range(1, 6):
        ResourceAbsence.objects.create(resource=ann, starts_at=at(MONDAY + dt.timedelta(days=d), 9),
                                       ends_at=at(MONDAY + dt.timedelta(days=d), 10))
    book(12)
    for page in pages:
        with django_assert_max_num_queries(counts[page]):
            response = client.get(page)
        assert response.status_code == 200
    assert response.content.decode().count("Move<span") == 13
