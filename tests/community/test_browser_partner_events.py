"""A partner proposes an event, a moderator approves it, and the partner reads feedback: Chromium, 375 px, axe."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.models import Event
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 375, "height": 800}


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    assert_accessible(page)


def _click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


def test_partner_event_goes_through_moderation(live_server, page, browser, services, partner, moderator,
                                               notify_templates):
    page.set_viewport_size(PHONE)
    sign_in(page, partner)
    page.goto("/community/partner/")
    _fits(page)
    _click(page, "link", "Add an event for Social Connections")
    _fits(page)
    _click(page, "button", "Send for approval")
    assert "Choose where it is held" in page.locator(".govuk-error-summary").inner_text()
    day = timezone.localdate() + dt.timedelta(days=12)
    page.get_by_label("Title").fill("Coffee morning")
    page.locator("input[name=location]").first.check()
    page.locator("#id_date_day").fill(str(day.day))
    page.locator("#id_date_month").fill(str(day.month))
    page.locator("#id_date_year").fill(str(day.year))
    page.get_by_label("Starts").fill("10:30")
    page.get_by_label("Ends").fill("12:00")
    page.get_by_label("Places").fill("15")
    page.get_by_label("How many weeks does it run?").fill("3")
    _click(page, "button", "Send for approval")
    assert "goes live once a moderator approves it" in page.locator(".govuk-notification-banner").inner_text()
    _fits(page)
    page.screenshot(path="var/screens/partner-event-sent.png", full_page=True)
    assert Event.objects.filter(status=Event.Status.PENDING).count() == 3
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    staff = context.new_page()
    sign_in(staff, moderator)
    staff.goto("/staff/community/")
    _click(staff, "link", "Coffee morning")
    _fits(staff)
    staff.get_by_label("Approve: it goes live for booking").check()
    _click(staff, "button", "Save the decision")
    assert "Approved: 3 events" in staff.locator(".govuk-notification-banner").inner_text()
    staff.screenshot(path="var/screens/moderator-approved.png", full_page=True)
    assert Event.objects.filter(status=Event.Status.SCHEDULED, title="Coffee morning").count() == 3
    page.goto(live_server.url + "/community/partner/feedback/")
    _fits(page)
    context.close()
