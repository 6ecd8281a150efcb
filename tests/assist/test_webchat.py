"""Webchat through plain forms: start, reload, reply, hostile and oversized text, consent, close, transcript."""
from __future__ import annotations

import pytest
from django.urls import reverse

from oxtom.customers.models import AssistedSession, ChatMessage, Customer, Interaction, WebChat
from oxtom.customers.webchat_views import STARTS_PER_HOUR, TOKEN_KEY
from tests import factories as f

pytestmark = pytest.mark.django_db


def _start(client, text="I can't finish my permit application", page="/apply/permit/"):
    return client.post(reverse("webchat:home") + f"?from={page}", {"message": text, "client_key": "k1"})


def test_anonymous_resident_starts_a_chat_and_finds_it_again_after_reload(client):
    response = _start(client)
    assert response.status_code == 302
    chat = WebChat.objects.get()
    assert chat.page == "/apply/permit/" and chat.customer is None and chat.status == "waiting"
    assert client.session[TOKEN_KEY] == chat.token and chat.token not in response["Location"]
    page = client.get(reverse("webchat:home")).content.decode()
    assert "I can&#x27;t finish my permit application" in page and "Waiting for an adviser" in page


def test_referer_gives_the_page_when_there_is_no_from(client):
    client.post(reverse("webchat:home"), {"message": "help", "client_key": "k"}, HTTP_REFERER="http://testserver/report/pothole/?x=1")
    assert WebChat.objects.get().page == "/report/pothole/"
    WebChat.objects.all().delete()
    client.session.flush()


def test_other_sites_referer_is_ignored(client):
    client.post(reverse("webchat:home"), {"message": "help", "client_key": "k"}, HTTP_REFERER="https://evil.example/x")
    assert WebChat.objects.get().page == ""


@pytest.mark.parametrize("text, message", [
    ("", "Enter a message"),
    ("<script>alert('x')</script>", "can’t include code or HTML tags"),
    ("a" * 1001, "1000 characters or fewer"),
    ("a" * 25000, "1000 characters or fewer"),
])
def test_bad_first_message_is_refused_and_no_chat_is_made(client, text, message):
    response = _start(client, text=text)
    body = response.content.decode()
    assert response.status_code == 200 and message in body and "<title>Error: " in body
    assert "<script>alert" not in body
    assert WebChat.objects.count() == 0 and TOKEN_KEY not in client.session


def test_resident_and_adviser_talk_and_the_transcript_lands_on_the_timeline(client_for, adviser, resident_a):
    resident = client_for(resident_a)
    _start(resident)
    chat = WebChat.objects.get()
    assert chat.customer.user == resident_a
    from django.test import Client

    staff = Client()
    staff.force_login(adviser)
    listing = staff.get(reverse("assist:chats")).content.decode()
    assert "/apply/permit/" in listing and "Signed in" in listing
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    page = staff.get(reverse("assist:chat", args=[chat.pk])).content.decode()
    assert "Alice Resident" in page and "permit application" in page
    response = staff.post(reverse("assist:chat", args=[chat.pk]), {"message": "Which field is the problem?", "client_key": "a1"})
    assert response.status_code == 302
    # A reload resubmitting the same form stores one message.
    staff.post(reverse("assist:chat", args=[chat.pk]), {"message": "Which field is the problem?", "client_key": "a1"})
    assert ChatMessage.objects.filter(sender="adviser").count() == 1
    assert "Which field is the problem?" in resident.get(reverse("webchat:home")).content.decode()
    resident.post(reverse("webchat:send"), {"message": "The vehicle registration", "client_key": "r2"})
    poll = staff.get(reverse("assist:chat_poll", args=[chat.pk]) + "?after=0").json()
    assert [m["body"] for m in poll["messages"]][-1] == "The vehicle registration"
    staff.post(reverse("assist:chat_close", args=[chat.pk]))
    entry = Interaction.objects.get(kind="webchat.transcript")
    assert entry.customer.user == resident_a and "vehicle registration" in entry.summary
    assert "has ended" in resident.get(reverse("webchat:home")).content.decode()


def test_hostile_reply_is_refused_and_not_stored(client_for, adviser, client):
    _start(client)
    chat = WebChat.objects.get()
    staff = client_for(adviser)
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    response = staff.post(reverse("assist:chat", args=[chat.pk]), {"message": "<img src=x onerror=alert(1)>", "client_key": "z"})
    assert response.status_code == 200 and "can’t include code or HTML tags" in response.content.decode()
    assert not ChatMessage.objects.filter(sender="adviser").exists()


def test_resident_poll_only_sees_their_own_chat(client, resident_b):
    from django.test import Client

    _start(client)
    other = Client()
    other.force_login(resident_b)
    assert other.get(reverse("webchat:poll")).status_code == 404
    assert client.get(reverse("webchat:poll") + "?after=nonsense").json()["messages"][0]["sender"] == "resident"


def test_chat_starts_are_rate_limited(client):
    for n in range(STARTS_PER_HOUR):
        _start(client, text=f"message {n}")
        client.post(reverse("webchat:close"))
    response = _start(client, text="one more")
    assert response.status_code == 429 and "started a lot of chats" in response.content.decode()
    assert WebChat.objects.count() == STARTS_PER_HOUR


@pytest.mark.parametrize("who, expected", [("resident_a", 403), ("officer_in_team", 403), ("councillor_of_division", 403),
                                           (None, 302), ("adviser", 200)])
def test_adviser_chat_pages_role_matrix(request, client, client_for, who, expected):
    _start(client)
    chat = WebChat.objects.get()
    user = request.getfixturevalue(who) if who else None
    other = client_for(user)
    for name in ("chat", "chat_poll"):
        assert other.get(reverse(f"assist:{name}", args=[chat.pk])).status_code == expected
    if expected != 200:
        for name in ("chat_take", "chat_close", "chat_assist"):
            assert other.post(reverse(f"assist:{name}", args=[chat.pk])).status_code in (302, 403)
        chat.refresh_from_db()
        assert chat.status == "waiting"


def test_missing_chat_is_404(client_for, adviser):
    assert client_for(adviser).get(reverse("assist:chat", args=[99999])).status_code == 404


def test_adviser_acts_for_a_resident_from_a_chat_with_consent(client_for, adviser, resident_a):
    from django.test import Client

    resident = Client()
    resident.force_login(resident_a)
    _start(resident)
    chat = WebChat.objects.get()
    staff = client_for(adviser)
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    staff.post(reverse("assist:chat_assist", args=[chat.pk]))
    assert AssistedSession.objects.count() == 0  # no consent yet
    assert "Let the adviser help me in my account" in resident.get(reverse("webchat:home")).content.decode()
    resident.post(reverse("webchat:allow"))
    response = staff.post(reverse("assist:chat_assist", args=[chat.pk]))
    customer = Customer.objects.get(user=resident_a)
    assert response["Location"] == reverse("assist:record", args=[customer.reference])
    session = AssistedSession.objects.get()
    assert session.channel == "webchat" and session.chat == chat and session.customer == customer
    assert "You are acting for Alice Resident" in staff.get("/account/details/").content.decode()
    # Closing the chat ends the session.
    staff.post(reverse("assist:chat_close", args=[chat.pk]))
    session.refresh_from_db()
    assert session.ended_at is not None


def test_anonymous_chat_cannot_consent(client, adviser):
    from django.test import Client

    _start(client)
    chat = WebChat.objects.get()
    staff = Client()
    staff.force_login(adviser)
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    client.post(reverse("webchat:allow"))
    chat.refresh_from_db()
    assert chat.assist_consent_at is None


def test_second_adviser_cannot_take_a_taken_chat(client, adviser):
    from django.test import Client

    _start(client)
    chat = WebChat.objects.get()
    first, second = Client(), Client()
    first.force_login(adviser)
    second.force_login(f.UserFactory(roles=["adviser"]))
    first.post(reverse("assist:chat_take", args=[chat.pk]))
    second.post(reverse("assist:chat_take", args=[chat.pk]))
    chat.refresh_from_db()
    assert chat.adviser == adviser
    assert "Another adviser is answering" in second.get(reverse("assist:chat", args=[chat.pk])).content.decode()


def test_the_page_follows_the_resident(client):
    _start(client, page="/apply/")
    client.get(reverse("webchat:home") + "?from=/pay/step-2/")
    assert WebChat.objects.get().page == "/pay/step-2/"
    client.get(reverse("webchat:home") + "?from=https://evil.example/")
    assert WebChat.objects.get().page == "/pay/step-2/"


@pytest.mark.parametrize("who", ["resident_a", "adviser", "officer_in_team", "councillor_of_division", None])
def test_anyone_can_ask_for_help(request, client_for, who):
    user = request.getfixturevalue(who) if who else None
    assert client_for(user).get(reverse("webchat:home")).status_code == 200


def test_help_link_include_carries_the_path_only(rf):
    from django.template.loader import render_to_string

    html = render_to_string("webchat/_help_link.html", {"request": rf.get("/apply/permit/?email=a@b.c")})
    assert "/chat/?from=/apply/permit/" in html and "email" not in html
    assert render_to_string("webchat/_help_link.html", {"request": rf.get("/staff/assist/")}).strip() == ""


def test_chat_pages_cost_constant_queries(client, adviser, django_assert_max_num_queries):
    from django.test import Client

    _start(client)
    chat = WebChat.objects.get()
    staff = Client()
    staff.force_login(adviser)
    staff.post(reverse("assist:chat_take", args=[chat.pk]))
    staff.get(reverse("assist:chat", args=[chat.pk]))
    with django_assert_max_num_queries(14) as captured:
        staff.get(reverse("assist:chat", args=[chat.pk]))
    staff_queries = len(captured.captured_queries)
    with django_assert_max_num_queries(10) as captured:
        client.get(reverse("webchat:home"))
    resident_queries = len(captured.captured_queries)
    assert staff_queries and resident_queries
    for n in range(20):
        staff.post(reverse("assist:chat", args=[chat.pk]), {"message": f"reply {n}", "client_key": f"s{n}"})
        client.post(reverse("webchat:send"), {"message": f"question {n}", "client_key": f"r{n}"})
    with django_assert_max_num_queries(staff_queries):
        staff.get(reverse("assist:chat", args=[chat.pk]))
    with django_assert_max_num_queries(resident_queries):
        client.get(reverse("webchat:home"))


def _key_on(html: str, action: str) -> str:
    import re

    form = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    key = re.search(r'name="submission_key" value="([^"]+)"', form.group(1))
    assert key, f"the form posting to {action} carries no submission key"
    return key.group(1)


def test_three_identical_act_for_posts_start_one_session(client_for, adviser, resident_a):
    """The chat's buttons carry the shared submission key: "Act for them" sent three times is one session."""
    from django.test import Client

    from oxtom.core.submissions import ALREADY_DONE

    resident = Client()
    resident.force_login(resident_a)
    _start(resident)
    chat = WebChat.objects.get()
    staff = client_for(adviser)
    page = staff.get(reverse("assist:chat", args=[chat.pk])).content.decode()
    take = reverse("assist:chat_take", args=[chat.pk])
    key = _key_on(page, take)
    assert [staff.post(take, {"submission_key": key}).status_code for _ in range(3)] == [302, 302, 302]
    assert ChatMessage.objects.filter(chat=chat, body="An adviser has joined the chat").count() == 1
    resident.post(reverse("webchat:allow"))
    page = staff.get(reverse("assist:chat", args=[chat.pk])).content.decode()
    act_for, close = reverse("assist:chat_assist", args=[chat.pk]), reverse("assist:chat_close", args=[chat.pk])
    key = _key_on(page, act_for)
    _key_on(page, close)
    responses = [staff.post(act_for, {"submission_key": key}) for _ in range(3)]
    customer = Customer.objects.get(user=resident_a)
    assert {r["Location"] for r in responses} == {reverse("assist:record", args=[customer.reference])}
    assert AssistedSession.objects.count() == 1
    assert ChatMessage.objects.filter(chat=chat, body__startswith="I am now helping you").count() == 1
    # The banner's "End session" carries a key too: sent three times, one end.
    record = staff.get(reverse("assist:record", args=[customer.reference])).content.decode()
    assert ALREADY_DONE in record
    end = reverse("assist:session_end")
    key = _key_on(record, end)
    assert {staff.post(end, {"submission_key": key}).status_code for _ in range(3)} == {302}
    assert AssistedSession.objects.filter(ended_at__isnull=False).count() == 1
