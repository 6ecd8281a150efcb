"""The embedded demo (DEBUG on) shows the service's GOV.UK 404, 403 and 500 pages, not Django's.

Before: a mistyped address in the demo showed Django's technical 404 (every URL
pattern of the site) and a crash its traceback page, to residents and staff alike.
"""
from __future__ import annotations

import logging

import pytest

from tests.core.test_pages import WITH_SERVICES

pytestmark = pytest.mark.django_db

TECHNICAL = ("Using the URLconf defined in", "You're seeing this error because you have", "Traceback", "DEBUG = True")


def _assert_service_page(response, status: int, heading: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html and "govuk-footer" in html and "govuk-header" in html
    for text in TECHNICAL:
        assert text not in html, text


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = False
    return settings


@pytest.mark.parametrize("path", ["/no-such-page/", "/staff/nothing-here/", "/%3Cscript%3Ealert(1)%3C/script%3E/",
                                  "/" + "a" * 3000 + "/", "/account/cases/../../etc/passwd"])
def test_unknown_address_shows_the_service_404_with_debug_on(client, demo, path):
    response = client.get(path)
    _assert_service_page(response, 404, "Page not found")
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize("who", [None, "resident_a", "officer_in_team", "administrator"])
def test_a_view_that_raises_404_shows_the_service_page_to_everyone(client_for, request, demo, who):
    client = client_for(request.getfixturevalue(who) if who else None)
    _assert_service_page(client.get("/reports/NO-SUCH-REPORT/"), 404, "Page not found")


def test_a_refusal_shows_the_service_403_with_debug_on(client_for, resident_a, demo):
    _assert_service_page(client_for(resident_a).get("/staff/"), 403, "You cannot use this page")


@WITH_SERVICES
def test_a_crash_shows_the_service_500_and_logs_the_traceback(client, demo, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    _assert_service_page(response, 500, "Sorry, there is a problem with the service")
    assert "deliberate failure" not in response.content.decode()
    assert any(r.exc_info and "deliberate failure" in str(r.exc_info[1]) for r in caplog.records)


def test_missing_slash_still_redirects(client, demo):
    response = client.get("/accessibility")
    assert response.status_code == 301 and response["Location"] == "/accessibility/"


def test_developers_can_ask_for_djangos_pages(client, demo):
    demo.DEBUG_ERROR_PAGES = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Using the URLconf defined in" in response.content.decode()


def test_the_error_pages_carry_the_security_headers(client, demo):
    response = client.get("/no-such-page/")
    assert "Content-Security-Policy" in response.headers


def test_other_middlewares_still_answer_their_own_exceptions_with_debug_on(client_for, resident_a, demo):
    # allauth raises ReauthenticationRequired and its middleware answers it with a redirect
    # to the password check; the error pages once caught it first and answered 500.
    response = client_for(resident_a).get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]


def test_an_acting_for_refusal_is_still_the_sessions_page_with_debug_on(client, adviser, resident_a, resident_b, demo):
    from tests.portal.test_apply_account import issue

    theirs = issue(resident_b.customer)
    client.force_login(adviser)
    client.post(f"/staff/assist/customers/{resident_a.customer.reference}/session/",
                {"channel": "phone", "customer_present": "yes"})
    response = client.get(f"/apply/applications/{theirs.application.reference}/")
    assert response.status_code in (403, 404) and "Sorry, there is a problem" not in response.content.decode()
