"""Playwright infrastructure for end-to-end tests in the system Chromium.

Its fixtures are exposed once, from tests/conftest.py (one Playwright per
process: importing them into a test module would start a second). Use it from any module:

    # serialized_rollback: the live server needs real commits, and this puts back rows
    # that data migrations created once each test has flushed the database.
    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

    def test_something(page, resident_a):
        sign_in(page, resident_a)            # through the real sign-in form
        page.goto("/account/")               # paths are relative to the live server
        assert_accessible(page)              # axe-core: no serious or critical violations

Fixtures
    browser        one headless Chromium for the whole session (/usr/bin/chromium)
    context        a fresh browser context per test (own cookies), base_url = live server
    page           a page in that context; console errors are collected in page.console_errors
    no_js_context  like context, with JavaScript turned off (progressive enhancement checks)
    no_js_page     a page in no_js_context

Helpers (import from tests.browser_support)
    sign_in(page, user, password=TEST_PASSWORD, totp_secret=None)
    assert_accessible(page, *, impacts=("serious", "critical"))

Tests are skipped when Chromium or Playwright is missing, and fail instead
when REQUIRE_BROWSER=1 (CI). The live server runs in this process, so
django.core.mail.outbox and the locmem cache are shared with it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.conftest import require
from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000

# Playwright's sync API runs an event loop in this thread; the test's own
# database calls are still synchronous, so Django must be told they are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _sync_playwright():
    if not Path(CHROMIUM).exists():
        require("REQUIRE_BROWSER", f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("REQUIRE_BROWSER", "the playwright package is not installed")
    return sync_playwright


@pytest.fixture(scope="session")
def browser():
    sync_playwright = _sync_playwright()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def _clean_cache():
    """Rate-limit counters are shared with the live server: start every test with none."""
    cache.clear()
    yield


def _new_context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


def _new_page(context):
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def context(browser, live_server, _clean_cache):
    ctx = _new_context(browser, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return _new_page(context)


@pytest.fixture
def no_js_context(browser, live_server, _clean_cache):
    ctx = _new_context(browser, live_server, java_script_enabled=False)
    yield ctx
    ctx.close()


@pytest.fixture
def no_js_page(no_js_context):
    return _new_page(no_js_context)


def sign_in(page, user, password: str = TEST_PASSWORD, *, totp_secret: str | None = None) -> None:
    """Sign in through the real form (and the two-factor step when the user has TOTP).

    Leaves the page wherever the service sends that user after sign-in.
    """
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/accounts/2fa/authenticate/" in page.url:
        if totp_secret is None:
            raise AssertionError(f"{user.email} has two-factor sign-in: pass totp_secret=")
        from tests.accounts.conftest import totp_code

        page.get_by_label("Security code").fill(totp_code(totp_secret))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"sign-in failed for {user.email}: {page.locator('.govuk-error-summary').all_inner_texts()}")


# What Playwright says when the page navigated while axe was running.
_NAVIGATED_UNDER_AXE = ("reading 'documentElement'", "Execution context was destroyed", "navigat")


def assert_accessible(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> None:
    """Run axe-core on the current page; fail on any violation of the given impacts, printing each."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    # A click that follows a link returns once the navigation has committed, not once the new
    # document has loaded; axe run in between finds no document (CI saw "Cannot read properties
    # of null (reading 'documentElement')"). Wait for the load, and if a late navigation still
    # replaces the document under axe, wait and run it once more.
    page.wait_for_load_state("load")
    try:
        results = Axe().run(page)
    except PlaywrightError as error:
        if not any(sign in str(error) for sign in _NAVIGATED_UNDER_AXE):
            raise
        page.wait_for_load_state("load")
        results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in impacts]
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:5]:
                lines.append(f"    {node['target']}: {' '.join(node.get('failureSummary', '').split())}")
        report = "\n".join(lines)
        print(report)
        pytest.fail(report, pytrace=False)


def assert_fits_a_phone(page, *, width: int = 375) -> None:
    """The page is no wider than a phone at `width` px (the viewport is put back as it was)."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    finally:
        if before:
            page.set_viewport_size(before)


def follow(page, role: str, name: str) -> None:
    """Click the first link or button with this accessible name and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()
