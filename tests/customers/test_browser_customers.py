"""End to end in Chromium with axe: an adviser creates a customer with a date of birth, then changes it (issue 10 blocker 1)."""
from __future__ import annotations

import datetime as dt

import pytest

from oxtom.customers.models import ContactLog, ContactReason, Customer
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

def test_adviser_creates_a_customer_with_a_date_of_birth_and_changes_it(page, adviser):
    sign_in(page, adviser)
    page.goto("/staff/customers/new/")
    date = page.get_by_role("group", name="Date of birth (optional)")
    for box in ("Day", "Month", "Year"):
        assert date.get_by_label(box).is_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Mary")
    page.get_by_label("Last name").fill("Smyth")
    page.get_by_label("Email address").fill("mary.smyth@example.org")
    date.get_by_label("Day").fill("17")
    date.get_by_label("Year").fill("1990")
    with page.expect_navigation():
        page.get_by_role("button", name="Create record").click()
    # The error summary names the missing part and takes the adviser to that box.
    summary = page.locator(".govuk-error-summary")
    assert "Date of birth must include a month" in summary.inner_text()
    assert page.title().startswith("Error: ")
    summary.get_by_role("link", name="Date of birth must include a month").click()
    assert page.evaluate("document.activeElement.id") == "id_date_of_birth_month"
    assert date.get_by_label("Day").input_value() == "17" and date.get_by_label("Year").input_value() == "1990"
    assert_accessible(page)
    date.get_by_label("Month").fill("8")
    with page.expect_navigation():
        page.get_by_role("button", name="Create record").click()
    customer = Customer.objects.get()
    assert customer.date_of_birth == dt.date(1990, 8, 17)
    assert "17 August 1990" in page.locator("main").inner_text()

    page.goto(f"/staff/customers/{customer.reference}/change/")
    date = page.get_by_role("group", name="Date of birth (optional)")
    assert [date.get_by_label(b).input_value() for b in ("Day", "Month", "Year")] == ["17", "8", "1990"]
    assert_accessible(page)
    date.get_by_label("Year").fill("1991")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    customer.refresh_from_db()
    assert customer.date_of_birth == dt.date(1991, 8, 17)
    assert "17 August 1991" in page.locator("main").inner_text()


def test_adviser_sees_the_assist_create_form_and_a_clear_error_when_logging_a_contact(page, adviser):
    ContactReason.objects.get_or_create(code="other", defaults={"label": "Something else"})
    sign_in(page, adviser)
    page.goto("/staff/assist/new/")
    date = page.get_by_role("group", name="Date of birth (optional)")
    assert [date.get_by_label(b).is_visible() for b in ("Day", "Month", "Year")] == [True, True, True]
    assert_accessible(page)

    page.goto("/staff/assist/contact/")
    page.get_by_label("Why did they contact us?").select_option(index=1)
    page.get_by_label("Resolved at first contact").check()
    page.get_by_role("group", name="Was it resolved at this first contact?").get_by_label("No").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Log contact").click()
    assert "You chose ‘Resolved at first contact’: select yes" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert not ContactLog.objects.exists()
