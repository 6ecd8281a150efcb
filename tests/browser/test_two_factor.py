"""End to end: a member of staff is made to set up an authenticator app, then signs in with it."""
from __future__ import annotations

import pytest

from tests.accounts.conftest import totp_code
from tests.browser_support import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_set_up_two_factor_then_sign_in_with_it(page, live_server, settings, officer_in_team, totp_clock):
    settings.STAFF_MFA_REQUIRED = True
    sign_in(page, officer_in_team)
    # Straight to set-up: allauth first asks for the password again.
    assert "/accounts/reauthenticate/" in page.url
    assert "Set up two-factor authentication before you use staff or councillor services" in page.content()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    assert page.get_by_role("img").first.is_visible()  # the QR code (a data: image, allowed by the CSP)
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.goto("/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "Staff home"

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.context.clear_cookies()
    totp_clock.advance()  # a later sign-in: the app shows the next code (the one just used may not be used twice)
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(officer_in_team.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert_accessible(page)
    page.get_by_label("Security code").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == f"{live_server.url}/staff/"
