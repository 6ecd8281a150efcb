"""Account management pages reachable from the account home: email addresses, password, two-factor."""
from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.accounts.conftest import totp_code
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, resident_a):
    # A real sign-in, so allauth's "recently authenticated" record exists.
    client.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD})
    return client


def test_account_home_links_to_each_management_page_and_each_renders(signed_in):
    html = signed_in.get("/account/").content.decode()
    for href in ("/accounts/password/change/", "/accounts/email/", "/accounts/2fa/"):
        assert f'href="{href}"' in html
        page = signed_in.get(href)
        assert page.status_code == 200, href
        assert b"govuk-header" in page.content


def test_email_page_lists_the_address_as_confirmed_and_main(signed_in):
    html = signed_in.get("/accounts/email/").content.decode()
    assert "resident.a@example.org" in html and "Confirmed" in html and "Main address" in html


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address"),
        ("nope", "Enter an email address in the correct format, like name@example.com"),
        ("<script>alert(1)</script>@x.org", "Enter an email address in the correct format, like name@example.com"),
    ],
    ids=["empty", "malformed", "hostile"],
)
def test_adding_a_bad_email_is_refused_clearly(signed_in, resident_a, email, message):
    response = signed_in.post("/accounts/email/", {"action_add": "", "email": email})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and html.split("<title>")[1].startswith("Error: ")
    assert "<script>alert(1)</script>" not in html
    assert EmailAddress.objects.filter(user=resident_a).count() == 1


def test_adding_an_email_sends_a_confirmation_and_leaves_it_unconfirmed(signed_in, resident_a):
    response = signed_in.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.org"})
    assert response.status_code == 302
    added = EmailAddress.objects.get(user=resident_a, email="alice.new@example.org")
    assert not added.verified and not added.primary
    assert mail.outbox[-1].to == ["alice.new@example.org"]


def test_changing_password_checks_the_current_one_and_the_blocklist(signed_in, resident_a):
    wrong = signed_in.post(
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": "lighthouse pebble quay", "password2": "lighthouse pebble quay"},
    )
    assert b"Enter your current password correctly" in wrong.content
    common = signed_in.post(
        "/accounts/password/change/", {"oldpassword": TEST_PASSWORD, "password1": "password1234", "password2": "password1234"}
    )
    assert b"This password is too common." in common.content
    resident_a.refresh_from_db()
    assert resident_a.check_password(TEST_PASSWORD)
    ok = signed_in.post(
        "/accounts/password/change/",
        {"oldpassword": TEST_PASSWORD, "password1": "lighthouse pebble quay", "password2": "lighthouse pebble quay"},
    )
    assert ok.status_code == 302
    resident_a.refresh_from_db()
    assert resident_a.check_password("lighthouse pebble quay")


def test_recovery_codes_are_shown_once_two_factor_is_on(signed_in, resident_a):
    signed_in.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    signed_in.get("/accounts/2fa/totp/activate/")
    secret = signed_in.session["mfa.totp.secret"]
    signed_in.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    index = signed_in.get("/accounts/2fa/").content.decode()
    assert "unused recovery code" in index
    codes = signed_in.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert codes.content.decode().count("<li>") >= 10


def test_no_form_shows_raw_html_in_its_hints(signed_in, client):
    """Help texts are escaped by our field template, so none may contain markup."""
    for url in ("/accounts/reauthenticate/", "/accounts/password/change/", "/accounts/email/"):
        html = signed_in.get(url).content.decode()
        assert "&lt;" not in html, url
    signed_in.post("/accounts/logout/")
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(url).content.decode()
        assert "&lt;" not in html, url
