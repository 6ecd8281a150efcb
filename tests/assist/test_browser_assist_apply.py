"""End to end in Chromium with axe: an adviser applies and pays (MOTO) for a parking permit for a caller,
ends the session, and the resident then sees the permit in their own account."""
from __future__ import annotations

from datetime import date

import pytest

from applications.models import Application, Entitlement
from oxtom.customers.models import AssistedSession, Customer, Interaction
from oxtom.payments.models import Payment
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _application_catalogue(transactional_db):
    """The seeded services, seeded again: a transactional test before this one flushed migration data."""
    from django.apps import apps

    from applications.seed import seed

    seed(apps)


def _click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).click()


def test_adviser_applies_and_pays_for_a_permit_by_phone_then_resident_sees_it(browser, live_server, page, adviser,
                                                                              resident_a, tmp_path):
    letter = tmp_path / "v5c.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    sign_in(page, adviser)
    page.goto("/staff/assist/")
    page.get_by_label("Search for a customer").fill("Alice Resident")
    _click(page, "button", "Search")
    _click(page, "link", "Alice Resident")
    _click(page, "link", "Act for this customer")
    page.get_by_label("Telephone").check()
    page.locator("#id_customer_present_0").check()
    _click(page, "button", "Start session")
    _click(page, "link", "Apply for a parking permit, blue badge or bus pass")
    assert "You are acting for Alice Resident" in page.locator(".oxtom-assist-banner").inner_text()
    assert_accessible(page)
    _click(page, "link", "Residents' parking permit")
    _click(page, "button", "Start now")
    # Alice's address is on her record: not asked again.
    assert page.get_by_role("heading", level=1).inner_text() == "Do you live at this address?"
    page.get_by_label("Yes").check()
    _click(page, "button", "Continue")
    page.get_by_label("Vehicle registration number").fill("AB12 CDE")
    _click(page, "button", "Continue")
    page.get_by_label("Yes").check()
    _click(page, "button", "Continue")
    page.get_by_label("Me", exact=True).check()
    _click(page, "button", "Continue")
    page.get_by_label("Vehicle registration document").set_input_files(str(letter))
    _click(page, "button", "Continue")
    assert "Their details" in page.locator("main").inner_text()
    assert_accessible(page)
    _click(page, "button", "Accept and send")
    application = Application.objects.get()
    assert application.customer == resident_a.customer and application.submitted_by == adviser
    assert application.channel == "phone"
    assert_accessible(page)

    _click(page, "button", "Pay £65.00 now")
    assert "/pay/sandbox/" in page.url
    page.get_by_label("Card number").fill("4444 3333 2222 1111")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill(str(date.today().year + 3))
    page.get_by_label("Name on card").fill("Alice Resident")
    page.get_by_label("Card security code").fill("321")
    _click(page, "button", "Continue")
    assert "Payment received" in page.locator("h1").inner_text()
    _click(page, "link", "Continue")
    entitlement = Entitlement.objects.get()
    assert page.locator("#entitlement-number").inner_text() == entitlement.number
    assert_accessible(page)
    payment = Payment.objects.get()
    assert payment.moto and payment.customer == resident_a.customer

    _click(page, "button", "End session")
    assert page.locator(".oxtom-assist-banner").count() == 0
    assert AssistedSession.objects.get().ended_at is not None
    assert not Customer.objects.filter(user=adviser).exists()
    done = Interaction.objects.filter(customer=resident_a.customer, kind="application.submitted").get()
    assert done.actor == adviser and done.on_behalf_of

    # The resident, in their own browser, finds the permit in their account.
    page.context.clear_cookies()
    sign_in(page, resident_a)
    page.goto("/account/entitlements/")
    assert entitlement.number in page.locator("#entitlements").inner_text()
    assert application.reference in page.locator("#applications").inner_text()
    assert_accessible(page)
    # exact: the row's print link also names the number ("Download RP-... (PDF)").
    with page.expect_navigation():
        page.get_by_role("link", name=entitlement.number, exact=True).click()
    assert "AB12 CDE" in page.locator("#entitlement").inner_text()
    page.goto("/account/details/done-for-you/")
    assert application.reference in page.locator("main").inner_text()  # what the adviser did for her
