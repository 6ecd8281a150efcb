"""In Chromium with axe, without JavaScript: errors twice on one step of "Report it" bring an inline offer of
an adviser by chat; the resident starts the chat from it, and the adviser sees the step and the questions."""
from __future__ import annotations

import pytest

from oxtom.customers.models import ChatOffer, WebChat
from tests.browser_support import sign_in

from .test_browser_report import check_accessible, click, heading, no_js, postcode, start_and_choose_pothole  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_chat_offer_after_two_errors_without_javascript(no_js, page, catalogue, postcode, adviser):
    resident = no_js
    start_and_choose_pothole(resident)
    assert resident.get_by_role("link", name="Need help with this page? Chat with an adviser").is_visible()
    resident.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    click(resident, "button", "Continue")
    assert heading(resident) == "Tell us about the problem"
    click(resident, "button", "Continue")  # nothing entered: errors once, no offer yet
    assert resident.title().startswith("Error: ")
    assert resident.locator("#chat-offer").count() == 0
    resident.get_by_label("How deep is it, in millimetres?").fill("twelve-ish")
    click(resident, "button", "Continue")  # errors again on the same step: the offer
    offer_box = resident.locator("#chat-offer")
    assert "An adviser can help you" in offer_box.inner_text()
    click(resident, "link", "Chat with an adviser about this page")
    resident.get_by_label("Your message").fill("I can't measure the hole")
    click(resident, "button", "Start chat")
    chat = WebChat.objects.get()
    offer = ChatOffer.objects.get()
    assert offer.chat_id == chat.pk and chat.page == "/report/details/"

    sign_in(page, adviser)
    page.goto(f"/staff/assist/chats/{chat.pk}/")
    check_accessible(page)
    text = page.locator("main").inner_text()
    assert "/report/details/" in text and "Questions in error" in text and "twelve-ish" not in text


def _to_the_offer(resident):
    start_and_choose_pothole(resident)
    resident.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    click(resident, "button", "Continue")
    click(resident, "button", "Continue")  # errors once
    resident.get_by_label("How deep is it, in millimetres?").fill("twelve-ish")
    click(resident, "button", "Continue")  # errors again: the offer


def test_chat_offer_opens_as_a_panel_with_javascript(page, browser, live_server, catalogue, postcode, adviser):
    """With JavaScript the same link opens a panel on the step: focus moves into it, an empty message is
    refused in the panel, a message is sent to the adviser and shown (aria-live), Escape closes it and
    gives focus back to the link, and the resident never left the page they were stuck on."""
    from oxtom.customers.models import ChatMessage
    from tests.browser_support import _new_context, _new_page

    resident = page
    _to_the_offer(resident)
    step = resident.url
    link = resident.get_by_role("link", name="Chat with an adviser about this page")
    link.click()
    panel = resident.locator("#chat-panel")
    assert panel.is_visible() and resident.url == step, "opened on the page, not a new one"
    assert resident.evaluate("document.activeElement.id") == "chat-panel-title"
    assert resident.locator("#chat-panel-messages").get_attribute("aria-live") == "polite"
    check_accessible(resident)

    resident.get_by_role("button", name="Send message").click()
    assert "Enter a message" in resident.locator("#chat-panel-error").inner_text()
    assert resident.evaluate("document.activeElement.id") == "chat-panel-message"
    check_accessible(resident)

    resident.get_by_label("Your message").fill("<script>alert(1)</script>")  # hostile: refused, said why
    resident.get_by_role("button", name="Send message").click()
    resident.locator("#chat-panel-error", has_text="can’t include code or HTML").wait_for()
    assert not WebChat.objects.exists()

    resident.get_by_label("Your message").fill("I can't measure the hole & it's \"deep\"")
    resident.get_by_role("button", name="Send message").click()
    resident.locator("#chat-panel-messages li", has_text="I can't measure the hole & it's").wait_for()
    assert resident.locator("#chat-panel-error").is_hidden()
    chat = WebChat.objects.get()
    assert ChatMessage.objects.filter(chat=chat, body__startswith="I can't measure").count() == 1
    assert ChatOffer.objects.get().chat_id == chat.pk and chat.page == "/report/details/"

    resident.keyboard.press("Escape")
    assert panel.is_hidden() and resident.evaluate("document.activeElement.id") == "chat-offer-link"
    assert resident.url == step
    # The one failed request is the refused hostile message (400, shown in the panel); nothing else failed.
    assert [e for e in resident.console_errors if "status of 400" not in e] == [], resident.console_errors

    staff = _new_context(browser, live_server)
    try:
        adviser_page = _new_page(staff)
        sign_in(adviser_page, adviser)
        adviser_page.goto(f"/staff/assist/chats/{chat.pk}/")
        check_accessible(adviser_page)
        text = adviser_page.locator("main").inner_text()
        assert "I can't measure the hole" in text and "/report/details/" in text and "twelve-ish" not in text
    finally:
        staff.close()

    # Opened again, the panel carries on the same chat: the next message goes to it, not a new chat.
    link.click()
    resident.locator("#chat-panel-messages li").first.wait_for()
    resident.get_by_label("Your message").fill("Still here")
    resident.get_by_role("button", name="Send message").click()
    resident.locator("#chat-panel-messages li", has_text="Still here").wait_for()
    assert WebChat.objects.count() == 1 and ChatMessage.objects.filter(chat=chat, body="Still here").count() == 1
