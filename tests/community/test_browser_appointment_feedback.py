"""Feedback after a council appointment, in Chromium at 375 px with axe: staff mark the appointment attended on
their day's list, the resident follows the link in the message and rates it (a missing rating first: a clear
error), and a council moderator sees it in the list of recent feedback, filtered to the service."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from community.models import AppointmentFeedback, AppointmentService
from community.services.appointments import appointment_book, slots
from oxtom.notify.models import OutboundMessage
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 375, "height": 800}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    assert_accessible(page)


def _click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


def test_resident_rates_an_attended_appointment_and_the_council_sees_it(live_server, page, browser, team,
                                                                       officer_in_team, donna, moderator,
                                                                       migration_data):
    callback = AppointmentService.objects.create(code="callback-fb", name="Contact centre callback",
                                                 description="We call you back.", team=team, opens_at=dt.time(9),
                                                 closes_at=dt.time(17), slot_minutes=30)
    appointment = appointment_book(service=callback, customer=donna, starts_at=slots(callback)[0],
                                   submission_key="browser-feedback-00000001", by=donna.user)
    page.set_viewport_size(PHONE)
    sign_in(page, officer_in_team)
    page.goto(f"/staff/community/appointments/?day={timezone.localtime(appointment.starts_at).date()}")
    _fits(page)
    _click(page, "button", re.compile(f"^Came.*{appointment.reference}$"))
    ask = OutboundMessage.objects.get(idempotency_key=f"community:appointment:{appointment.pk}:feedback-ask")
    link = re.search(r"https?://[^/\s]+(/\S+)", ask.body).group(1)

    # The resident, in their own browser, follows the link from the message.
    resident_context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    resident = resident_context.new_page()
    sign_in(resident, donna.user)
    resident.goto(link)
    _fits(resident)
    resident.get_by_label("Anything you would like to tell us? (optional)").fill("Rang on time; very clear.")
    _click(resident, "button", "Send feedback")  # no rating chosen
    assert "Select how you rate it, from 1 to 5" in resident.locator(".govuk-error-summary").inner_text()
    assert resident.title().startswith("Error: ")
    _fits(resident)
    resident.get_by_label("4 - Good").check()
    _click(resident, "button", "Send feedback")
    assert "Thank you" in resident.locator(".govuk-notification-banner").inner_text()
    assert "4 out of 5" in resident.locator("main").inner_text()
    _fits(resident)
    resident.screenshot(path="var/screens/appointment-feedback.png", full_page=True)
    resident_context.close()
    assert AppointmentFeedback.objects.get().comment == "Rang on time; very clear."

    staff_context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    staff = staff_context.new_page()
    sign_in(staff, moderator)
    staff.goto("/staff/community/")
    _click(staff, "link", "recent feedback on events and appointments")
    _fits(staff)
    staff.get_by_label("Service", exact=True).select_option(label="Contact centre callback (appointment)")
    _click(staff, "button", "Show feedback")
    table = staff.locator("#recent-feedback").inner_text()
    assert "Rang on time; very clear." in table and "4 out of 5" in table and "Contact centre callback" in table
    _fits(staff)
    staff.screenshot(path="var/screens/recent-feedback.png", full_page=True)
    staff_context.close()
