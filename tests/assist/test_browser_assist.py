"""End to end in Chromium with axe: an adviser helps a caller by phone; a resident and an adviser webchat."""
from __future__ import annotations

import pytest

from oxtom.customers.models import AssistedSession, Interaction, WebChat
from tests.browser_support import assert_accessible, sign_in
from tests.browser_support import _new_context, _new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_adviser_finds_a_customer_acts_for_them_by_phone_and_changes_their_details(page, adviser, customer, reasons):
    sign_in(page, adviser)
    page.goto("/staff/assist/")
    assert_accessible(page)
    page.get_by_label("Search for a customer").fill("Rose Baker")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Rose Baker").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Rose Baker"
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Act for this customer").click()
    assert_accessible(page)
    page.get_by_label("Telephone").check()
    page.locator("#id_customer_present_0").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start session").click()
    banner = page.locator(".oxtom-assist-banner")
    assert f"You are acting for Rose Baker ({customer.reference})" in banner.inner_text()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Change their contact details").click()
    assert "You are acting for Rose Baker" in page.locator(".oxtom-assist-banner").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Change their details"
    assert_accessible(page)
    page.get_by_label("Telephone number (optional)").fill("07700 900 982")
    with page.expect_navigation():
        page.get_by_role("button", name="Save their details").click()
    assert "Their details have been saved" in page.locator("main").inner_text()

    with page.expect_navigation():
        page.get_by_role("button", name="End session").click()
    assert page.url.split("?")[0].endswith("/staff/assist/")
    assert page.locator(".oxtom-assist-banner").count() == 0
    assert_accessible(page)

    customer.refresh_from_db()
    assert customer.phone == "+447700900982"
    change = Interaction.objects.get(kind="customer.updated", customer=customer)
    assert change.actor == adviser and change.on_behalf_of and change.channel == "phone"
    assert AssistedSession.objects.get().ended_at is not None


def test_a_resident_opens_a_webchat_and_an_adviser_answers(browser, live_server, page, adviser, resident_a):
    resident = page
    sign_in(resident, resident_a)
    resident.goto("/chat/?from=/apply/")
    assert_accessible(resident)
    resident.get_by_label("Your message").fill("I am stuck on the permit form")
    with resident.expect_navigation():
        resident.get_by_role("button", name="Start chat").click()
    assert "Waiting for an adviser" in resident.locator("main").inner_text()
    assert_accessible(resident)

    staff_context = _new_context(browser, live_server)
    try:
        staff = _new_page(staff_context)
        sign_in(staff, adviser)
        staff.goto("/staff/assist/chats/")
        assert "/apply/" in staff.locator("main").inner_text()
        assert_accessible(staff)
        chat = WebChat.objects.get()
        with staff.expect_navigation():
            staff.get_by_role("link", name=f"chat {chat.pk}").click()
        with staff.expect_navigation():
            staff.get_by_role("button", name="Answer this chat").click()
        assert "Alice Resident" in staff.locator("main").inner_text()
        staff.get_by_label("Your message").fill("Hello Alice, which part?")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Send").click()
        assert_accessible(staff)

        # The resident's page polls (webchat.js) and shows the reply without a reload.
        resident.locator("#chat-messages").get_by_text("Hello Alice, which part?").wait_for(timeout=12_000)
        resident.get_by_label("Your message").fill("The registration number")
        with resident.expect_navigation():
            resident.get_by_role("button", name="Send").click()
        staff.reload()
        assert "The registration number" in staff.locator("#chat-messages").inner_text()

        with staff.expect_navigation():
            staff.get_by_role("button", name="End chat").click()
        assert "Chat closed" in staff.locator("main").inner_text()
        assert not resident.console_errors and not staff.console_errors
    finally:
        staff_context.close()
    assert Interaction.objects.filter(kind="webchat.transcript", customer__user=resident_a).exists()


def test_other_assist_pages_are_accessible(page, adviser, customer, other_customer, reasons, message_templates):
    sign_in(page, adviser)
    for path in (f"/staff/assist/customers/{customer.reference}/contact/", "/staff/assist/contact/",
                 f"/staff/assist/customers/{customer.reference}/coach/", "/staff/assist/new/",
                 "/staff/assist/chats/", "/account/details/done-for-you/"):
        page.goto(path)
        assert_accessible(page)
    # Errors: the summary and the "Error:" title.
    page.goto(f"/staff/assist/customers/{customer.reference}/contact/")
    with page.expect_navigation():
        page.get_by_role("button", name="Log contact").click()
    assert page.title().startswith("Error: ")
    assert "Select why they contacted us" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    # The refusal page inside a session.
    page.goto(f"/staff/assist/customers/{customer.reference}/session/")
    page.get_by_label("Face to face").check()
    page.locator("#id_customer_present_1").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start session").click()
    page.goto(f"/staff/assist/customers/{other_customer.reference}/")
    assert page.get_by_role("heading", level=1).inner_text() == "You can’t see another customer’s details in this session"
    assert "peter.jones@example.org" not in page.content()
    assert_accessible(page)

