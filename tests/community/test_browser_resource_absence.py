"""Book it in Chromium at 375 px with axe, as in the demo: the blue badge team's leader (the demo's
team.leader sign-in, the mobility assessment's second assessor) adds a part-day absence for the team's
assessor over a booked assessment, is told first how many bookings it affects, saves it, sees the warning
and moves the booking from the list.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.demo import seed_demo_assessors
from community.models import Appointment, AppointmentService, ResourceAbsence
from community.services.appointments import appointment_book, slots
from tests import factories as f
from tests.browser_support import assert_accessible, follow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 375, "height": 800}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url  # set at 375 px throughout
    assert_accessible(page)


def test_team_leader_adds_a_part_day_absence_over_a_booking_and_moves_it(live_server, page, places, donna,
                                                                         notify_templates):
    team = f.TeamFactory(name="Blue Badge and Concessions", slug="blue-badge-concessions")
    service = AppointmentService.objects.create(
        code="blue-badge-mobility-assessment", name="Blue badge mobility assessment", description="In person.",
        team=team, location=places["near"], opens_at=dt.time(9, 30), closes_at=dt.time(15, 30), slot_minutes=45,
        cutoff_hours=24)
    bella = f.UserFactory(email="officer.bb@example.org", roles=["officer"], full_name="Bella Badges")
    f.TeamMembershipFactory(team=team, user=bella)
    leader = f.UserFactory(email="leader.bb@example.org", roles=["team_leader"], full_name="Terry Leader")
    f.TeamMembershipFactory(team=team, user=leader, is_leader=True)
    assert seed_demo_assessors(badge_officer=bella) == 9
    # A morning assessment two working days or more ahead: only Bella works mornings.
    starts = [s for s in slots(service) if s.date() >= timezone.localdate() + dt.timedelta(days=3)
              and timezone.localtime(s).time() == dt.time(10, 15)][0]
    booked = appointment_book(service=service, customer=donna, starts_at=starts, submission_key="browser-absence-01",
                              by=None)
    assert booked.resource.user == bella
    day = timezone.localdate(starts)

    page.set_viewport_size(PHONE)
    sign_in(page, leader)
    page.goto("/staff/")
    menu = page.get_by_role("button", name="Menu")
    if menu.count() and menu.first.is_visible():  # the phone's collapsed navigation
        menu.first.click()
    follow(page, "link", "Appointment staff and rooms")
    _fits(page)
    follow(page, "link", "Blue badge mobility assessment")
    _fits(page)
    follow(page, "link", "Bella Badges")
    _fits(page)
    follow(page, "link", "Add an absence")
    _fits(page)
    # Sent empty first: each error at its field, on the first submit.
    follow(page, "button", "Save the absence")
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose whole days or part of a day" in summary and "Choose why they are away" in summary
    _fits(page)
    page.get_by_label("Part of a day, like 10:00 to 12:00").check()
    page.locator("#id_starts_on_day").fill(str(day.day))
    page.locator("#id_starts_on_month").fill(str(day.month))
    page.locator("#id_starts_on_year").fill(str(day.year))
    page.get_by_label("From (part of a day)").fill("10:00")
    page.get_by_label("To (part of a day)").fill("12:00")
    page.get_by_label("Medical or other appointment").check()
    follow(page, "button", "Save the absence")
    # Before it is saved: how many bookings it affects.
    assert "This absence is over 1 booked appointment" in page.locator("#clash-warning").inner_text()
    assert not ResourceAbsence.objects.exists()
    _fits(page)
    page.screenshot(path="var/screens/absence-warning.png", full_page=True)
    follow(page, "button", "Save the absence over 1 booking")
    absence = ResourceAbsence.objects.get()
    assert not absence.is_whole_days and timezone.localtime(absence.starts_at).time() == dt.time(10)
    assert booked.reference in page.locator("#clashes").inner_text()
    _fits(page)
    # The day page warns of it too.
    page.goto(f"/staff/community/appointments/?day={day}")
    assert "1 appointment needs moving" in page.locator("#to-move").inner_text()
    _fits(page)
    follow(page, "link", f"Move {booked.reference}")
    _fits(page)
    page.locator("input[name=slot]").nth(0).check()
    follow(page, "button", "Move to this time")
    assert "Moved to" in page.locator(".govuk-notification-banner").first.inner_text()
    assert page.locator("#to-move").count() == 0
    _fits(page)
    page.screenshot(path="var/screens/absence-moved.png", full_page=True)
    booked.refresh_from_db()
    new = booked.moved_to
    assert booked.status == "cancelled" and new is not None and new.status == "booked"
    assert not (absence.starts_at < new.starts_at + dt.timedelta(minutes=45) and new.starts_at < absence.ends_at) \
        or new.resource.user != bella
    assert Appointment.objects.filter(status="booked").count() == 1
