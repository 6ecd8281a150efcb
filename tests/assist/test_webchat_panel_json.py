"""The inline chat panel (static/js/chat_panel.js) posts the same webchat forms asking for JSON: the same
rules (hostile, oversized, empty, duplicate, an ended chat, no chat) answered as {"ok": false, "error": ...}
with nothing made, and a message sent carries on this browser's chat. Without Accept: application/json the
views answer with pages and redirects, as before (tests/assist/test_webchat.py)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from oxtom.customers import services
from oxtom.customers.models import ChatMessage, ChatOffer, WebChat
from oxtom.customers.webchat_views import TOKEN_KEY

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _start(client, text="I can't finish this step", key="k1", query="?from=/report/details/"):
    return client.post(reverse("webchat:home") + query, {"message": text, "client_key": key}, **JSON)


def test_the_panel_starts_a_chat_and_gets_json_back(client):
    response = _start(client)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["ok"] is True and data["status"] == "waiting" and data["poll"] == reverse("webchat:poll")
    chat = WebChat.objects.get()
    assert client.session[TOKEN_KEY] == chat.token and chat.page == "/report/details/"
    assert chat.token not in response.content.decode(), "the token stays in the session"


def test_a_message_through_the_start_address_carries_on_the_open_chat(client):
    _start(client)
    response = _start(client, text="Second message", key="k2")
    assert response.json()["ok"] is True
    assert WebChat.objects.count() == 1
    assert list(ChatMessage.objects.values_list("body", flat=True).order_by("pk")) == [
        "I can't finish this step", "Second message"]


def test_the_same_message_key_twice_stores_one_message(client):
    _start(client)
    for _ in range(2):
        response = client.post(reverse("webchat:send"), {"message": "Once", "client_key": "same-key"}, **JSON)
        assert response.json()["ok"] is True
    assert ChatMessage.objects.filter(body="Once").count() == 1


@pytest.mark.parametrize("text, words", [
    ("", "Enter a message"),
    ("   ", "Enter a message"),
    ("<script>alert('x')</script>", "can’t include code or HTML tags"),
    ("<img src=x onerror=alert(1)>", "can’t include code or HTML tags"),
    ("a" * 1001, "1000 characters or fewer"),
    ("a" * 25000, "1000 characters or fewer"),
])
def test_bad_and_hostile_messages_are_refused_in_json_and_nothing_is_made(client, text, words):
    response = _start(client, text=text)
    assert response.status_code == 400 and response.json()["ok"] is False and words in response.json()["error"]
    assert not WebChat.objects.exists() and TOKEN_KEY not in client.session
    _start(client)
    response = client.post(reverse("webchat:send"), {"message": text, "client_key": "k9"}, **JSON)
    assert response.status_code == 400 and words in response.json()["error"]
    assert ChatMessage.objects.count() == 1


def test_sending_with_no_chat_or_after_it_ended(client):
    response = client.post(reverse("webchat:send"), {"message": "Hello", "client_key": "k"}, **JSON)
    assert response.status_code == 404 and response.json()["ok"] is False
    _start(client)
    chat = WebChat.objects.get()
    services.chat_close(chat=chat, by=None)
    response = client.post(reverse("webchat:send"), {"message": "Are you there?", "client_key": "k3"}, **JSON)
    assert response.status_code == 409 and "ended" in response.json()["error"]
    assert not ChatMessage.objects.filter(body="Are you there?").exists()


def test_the_offer_is_linked_to_the_chat_the_panel_starts(client):
    offer = ChatOffer.objects.create(path="/report/details/", fields_in_error=["How deep is it?"])
    session = client.session
    session["chat_offer_ids"] = {"/report/details/": offer.pk}
    session.save()
    _start(client, query=f"?from=/report/details/&offer={offer.pk}")
    offer.refresh_from_db()
    assert offer.chat_id == WebChat.objects.get().pk


def test_an_offer_this_browser_was_not_made_is_not_linked(client):
    offer = ChatOffer.objects.create(path="/report/details/", fields_in_error=[])
    _start(client, query=f"?from=/report/details/&offer={offer.pk}")
    offer.refresh_from_db()
    assert offer.chat_id is None


def test_without_json_the_forms_still_redirect(client):
    response = client.post(reverse("webchat:home"), {"message": "Plain form", "client_key": "k"})
    assert response.status_code == 302
    response = client.post(reverse("webchat:send"), {"message": "Again", "client_key": "k2"})
    assert response.status_code == 302
