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
