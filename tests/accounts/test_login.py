"""Signing in: each role lands in its own area; wrong details and throttling give clear messages."""
from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


@pytest.mark.parametrize(
    "role_fixture, landing",
    [
        ("resident_a", "/account/"),
        ("adviser", "/staff/"),
        ("officer_in_team", "/staff/"),
        ("team_leader", "/staff/"),
        ("administrator", "/staff/"),
        ("councillor_of_division", "/members/"),
    ],
)
def test_each_role_lands_on_its_own_home(client, request, role_fixture, landing):
    user = request.getfixturevalue(role_fixture)
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_sign_in_honours_a_safe_next_page_and_ignores_an_external_one(client, resident_a):
    response = client.post(f"{LOGIN}?next=/cookies/", {"login": resident_a.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/cookies/"
    client.logout()
    response = client.post(f"{LOGIN}?next=https://evil.example/", {"login": resident_a.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/account/"


def test_email_is_not_case_sensitive(client, resident_a):
    assert sign_in(client, "Resident.A@Example.ORG")["Location"] == "/account/"


@pytest.mark.parametrize(
    "email, password",
    [
        ("resident.a@example.org", "wrong password here"),
        ("nobody@example.org", TEST_PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_details_get_one_message_that_does_not_say_which_was_wrong(client, resident_a, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.split("<title>")[1].startswith("Error: ")
    assert "Enter the email address and password for your account" in html
    assert '<a href="#id_login">' in html  # the error summary moves focus to the first input
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data, message",
    [
        ({"login": "", "password": ""}, "Enter your email address"),
        ({"login": "not an email", "password": "x"}, "Enter an email address in the correct format, like name@example.com"),
        ({"login": "<script>@x", "password": "x"}, "Enter an email address in the correct format, like name@example.com"),
        ({"login": "a" * 5000 + "@example.org", "password": "x" * 5000}, "Enter an email address in the correct format, like name@example.com"),
        ({"login": "resident.a@example.org", "password": ""}, "Enter your password"),
    ],
    ids=["empty", "malformed", "hostile", "oversized", "no-password"],
)
def test_malformed_sign_ins_are_refused_clearly(client, resident_a, data, message):
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "<script>@x" not in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unverified_account_cannot_sign_in_and_gets_a_new_link(client):
    user = UserFactory(email="new@example.org", verified=False)
    response = sign_in(client, user.email)
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]


def test_inactive_account_cannot_sign_in(client):
    user = UserFactory(email="closed@example.org", is_active=False)
    response = sign_in(client, user.email)
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_repeated_failed_sign_ins_are_slowed_even_with_the_right_password(client, resident_a):
    for _ in range(5):
        response = sign_in(client, resident_a.email, "not the password")
        assert "Enter the email address and password for your account" in response.content.decode()
    response = sign_in(client, resident_a.email, TEST_PASSWORD)
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert "You have tried to sign in too many times. Wait 30 seconds, then try again" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_wait_grows_with_each_further_failure_and_ends(client, resident_a, monkeypatch):
    from oxtom.accounts import throttle

    now = [1_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    for _ in range(5):
        sign_in(client, resident_a.email, "not the password")
    waits = []
    for _ in range(3):
        response = sign_in(client, resident_a.email, "not the password")
        waits.append(int(response["Retry-After"]))
        now[0] += waits[-1]  # wait as told, then get it wrong again
        sign_in(client, resident_a.email, "not the password")
    assert waits == [30, 60, 120]
    now[0] += 240
    assert sign_in(client, resident_a.email)["Location"] == "/account/"  # the wait ends; no lock
    client.logout()
    assert sign_in(client, resident_a.email, "not the password").status_code == 200  # and success reset it


def test_failures_from_elsewhere_do_not_lock_the_resident_out(client, resident_a):
    """Someone who knows a resident's email, at another address, slows only themselves."""
    for _ in range(8):
        sign_in(client, resident_a.email, "not the password")
    from django.test import Client

    at_home = Client(REMOTE_ADDR="192.0.2.44")
    assert at_home.post(LOGIN, {"login": resident_a.email, "password": TEST_PASSWORD})["Location"] == "/account/"


def test_throttling_one_account_does_not_lock_out_another(client, resident_a, resident_b):
    for _ in range(5):
        sign_in(client, resident_a.email, "not the password")
    assert sign_in(client, resident_b.email)["Location"] == "/account/"


def test_sign_out_is_a_post(client, resident_a):
    client.force_login(resident_a)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200 and b"Are you sure you want to sign out?" in page.content
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
