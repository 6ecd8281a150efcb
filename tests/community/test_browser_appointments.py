"""Book it journeys in Chromium at 375 px with axe:

- an officer offers mobility assessment times from a referred blue badge case, and the customer chooses one
  from the signed link in the message;
- the resident moves the appointment, and downloads it for their calendar;
- staff cancel an appointment on their day's list, with a reason the resident is told.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from community.models import Appointment, AppointmentOffer, AppointmentService
from community.services.appointments import appointment_book, slots
from oxtom.notify.models import OutboundMessage
from tests.browser_support import assert_accessible, sign_in
from tests.casework.factories import CaseFactory, ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 375, "height": 800}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    assert_accessible(page)


def _click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


@pytest.fixture
def assessment(team, places):
    return AppointmentService.objects.create(code="mobility", name="Blue badge mobility assessment",
                                             description="A face-to-face assessment.", team=team,
                                             location=places["near"], opens_at=dt.time(9, 30),
                                             closes_at=dt.time(15, 30), slot_minutes=45, cutoff_hours=24)


def test_officer_offers_times_from_a_case_and_the_customer_chooses_by_link(live_server, page, browser, assessment,
                                                                          team, officer_in_team, donna,
                                                                          notify_templates):
    case = CaseFactory(service=ServiceFactory(code="blue-badge-b", name="Blue badge", team=team,
                                              reference_prefix="BB"), customer=donna, title="Blue badge")
    page.set_viewport_size(PHONE)
    sign_in(page, officer_in_team)
    page.goto(f"/staff/cases/{case.reference}/")
    _click(page, "link", "Offer appointment times to the customer")
    _fits(page)
    _click(page, "button", "Send the times to the customer")  # nothing chosen: a clear error
    assert "Choose at least one time to offer" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    for i in range(3):
        page.locator("input[name=slots]").nth(i).check()
    page.get_by_label("Message to the customer (optional)").fill("Bring your walking aid, please.")
    _click(page, "button", "Send the times to the customer")
    assert "Times offered" in page.locator(".govuk-notification-banner").inner_text()
    assert "Waiting for the customer" in page.locator("main").inner_text()
    page.screenshot(path="var/screens/offer-case.png", full_page=True)
    offer = AppointmentOffer.objects.get()
    body = OutboundMessage.objects.get(idempotency_key=f"community:offer:{offer.pk}:made").body
    link = re.search(r"https?://[^/\s]+(/community/appointments/offers/\S+/)", body).group(1)
    # The customer opens the link from their email (not signed in).
    customer = browser.new_page(viewport=PHONE)
    customer.goto(live_server.url + link)
    _fits(customer)
    assert "Bring your walking aid" in customer.locator("main").inner_text()
    customer.locator("input[name=slot]").nth(1).check()
    with customer.expect_navigation():
        customer.get_by_role("button", name="Book this time").click()
    assert customer.locator(".govuk-panel__title").inner_text() == "Appointment booked"
    _fits(customer)
    customer.screenshot(path="var/screens/offer-chosen.png", full_page=True)
    appointment = Appointment.objects.get()
    assert appointment.case_reference == case.reference and appointment.starts_at.isoformat() == offer.slots[1]
    page.reload()
    assert appointment.reference in page.locator("#case-appointments + dl").inner_text()
    customer.close()


def test_resident_moves_their_appointment(live_server, page, assessment, donna, notify_templates):
    appointment = appointment_book(service=assessment, customer=donna, starts_at=slots(assessment)[0],
                                   submission_key="browser-move-0000000001", by=donna.user)
    page.set_viewport_size(PHONE)
    sign_in(page, donna.user)
    page.goto("/account/community/")
    _click(page, "link", "Blue badge mobility assessment")
    _fits(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Add it to your calendar (.ics file)").click()
    assert download.value.suggested_filename == f"{appointment.reference}.ics"
    _click(page, "link", "Move to another time")
    _fits(page)
    page.locator("input[name=slot]").nth(2).check()
    _click(page, "button", "Move to this time")
    assert "Moved to" in page.locator(".govuk-notification-banner").inner_text()
    _fits(page)
    page.screenshot(path="var/screens/moved.png", full_page=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and appointment.moved_to is not None
    assert OutboundMessage.objects.filter(customer=donna, idempotency_key__endswith=":moved").count() == 1


def test_staff_cancel_an_appointment_from_their_day(live_server, page, assessment, donna, officer_in_team,
                                                    notify_templates):
    appointment = appointment_book(service=assessment, customer=donna, starts_at=slots(assessment)[0],
                                   submission_key="browser-cancel-000000001", by=donna.user)
    page.set_viewport_size(PHONE)
    sign_in(page, officer_in_team)
    day = appointment.starts_at.astimezone(dt.timezone.utc).date()
    from django.utils import timezone

    page.goto(f"/staff/community/appointments/?day={timezone.localtime(appointment.starts_at).date()}")
    _fits(page)
    _click(page, "link", f"Cancel {appointment.reference}")
    _fits(page)
    _click(page, "button", "Cancel the appointment")
    assert "Enter why it is cancelled" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Why is it cancelled? (the customer is told)").fill("The assessor is unwell, sorry.")
    _click(page, "button", "Cancel the appointment")
    assert "has been told" in page.locator(".govuk-notification-banner").inner_text()
    page.screenshot(path="var/screens/staff-cancelled.png", full_page=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and day
    told = OutboundMessage.objects.get(customer=donna, idempotency_key__endswith=":cancelled")
    assert "The assessor is unwell" in told.body
