"""End to end in Chromium with axe: webchat out of hours and after the adviser has ended the chat,
and the staff home with the officer's work and the find-a-case box (also at 375 px)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases.models import Status
from oxtom.customers import services as customer_services
from oxtom.customers.models import WebChat
from tests.browser_support import assert_accessible, sign_in
from tests.casework.factories import CaseFactory, ServiceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _main(page) -> str:
    return page.locator("main").inner_text()


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_out_of_hours_the_chat_page_says_when_advisers_are_back(page, settings):
    # A minute's window late at night: closed whenever this runs (except in that minute).
    settings.WEBCHAT_HOURS = "23:58-23:59"
    page.goto("/chat/?from=/apply/")
    assert_accessible(page)
    text = _main(page)
    assert "Webchat is closed" in text and "It opens again at 11:58pm on" in text
    assert "Monday to Friday, 11:58pm to 11:59pm, except bank holidays" in text
    assert page.get_by_role("button", name="Start chat").count() == 0
    assert page.locator("#out-of-hours").get_by_role("link", name="report a problem").count() == 1
    _fits_a_phone(page)


def test_a_message_sent_after_the_adviser_ended_the_chat_is_kept_for_a_new_chat(page, adviser):
    page.goto("/chat/")
    page.get_by_label("Your message").fill("My bus pass has not arrived")
    with page.expect_navigation():
        page.get_by_role("button", name="Start chat").click()
    chat = WebChat.objects.get()
    customer_services.chat_take(chat=chat, by=adviser)
    customer_services.chat_close(chat=chat, by=adviser)

    # The resident had the page open and sends one more message.
    page.get_by_label("Your message").fill("It was posted to my old address")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert_accessible(page)
    text = _main(page)
    assert "your message was not sent" in text.lower()
    assert page.get_by_label("Your message").input_value() == "It was posted to my old address"
    assert page.get_by_role("link", name="Download a transcript of the chat").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name="Start chat").click()
    assert "It was posted to my old address" in page.locator("#chat-messages").inner_text()
    assert_accessible(page)
    new = WebChat.objects.exclude(pk=chat.pk).get()
    assert new.messages.get().body == "It was posted to my old address"
    assert not page.console_errors


def test_a_signed_in_resident_reads_their_chat_transcript(page, resident_a):
    sign_in(page, resident_a)
    page.goto("/chat/")
    page.get_by_label("Your message").fill("Where is my permit?")
    with page.expect_navigation():
        page.get_by_role("button", name="Start chat").click()
    with page.expect_navigation():
        page.get_by_role("button", name="End chat").click()
    page.goto("/chat/your-chats/")
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#your-chats a").first.click()
    assert "Where is my permit?" in page.locator("#chat-messages").inner_text()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the transcript (text file)").click()
    body = open(download.value.path(), encoding="utf-8").read()
    assert "You: Where is my permit?" in body


def test_staff_home_shows_my_work_and_finds_a_case(page, officer_in_team, team, other_team):
    service = ServiceFactory(team=team, name="Potholes")
    today = timezone.localdate()
    CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-LATE01", due_at=today - dt.timedelta(days=2),
                status=Status.IN_PROGRESS)
    CaseFactory(service=service, assignee=officer_in_team, reference="HW-2026-SOON01", due_at=today)
    CaseFactory(service=ServiceFactory(team=other_team), reference="HW-2026-THEIRS")
    sign_in(page, officer_in_team)
    page.goto("/staff/")
    assert_accessible(page)
    work = page.locator("#my-work").inner_text()
    assert "2 open cases assigned to you" in work and "1 overdue" in work and "1 due soon" in work
    assert work.index("HW-2026-LATE01") < work.index("HW-2026-SOON01")

    page.get_by_label("Find a case by its reference").fill("hw-2026-soon01")
    with page.expect_navigation():
        page.get_by_role("button", name="Go to case").click()
    assert page.url.endswith("/staff/cases/HW-2026-SOON01/")

    page.goto("/staff/")
    page.get_by_label("Find a case by its reference").fill("HW-2026-THEIRS")
    with page.expect_navigation():
        page.get_by_role("button", name="Go to case").click()
    assert_accessible(page)
    assert "No case with the reference HW-2026-THEIRS was found" in _main(page)
    assert page.title().startswith("Error: ")
    page.goto("/staff/")
    _fits_a_phone(page)
