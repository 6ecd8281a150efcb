"""Residents' sign-up: the GOV.UK form, bad input refused with clear messages, nothing half-saved."""
from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from oxtom.accounts.models import User
from oxtom.customers.models import Customer, Interaction

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
GOOD = {
    "full_name": "Rose Tyler",
    "email": "rose.tyler@example.org",
    "password1": "allotment kettle harbour",
    "password2": "allotment kettle harbour",
}


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Customer.objects.count(), EmailAddress.objects.count()


def post(client, **changes):
    return client.post(SIGNUP, {**GOOD, **changes})


def error_summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def test_signup_page_shows_gov_uk_fields_in_order(client):
    html = client.get(SIGNUP).content.decode()
    positions = [html.index(f'for="id_{name}"') for name in ("full_name", "email", "password1", "password2")]
    assert positions == sorted(positions)
    assert "govuk-input" in html
    assert "placeholder=" not in html  # labels, not placeholders


def test_signup_creates_resident_with_customer_record_and_sends_verification(client):
    response = post(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="rose.tyler@example.org")
    assert user.full_name == "Rose Tyler"
    assert user.roles == ["resident"]
    assert not EmailAddress.objects.get(user=user).verified
    customer = Customer.objects.get(user=user)
    assert (customer.first_name, customer.last_name, customer.email) == ("Rose", "Tyler", "rose.tyler@example.org")
    assert customer.reference
    assert Interaction.objects.filter(customer=customer, kind="account.created").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rose.tyler@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Oxfordshire County Council: Confirm your email address"
    assert "Rose Tyler" not in mail.outbox[0].body  # nothing a stranger typed is echoed into the email


def test_verification_is_required_before_the_account_can_be_used(client):
    post(client)
    page = client.get("/account/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    login = client.post("/accounts/login/", {"login": GOOD["email"], "password": GOOD["password1"]})
    # Signing in before verifying only re-sends the link.
    assert login.status_code == 302 and login["Location"] == "/accounts/confirm-email/"
    assert client.get("/account/").status_code == 302


def test_following_the_verification_link_confirms_and_lands_on_account_home(client):
    post(client)
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200
    assert b"Confirm your email address" in confirm_page.content
    # A GET alone (as a mail scanner would do) confirms nothing.
    assert not EmailAddress.objects.get(email=GOOD["email"]).verified
    done = client.post(link)
    assert done.status_code == 302 and done["Location"] == "/account/"
    assert EmailAddress.objects.get(email=GOOD["email"]).verified
    home = client.get("/account/")
    customer = Customer.objects.get(user__email=GOOD["email"])
    assert customer.reference in home.content.decode()


def test_an_invalid_verification_link_says_so(client):
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert b"This link has expired or has already been used" in response.content


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"full_name": ""}, "full_name", "Enter your full name"),
        ({"email": ""}, "email", "Enter your email address"),
        ({"password1": "", "password2": ""}, "password1", "Enter a password"),
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format, like name@example.com"),
        ({"email": "a@b.com' OR '1'='1"}, "email", "Enter an email address in the correct format, like name@example.com"),
        ({"email": "x" * 300 + "@example.org"}, "email", "Email address must be 254 characters or fewer"),
        ({"full_name": "A" * 151}, "full_name", "Full name must be 150 characters or fewer"),
        ({"full_name": "<script>alert(1)</script>"}, "full_name", "Full name must only include letters, spaces, hyphens and apostrophes"),
        ({"full_name": "Robert'); DROP TABLE accounts_user;--"}, "full_name", "Full name must only include letters, spaces, hyphens and apostrophes"),
        ({"full_name": "   "}, "full_name", "Enter your full name"),
        ({"password1": "x" * 300, "password2": "x" * 300}, "password1", "Password must be 256 characters or fewer"),
        ({"password2": "something else entirely"}, "password2", "Passwords must match"),
        ({"password1": "short", "password2": "short"}, "password1", "This password is too short. It must contain at least 10 characters."),
        ({"password1": "password123", "password2": "password123"}, "password1", "This password is too common."),
        ({"password1": "qwertyuiop", "password2": "qwertyuiop"}, "password1", "This password is too common."),
    ],
    ids=[
        "no-name", "no-email", "no-password", "malformed-email", "sql-ish-email", "oversized-email",
        "oversized-name", "script-name", "sql-ish-name", "blank-name", "oversized-password",
        "mismatch", "short-password", "common-password", "common-keyboard-password",
    ],
)
def test_bad_signups_get_a_clear_message_linked_from_the_error_summary_and_save_nothing(client, changes, field, message):
    before = counts()
    response = post(client, **changes)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.split("<title>")[1].startswith("Error: ")
    assert (field_anchor := f"id_{field}", message) in [(a, m.replace("&#x27;", "'")) for a, m in error_summary_links(html)]
    assert f'id="{field_anchor}"' in html  # the summary link has somewhere to go
    assert "<script>alert(1)</script>" not in html  # echoed input is escaped
    assert counts() == before
    assert mail.outbox == []


def test_passwords_need_length_not_composition(client):
    # All lower case, no digits or symbols: fine, because it is long and uncommon (NCSC guidance).
    response = post(client, password1="bicycle lantern meadow", password2="bicycle lantern meadow")
    assert response.status_code == 302
    assert User.objects.filter(email=GOOD["email"]).exists()


@pytest.mark.parametrize("email", ["resident.a@example.org", "RESIDENT.A@EXAMPLE.ORG"])
def test_duplicate_email_creates_nothing_and_reveals_nothing(client, resident_a, email):
    before = counts()
    response = post(client, email=email)
    # The same answer as a new sign-up, so nobody can probe who has an account...
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert counts() == before
    # ...while the real owner is told by email that someone tried.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["resident.a@example.org"]
    assert "/accounts/confirm-email/" not in mail.outbox[0].body


def test_names_with_accents_hyphens_and_apostrophes_are_accepted(client):
    response = post(client, full_name="  Siân   O’Brien-Dupré ")
    assert response.status_code == 302
    assert User.objects.get(email=GOOD["email"]).full_name == "Siân O’Brien-Dupré"


def test_repeated_signups_from_one_address_are_throttled(client):
    for n in range(10):
        response = post(client, email=f"person{n}@example.org")
        assert response.status_code == 302
    before = counts()
    response = post(client, email="one.too.many@example.org")
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert counts() == before


def test_a_sign_up_that_loses_the_race_for_its_email_is_answered_like_any_duplicate(client, monkeypatch):
    """Simultaneous identical sign-ups: the twin that checked before the first committed gets no 500."""
    from oxtom.accounts.forms import SignupForm

    first = post(client)
    assert first.status_code == 302
    mail.outbox.clear()
    client.logout()
    # The second checked uniqueness before the first had committed: the check found nothing.
    monkeypatch.setattr(SignupForm, "validate_unique_email", lambda self, value: value)
    before = counts()
    twin = post(client)
    assert twin.status_code == 302 and twin["Location"] == first["Location"]
    assert counts() == before
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [GOOD["email"]]  # "you already have an account"


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_simultaneous_identical_sign_ups_make_one_account_and_no_error():
    import threading

    from django.db import connection
    from django.test import Client

    from tests.conftest import require

    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "simultaneous requests need PostgreSQL (set DATABASE_URL)")
    barrier = threading.Barrier(3)
    codes = []

    def one():
        try:
            barrier.wait()
            codes.append(Client().post(SIGNUP, GOOD).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302, 302, 302]
    assert User.objects.filter(email=GOOD["email"]).count() == 1
