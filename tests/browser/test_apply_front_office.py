"""Apply for it as a resident meets it (issue 10), in Chromium with axe.

- A new account that never gave an address asks for a bus pass: the journey asks
  where they live, and an address outside the county gets "not eligible", not a pass.
- The parking permit start page shows the zone charges the decision uses.
- An issued permit can be downloaded as a PDF from "Your permits, badges and passes".
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from applications.models import Application, Entitlement
from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _application_catalogue(transactional_db):
    """The seeded services, seeded again: a transactional test before this one flushed migration data."""
    from django.apps import apps

    from applications.seed import seed

    seed(apps)


def _continue(page, name="Continue"):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_a_bus_pass_for_an_account_without_an_address_asks_for_it(page, county_cover):
    user = f.UserFactory(email="new.resident@example.org", full_name="New Resident")
    f.CustomerFactory(user=user, email=user.email, address_line_1="", town="", postcode="",
                      date_of_birth=date(1950, 1, 2))
    sign_in(page, user)
    page.goto("/apply/bus-pass/")
    assert page.get_by_role("heading", level=1).inner_text() == "Apply for an older or disabled person's bus pass"
    _continue(page, "Start now")
    # The date of birth is on the record; where they live is not, and a pass is for residents.
    assert page.get_by_role("heading", level=1).inner_text() == "What is the address?"
    assert_accessible(page)
    _continue(page)
    assert "Enter the first line of your address" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Address line 1").fill("10 Downing Street")
    page.get_by_label("Postcode").fill("SW1A 2AA")
    _continue(page)
    _continue(page)  # no disability category: optional
    assert "/apply/bus-pass/not-eligible/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot get an older or disabled person's bus pass"
    assert "SW1A 2AA is not in Oxfordshire" in page.locator("main").inner_text()
    assert page.locator(".govuk-error-summary").count() == 0
    assert_accessible(page)
    assert not Application.objects.exists() and not Entitlement.objects.exists()


def test_the_permit_start_page_shows_the_zone_charges(page):
    page.goto("/apply/parking-permit/")
    table = page.locator("#fees")
    assert "Zone B: East Oxford" in table.inner_text() and "£55.00" in table.inner_text()
    assert "£65.00 for your household" not in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_resident_downloads_their_permit_as_a_pdf(page, resident_a):
    from tests.portal.test_apply_account import issue

    permit = issue(resident_a.customer)
    sign_in(page, resident_a)
    page.goto("/account/entitlements/")
    assert_accessible(page)
    link = page.get_by_role("link", name=f"Download {permit.number} (PDF)")
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename == f"{permit.number}.pdf"
    text = PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages[0].extract_text()
    assert permit.number in text and "AB12 CDE" in text and "Alice" not in text
