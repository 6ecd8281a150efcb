"""Password reset: request, email, new password, and the ways it must fail."""
from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
NEW = "harbour lantern biscuit"


def reset_link() -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body).group(1)


def test_reset_journey_changes_the_password(client, resident_a):
    response = client.post(RESET, {"email": "resident.a@example.org"})
    assert response["Location"] == "/accounts/password/reset/done/"
    assert b"Check your email" in client.get(response["Location"]).content
    assert mail.outbox[-1].to == ["resident.a@example.org"]
    form_page = client.get(reset_link(), follow=True)
    assert b"Create a new password" in form_page.content
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_link()
    done = client.post(action, {"password1": NEW, "password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/key/done/"
    resident_a.refresh_from_db()
    assert resident_a.check_password(NEW)
    assert not resident_a.check_password(TEST_PASSWORD)


def test_unknown_email_gets_the_same_answer(client, resident_a):
    known = client.post(RESET, {"email": "resident.a@example.org"})
    unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address"),
        ("not-an-email", "Enter an email address in the correct format, like name@example.com"),
        ("<script>alert(1)</script>", "Enter an email address in the correct format, like name@example.com"),
        ("a" * 400 + "@example.org", "Enter an email address in the correct format, like name@example.com"),
    ],
    ids=["empty", "malformed", "hostile", "oversized"],
)
def test_bad_reset_requests_are_refused_clearly(client, email, message):
    response = client.post(RESET, {"email": email})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and html.split("<title>")[1].startswith("Error: ")
    assert "<script>alert(1)</script>" not in html
    assert mail.outbox == []


def test_common_password_is_refused_on_reset(client, resident_a):
    client.post(RESET, {"email": "resident.a@example.org"})
    form_page = client.get(reset_link(), follow=True)
    action = form_page.redirect_chain[-1][0]
    response = client.post(action, {"password1": "password123", "password2": "password123"})
    assert response.status_code == 200
    assert b"This password is too common." in response.content
    resident_a.refresh_from_db()
    assert resident_a.check_password(TEST_PASSWORD)


def test_a_used_or_forged_link_is_refused(client, resident_a):
    client.post(RESET, {"email": "resident.a@example.org"})
    link = reset_link()
    forged = link.replace("/key/", "/key/x")
    response = client.get(forged, follow=True)
    assert b"This link has expired or has already been used" in response.content
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0]
    client.post(action, {"password1": NEW, "password2": NEW})
    again = client.get(link, follow=True)
    assert b"This link has expired or has already been used" in again.content


def test_reset_requests_are_throttled(client, resident_a):
    for _ in range(3):
        client.post(RESET, {"email": "resident.a@example.org"})
    sent = len(mail.outbox)
    response = client.post(RESET, {"email": "resident.a@example.org"})
    assert response.status_code in (200, 429)
    assert len(mail.outbox) == sent
