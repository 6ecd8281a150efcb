"""End to end in Chromium: a second analyst approves and publishes a Cabinet report; a councillor opens it
from the email's link target, compares its exceptions with the month before and the public reads its copy.
axe-core on every page."""
from __future__ import annotations

import pytest

from oxtom.notify.models import MessageTemplate, OutboundMessage
from performance import messages, publication
from tests.browser_support import assert_accessible, sign_in

from .test_cabinet_publication import MARCH, months_closed, report_for  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_second_analyst_publishes_and_a_councillor_reads_and_compares(
        page, months_closed, analyst, second_analyst, councillor_of_division):  # noqa: F811
    messages.seed_templates(MessageTemplate)
    publication.cabinet_report_approve(report=report_for(MARCH), by=second_analyst)

    sign_in(page, analyst)
    page.goto("/staff/performance/reports/2026-04/")
    assert page.locator("#needs-approval").is_visible()
    assert page.get_by_role("button", name="Approve and publish").count() == 0
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, second_analyst)
    page.goto("/staff/performance/reports/2026-04/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Approve and publish").click()
    assert "is published" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    message = OutboundMessage.objects.get(template_code="cabinet-report-published", recipient=councillor_of_division.email,
                                          body__contains="April 2026")
    link = message.body.split("\n")[-3]
    assert link.endswith("/members/reports/2026-04/")

    page.context.clear_cookies()
    sign_in(page, councillor_of_division)
    page.goto("/members/division/")
    with page.expect_navigation():
        page.locator("#latest-cabinet-report").get_by_role("link", name="April 2026").click()
    assert page.url.endswith("/members/reports/2026-04/")
    assert "Typical wait for a repair" in page.locator("#new-exceptions").inner_text()
    assert "Resident satisfaction" in page.locator("#resolved-exceptions").inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_navigation():
        page.get_by_role("link", name="All reports").click()
    assert page.locator("#report-series").get_by_role("link", name="March 2026").is_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    page.goto("/divisions/")
    with page.expect_navigation():
        page.get_by_role("link", name="Monthly performance reports for Cabinet").click()
    with page.expect_navigation():
        page.get_by_role("link", name="April 2026").click()
    assert "Internal staffing measure" not in page.content()
    assert_accessible(page)
