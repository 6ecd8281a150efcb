"""The community journeys in Chromium with axe, with and without JavaScript:

- Donna finds a group near her by need, books her mother onto the next event and gets the reminder;
- a partner's change goes through moderation (the moderator sees what changed);
- an adviser books an event for a resident in an acting-for session.
"""
from __future__ import annotations

import datetime as dt

import pytest

from community.models import Booking, ChangeRequest, Service
from community.services.bookings import send_reminders
from oxtom.notify.models import OutboundMessage
from tests.browser_support import assert_accessible, sign_in

from .conftest import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


@pytest.mark.parametrize("js", [True, False], ids=["with-js", "no-js"])
def test_donna_finds_a_group_near_her_and_books_her_mother(request, live_server, services, donna, dorothy,
                                                          county_cover, notify_templates, js):
    page = request.getfixturevalue("page" if js else "no_js_page")
    # axe needs JavaScript: the same pages are checked in the with-js run.
    check = assert_accessible if js else (lambda p: None)
    event = make_event(services["social"], days=2, cutoff=12)
    sign_in(page, donna.user)
    page.goto("/community/")
    # "For you" first: Dorothy's needs and Donna's interests.
    assert "Social Connections" in page.locator("#for-you").inner_text()
    check(page)
    page.get_by_label("Postcode (optional)").fill("OX4 1AB")
    page.get_by_label("Loneliness and social connection").check()
    _click(page, "button", "Search")
    results = page.locator("#results")
    assert "nearest first" in page.locator("#results-heading").inner_text()
    assert results.locator("h3").first.inner_text() == "Social Connections"
    assert "away" in results.inner_text()
    check(page)
    _click(page, "link", "Social Connections")
    assert page.get_by_role("heading", level=1).inner_text() == "Social Connections"
    check(page)
    page.locator("#events a").first.click()
    page.wait_for_url(f"**/community/events/{event.pk}/")
    _click(page, "link", "Book a place")
    check(page)
    page.get_by_label("Dorothy (Mother)").check()
    _click(page, "button", "Book")
    assert page.locator(".govuk-panel__title").inner_text() == "Booked"
    check(page)
    booking = Booking.objects.get()
    assert booking.attendee == dorothy and booking.status == Booking.Status.CONFIRMED
    assert OutboundMessage.objects.filter(customer=donna, idempotency_key__endswith=":confirmed").exists()
    # The day before, the reminder goes through the outbox.
    assert send_reminders(now=event.starts_at - dt.timedelta(hours=20)) == 1
    reminder = OutboundMessage.objects.get(idempotency_key=f"community:booking:{booking.pk}:reminder")
    assert "Dorothy" in reminder.body and "Social Connections" in reminder.body
    page.goto("/account/community/")
    assert "Social Connections" in page.locator("#bookings").inner_text()
    check(page)


def test_a_partners_change_goes_through_moderation(live_server, page, browser, services, partner, moderator,
                                                   notify_templates):
    social = services["social"]
    sign_in(page, partner)
    page.goto("/community/partner/")
    assert_accessible(page)
    page.get_by_role("link", name="Change Social Connections").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("Description").fill("Tea, chat, games and now a monthly singing session.")
    _click(page, "button", "Send for approval")
    assert "Sent to the council for approval" in page.locator("main").inner_text()
    assert "Waiting for a moderator" in page.locator("#changes").inner_text()
    assert_accessible(page)
    assert Service.objects.get(pk=social.pk).description == "Social Connections description"

    staff = browser.new_context(base_url=live_server.url).new_page()
    sign_in(staff, moderator)
    staff.goto("/staff/community/")
    assert_accessible(staff)
    _click(staff, "link", "Social Connections")
    diff = staff.locator("#diff").inner_text()
    assert "monthly singing session" in diff and "Social Connections description" in diff and "Changed" in diff
    assert_accessible(staff)
    _click(staff, "button", "Approve and publish")
    assert "Approved" in staff.locator("main").inner_text()
    assert Service.objects.get(pk=social.pk).description.endswith("monthly singing session.")
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.APPROVED
    assert OutboundMessage.objects.filter(recipient=partner.email).exists()
    staff.context.close()


def test_an_adviser_books_for_a_resident_while_acting_for_them(live_server, page, adviser, services, donna, dorothy,
                                                               notify_templates):
    event = make_event(services["social"], days=3)
    sign_in(page, adviser)
    page.goto(f"/staff/assist/customers/{donna.reference}/session/")
    page.locator("input[name=channel][value=phone]").check()
    page.locator("input[name=customer_present]").first.check()
    _click(page, "button", "Start session")
    page.goto(f"/community/events/{event.pk}/")
    assert "You are acting for" in page.locator("body").inner_text()
    _click(page, "link", "Book a place")
    page.get_by_label("Dorothy (Mother)").check()
    page.get_by_label("Access needs (optional)").fill("Needs a seat near the door")
    assert_accessible(page)
    _click(page, "button", "Book")
    assert page.locator(".govuk-panel__title").inner_text() == "Booked"
    booking = Booking.objects.get()
    assert booking.booker == donna and booking.on_behalf_of and booking.booked_by == adviser
    assert booking.access_needs == "Needs a seat near the door"
