"""In Chromium with axe: the parking officer finds a paid permit the eligibility rules issued with no case, opens
its application's page, revokes it (a missing reason first: the error summary), sees the refund due, issues it
through the sandbox provider, and the resident's "refund-made" text is in the development SMS sink."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Entitlement
from applications.refunds import refund_due
from oxtom.customers.models import Customer
from oxtom.notify.models import OutboundMessage
from oxtom.notify.selectors import sms_sink
from oxtom.notify.services import message_dispatch
from oxtom.payments.models import SandboxCharge
from tests.browser_support import assert_accessible, sign_in

from .conftest import officer_of
from .test_refused_change import _issued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_officer_revokes_an_auto_issued_permit_and_refunds_it(page, live_server, migration_data, svc, rose,
                                                                  settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    Customer.objects.filter(pk=rose.pk).update(phone="+447700900461", preferred_channel="sms")
    case_service = svc("parking-permit").case_service
    case_service.qa_sample_rate = 0  # decided by the rules and never sampled: no case at all
    case_service.save(update_fields=["qa_sample_rate"])
    permit = _issued(svc, rose)
    assert permit.application.case_id is None
    starts = timezone.localdate() - dt.timedelta(days=90)  # bought three months ago
    Entitlement.objects.filter(pk=permit.pk).update(starts_on=starts,
                                                    expires_on=starts.replace(year=starts.year + 1) - dt.timedelta(days=1))
    officer = officer_of("parking-services", "permits.officer@example.org")

    sign_in(page, officer)
    page.goto("/staff/applications/")
    assert_accessible(page)
    page.get_by_label("Permit, badge or pass number").fill(permit.number.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Find it").click()
    assert page.locator("h1").inner_text() == f"Application {permit.application.reference}"
    assert "no case" in page.locator("#no-case").inner_text()
    assert_accessible(page)

    revoke = page.get_by_role("button", name=f"Revoke {permit.number}")
    with page.expect_navigation():
        revoke.click()
    assert "Say why it is being revoked" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE

    page.get_by_label("Why it is being revoked").fill("The vehicle is not kept at the address")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Revoke {permit.number}").click()
    assert "revoked" in page.locator(".govuk-notification-banner").inner_text()
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.REVOKED
    due = refund_due(permit.application)
    assert due is not None and due.suggested_display in page.locator("#refund-due").inner_text()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Issue the refund").click()
    assert page.locator("h1").inner_text() == "Issue the refund"
    assert_accessible(page)
    page.get_by_label("Why it is being refunded").fill("Permit revoked")
    with page.expect_navigation():
        page.get_by_role("button", name="Refund to the card").click()
    assert f"{due.suggested_display} refunded" in page.locator(".govuk-notification-banner").inner_text()
    assert "Refund due" not in page.content()
    assert_accessible(page)

    assert SandboxCharge.objects.get(payment_id=due.payment.provider_payment_id).refunded == due.suggested_pence
    told = OutboundMessage.objects.get(template_code="refund-made", customer=rose)
    assert told.channel == "sms" and due.suggested_display in told.body and permit.number in told.body
    message_dispatch(message_id=told.pk)  # what the worker does with it (a no-op if it was sent already)
    assert any(due.suggested_display in sms.body and permit.number in sms.body and sms.to.endswith("0461")
               for sms in sms_sink()), "the resident's text is in the SMS sink"
