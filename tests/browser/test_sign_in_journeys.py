"""End to end in Chromium: sign-up with email verification, every role's sign-in, axe, and no-JavaScript use."""
from __future__ import annotations

import re

import pytest
from django.core import mail

from oxtom.customers.models import Customer
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_resident_signs_up_verifies_their_email_and_lands_on_account_home(page, live_server):
    page.goto("/")
    page.get_by_role("link", name="create an account").click()
    page.get_by_label("Full name").fill("Peter Pothole")
    page.get_by_label("Email address").fill("peter@example.org")
    page.get_by_label("Create a password").fill("tarmac gravel puddle")
    page.get_by_label("Confirm your password").fill("tarmac gravel puddle")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["peter@example.org"]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    page.goto(path)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm email address").click()

    assert page.url == f"{live_server.url}/account/"
    reference = Customer.objects.get(user__email="peter@example.org").reference
    assert page.locator("#customer-reference").inner_text() == reference
    assert page.console_errors == []


@pytest.mark.parametrize(
    "role_fixture, landing, heading",
    [
        ("resident_a", "/account/", "Your account"),
        ("adviser", "/staff/", "Staff home"),
        ("officer_in_team", "/staff/", "Staff home"),
        ("team_leader", "/staff/", "Staff home"),
        ("councillor_of_division", "/members/", "Councillors' home"),
        ("administrator", "/staff/", "Staff home"),
    ],
)
def test_each_role_signs_in_through_the_form_and_sees_its_home(page, live_server, request, role_fixture, landing, heading):
    user = request.getfixturevalue(role_fixture)
    sign_in(page, user)
    assert page.url == f"{live_server.url}{landing}"
    assert page.get_by_role("heading", level=1).inner_text() == heading
    # GOV.UK Frontend's JavaScript ran from our own origin under the CSP.
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert page.console_errors == []


def test_wrong_password_shows_the_error_summary_with_focus_link(page, resident_a):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(resident_a.email)
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert "Enter the email address and password for your account" in summary.inner_text()
    # GOV.UK Frontend moves focus to the summary so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_login"
    assert_accessible(page)


PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accessibility/", "/cookies/", "/no-such-page/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_pass_axe(page, path):
    page.goto(path)
    assert_accessible(page)
    assert page.console_errors == [] or path == "/no-such-page/"  # the 404 status itself is logged


@pytest.mark.parametrize(
    "role_fixture, path",
    [("resident_a", "/account/"), ("officer_in_team", "/staff/"), ("team_leader", "/staff/"), ("councillor_of_division", "/members/")],
)
def test_signed_in_home_pages_pass_axe(page, request, role_fixture, path):
    sign_in(page, request.getfixturevalue(role_fixture))
    page.goto(path)
    assert_accessible(page)


def test_sign_up_with_errors_passes_axe(page):
    page.goto("/accounts/signup/")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)


def test_sign_in_works_without_javascript(no_js_page, live_server, resident_a):
    sign_in(no_js_page, resident_a)
    assert no_js_page.url == f"{live_server.url}/account/"
    assert "govuk-frontend-supported" not in (no_js_page.locator("body").get_attribute("class") or "")


def test_cookie_message_hides_without_javascript(no_js_page):
    no_js_page.goto("/accessibility/")
    banner = no_js_page.locator(".govuk-cookie-banner")
    assert banner.is_visible()
    with no_js_page.expect_navigation():
        banner.get_by_role("button", name="Hide cookie message").click()
    assert no_js_page.url.endswith("/accessibility/")
    assert no_js_page.locator(".govuk-cookie-banner").count() == 0


def test_sign_out_without_javascript(no_js_page, live_server, officer_in_team):
    sign_in(no_js_page, officer_in_team)
    with no_js_page.expect_navigation():
        no_js_page.get_by_role("button", name="Sign out").click()
    assert no_js_page.url == f"{live_server.url}/"
    no_js_page.goto("/staff/")
    assert "/accounts/login/" in no_js_page.url
