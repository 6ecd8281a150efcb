"""In Chromium with axe: a resident cancels their paid parking permit and is told a refund is being processed;
the permits officer finds "Refund due" on the application page, confirms the amount and issues it through the
sandbox provider; the resident's message is in the outbox and their page says it was refunded."""
from __future__ import annotations

import re

import pytest

from applications.models import Entitlement
from applications.refunds import refund_due
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import SandboxCharge
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

from .conftest import officer_of
from .test_refused_change import _issued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_resident_cancels_and_the_officer_issues_the_refund(browser, live_server, page, migration_data, svc, rose):
    permit = _issued(svc, rose)
    officer = officer_of("parking-services", "permits.officer@example.org")

    sign_in(page, rose.user)
    page.goto(f"/account/entitlements/{permit.number}/")
    with page.expect_navigation():
        page.locator("#cancel").click()
    assert "Are you sure" in page.locator("h1").inner_text()
    assert "We will refund" in page.locator("#cancel-refund").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, cancel it").click()
    state = page.locator("#refund-state").inner_text()
    assert "being processed" in state and "contact us" not in state.lower()
    assert_accessible(page)
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.CANCELLED
    due = refund_due(permit.application)
    assert due.suggested_display in state

    context = _new_context(browser, live_server)
    try:
        staff = _new_page(context)
        sign_in(staff, officer)
        case = permit.application.case
        staff.goto(f"/staff/cases/{case.reference}/")
        with staff.expect_navigation():
            staff.locator("#application-link").click()
        assert "Refund due" in staff.locator("#refund-due").inner_text()
        assert due.suggested_display in staff.locator("#refund-due").inner_text()
        assert_accessible(staff)
        with staff.expect_navigation():
            staff.get_by_role("button", name="Issue the refund").click()
        assert staff.locator("h1").inner_text() == "Issue the refund"
        assert due.suggested_display in staff.locator("#refund-suggested").inner_text()
        # An empty reason first: the error summary, nothing refunded.
        with staff.expect_navigation():
            staff.get_by_role("button", name="Refund to the card").click()
        assert "Say why it is being refunded" in staff.locator(".govuk-error-summary").inner_text()
        assert staff.title().startswith("Error:")
        assert_accessible(staff)
        assert SandboxCharge.objects.get(payment_id=due.payment.provider_payment_id).refunded == 0
        staff.get_by_label("Why it is being refunded").fill("Holder cancelled the permit")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Refund to the card").click()
        assert re.search(r"£[\d.,]+ refunded", staff.locator(".govuk-notification-banner").inner_text())
        assert "Refund due" not in staff.content()
        assert_accessible(staff)
    finally:
        context.close()

    assert SandboxCharge.objects.get(payment_id=due.payment.provider_payment_id).refunded == due.suggested_pence
    told = OutboundMessage.objects.get(template_code="refund-made", customer=rose)
    assert due.suggested_display in told.body and permit.number in told.body
    page.goto(f"/account/entitlements/{permit.number}/")
    assert f"We refunded {due.suggested_display}" in page.locator("#refund-state").inner_text()
    assert_accessible(page)
