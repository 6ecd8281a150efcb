"""Webchat: a message sent after the adviser ended the chat is kept; out of hours the page says so
and no chat starts; residents can read and download their transcripts (only their own)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from oxtom.core.opening_hours import OpeningHours, clock, when
from oxtom.customers.models import ChatMessage, WebChat
from oxtom.customers.webchat_views import TOKEN_KEY, UNSENT_KEY

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
HOURS = OpeningHours.parse("09:00-17:00")


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


# --- opening hours -------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, is_open", [
    (_at(2026, 12, 2, 10, 0), True),     # Wednesday morning
    (_at(2026, 12, 2, 8, 59), False),    # before opening
    (_at(2026, 12, 2, 17, 0), False),    # closing time is closed
    (_at(2026, 12, 5, 12, 0), False),    # Saturday
    (_at(2026, 12, 25, 12, 0), False),   # Christmas Day (a Friday), a bank holiday
    (_at(2026, 12, 28, 12, 0), False),   # Boxing Day substitute, a bank holiday
    (_at(2026, 12, 29, 12, 0), True),
])
def test_opening_hours_use_the_bank_holiday_calendar(moment, is_open):
    assert HOURS.is_open(moment) is is_open


def test_next_opening_skips_weekends_and_bank_holidays():
    assert HOURS.next_opening(_at(2026, 12, 24, 18, 0)) == _at(2026, 12, 29, 9, 0)
    assert HOURS.next_opening(_at(2026, 12, 2, 7, 30)) == _at(2026, 12, 2, 9, 0)
    assert HOURS.next_opening(_at(2026, 12, 2, 10, 0)) is None
    assert when(_at(2026, 12, 29, 9, 0)) == "9am on Tuesday 29 December"
    assert (clock(dt.time(17, 30)), clock(dt.time(12, 0))) == ("5:30pm", "midday")


@pytest.mark.parametrize("text", ["9 to 5", "17:00-09:00", "09:00-09:00", "", "always open", "25:00-26:00"])
def test_bad_opening_hours_fail_loudly(text):
    with pytest.raises(ImproperlyConfigured):
        OpeningHours.parse(text, name="WEBCHAT_HOURS")


# --- out of hours ----------------------------------------------------------------------------------

@pytest.fixture
def closed(settings, monkeypatch):
    """Saturday lunchtime, with the real hours."""
    settings.WEBCHAT_HOURS = "09:00-17:00"
    from django.utils import timezone
    monkeypatch.setattr(timezone, "now", lambda: _at(2026, 12, 5, 12, 0).astimezone(dt.timezone.utc))


def test_out_of_hours_the_page_says_when_webchat_opens_and_offers_no_chat(client, closed):
    html = client.get(reverse("webchat:home")).content.decode()
    assert 'id="out-of-hours"' in html and "Webchat is closed" in html
    assert "It opens again at 9am on Monday 7 December" in html
    assert "Monday to Friday, 9am to 5pm, except bank holidays" in html
    assert "Start chat" not in html


def test_out_of_hours_a_posted_chat_is_refused_and_the_words_kept(client, closed):
    response = client.post(reverse("webchat:home"), {"message": "Is anyone there?", "client_key": "k"})
    html = response.content.decode()
    assert response.status_code == 409 and "<title>Error: " in html
    assert "Webchat is closed. It opens again at 9am on Monday 7 December" in html
    assert WebChat.objects.count() == 0


def test_in_hours_the_page_gives_the_hours_and_the_form(client, settings):
    settings.WEBCHAT_HOURS = "always"
    html = client.get(reverse("webchat:home")).content.decode()
    assert "Start chat" in html and 'id="out-of-hours"' not in html


# --- a message after the chat ended ------------------------------------------------------------------

def _chat_ended_by_adviser(client, adviser):
    client.post(reverse("webchat:home"), {"message": "My permit", "client_key": "k1"})
    chat = WebChat.objects.get()
    staff = Client()
    staff.force_login(adviser)
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    staff.post(reverse("assist:chat_close", args=[chat.pk]))
    return chat


def test_a_message_sent_after_the_adviser_ended_the_chat_is_kept_and_offered_for_a_new_chat(client, adviser):
    chat = _chat_ended_by_adviser(client, adviser)
    response = client.post(reverse("webchat:send"), {"message": "One more thing: the vehicle is new", "client_key": "k2"},
                           follow=True)
    html = response.content.decode()
    assert "the adviser had ended the chat, so your message was not sent" in html.lower()
    # It is in the box that starts a new chat, not lost.
    assert "One more thing: the vehicle is new</textarea>" in html and "Start chat" in html
    assert not ChatMessage.objects.filter(chat=chat, body__contains="vehicle is new").exists()
    client.post(reverse("webchat:home"), {"message": "One more thing: the vehicle is new", "client_key": "k3"})
    new = WebChat.objects.exclude(pk=chat.pk).get()
    assert new.messages.get().body == "One more thing: the vehicle is new"
    assert UNSENT_KEY not in client.session


def test_the_kept_message_out_of_hours_is_shown_back_with_other_ways_to_reach_us(client, adviser, settings, monkeypatch):
    _chat_ended_by_adviser(client, adviser)
    client.post(reverse("webchat:send"), {"message": "Please call me back", "client_key": "k2"})
    settings.WEBCHAT_HOURS = "09:00-17:00"
    from django.utils import timezone
    monkeypatch.setattr(timezone, "now", lambda: _at(2026, 12, 5, 12, 0).astimezone(dt.timezone.utc))
    html = client.get(reverse("webchat:home")).content.decode()
    assert 'id="unsent-message"' in html and "Please call me back" in html and "Webchat is closed" in html


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "x" * 30000])
def test_a_hostile_or_oversized_late_message_is_kept_escaped_and_bounded(client, adviser, text):
    _chat_ended_by_adviser(client, adviser)
    html = client.post(reverse("webchat:send"), {"message": text, "client_key": "k2"}, follow=True).content.decode()
    assert "<script>alert(1)" not in html
    assert len(client.session.get(UNSENT_KEY, "")) <= 1000


# --- transcripts -----------------------------------------------------------------------------------

def test_the_ended_chat_can_be_downloaded_from_the_same_browser(client, adviser):
    chat = _chat_ended_by_adviser(client, adviser)
    html = client.get(reverse("webchat:home")).content.decode()
    assert "Download a transcript of the chat" in html
    response = client.get(reverse("webchat:transcript"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert f"webchat-" in response["Content-Disposition"] and f"-{chat.pk}.txt" in response["Content-Disposition"]
    body = response.content.decode()
    assert "You: My permit" in body and "Update: An adviser has joined the chat" in body and "The chat has ended" in body
    assert adviser.email not in body and (adviser.full_name or "@@") not in body


def test_the_resident_ending_the_chat_can_still_download_it(client):
    client.post(reverse("webchat:home"), {"message": "Thanks", "client_key": "k1"})
    client.post(reverse("webchat:close"))
    assert "You: Thanks" in client.get(reverse("webchat:transcript")).content.decode()


def test_no_chat_no_transcript(client):
    assert client.get(reverse("webchat:transcript")).status_code == 404


def test_signed_in_residents_see_their_chats_and_only_theirs(client_for, resident_a, resident_b,
                                                              django_assert_max_num_queries):
    alice = client_for(resident_a)
    for n in range(3):
        alice.post(reverse("webchat:home"), {"message": f"Question {n}", "client_key": f"a{n}"})
        alice.post(reverse("webchat:close"))
    mine = list(WebChat.objects.filter(resident=resident_a))
    assert len(mine) == 3
    with django_assert_max_num_queries(8):
        listing = alice.get(reverse("webchat:your_chats")).content.decode()
    assert listing.count('href="/chat/your-chats/') == 3
    page = alice.get(reverse("webchat:your_chat", args=[mine[0].pk])).content.decode()
    assert "Question 0" in page and "Download the transcript" in page
    download = alice.get(reverse("webchat:your_chat_download", args=[mine[0].pk]))
    assert "You: Question 0" in download.content.decode()
    bob = client_for(resident_b)
    assert "Question" not in bob.get(reverse("webchat:your_chats")).content.decode()
    for name in ("webchat:your_chat", "webchat:your_chat_download"):
        assert bob.get(reverse(name, args=[mine[0].pk])).status_code == 404
    assert bob.get("/chat/your-chats/99999999999999999999/").status_code == 404


def test_your_chats_needs_a_sign_in(client):
    response = client.get(reverse("webchat:your_chats"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_account_home_links_to_your_chats(client_for, resident_a):
    assert 'href="/chat/your-chats/"' in client_for(resident_a).get("/account/").content.decode()
