"""In Chromium with axe: a parking officer opens a customer's record, finds their permits, badges and passes
(their own team's permit linked, the badge team's badge not shown) and follows the link to the permit's
application page; both pages fit a phone."""
from __future__ import annotations

import pytest

from applications.models import Entitlement
from tests import factories as f
from tests.browser_support import assert_accessible, assert_fits_a_phone, follow, sign_in
from tests.casework.factories import CaseFactory

from .conftest import officer_of
from .test_customer_record_entitlements import issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_officer_follows_the_record_to_the_permit(page, live_server, migration_data, svc):
    holder = f.CustomerFactory(first_name="Rose", last_name="Baker", email="rose.baker@example.org")
    parking, badge = svc("parking-permit"), svc("blue-badge")
    CaseFactory(service=parking.case_service, customer=holder, reference="PP-2026-B00001")
    permit = issue(parking, holder)
    ended = issue(parking, holder, status=Entitlement.Status.CANCELLED, expires_in=-20)
    other_teams = issue(badge, holder)
    officer = officer_of("parking-services", "record.officer@example.org")

    sign_in(page, officer)
    page.goto(f"/staff/customers/{holder.reference}/")
    assert page.locator("h1").inner_text() == "Rose Baker"
    table = page.locator("#entitlements-table")
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert permit.number in rows.nth(0).inner_text() and "Active" in rows.nth(0).inner_text()
    assert ended.number in rows.nth(1).inner_text() and "Cancelled" in rows.nth(1).inner_text()
    assert other_teams.number not in page.content()
    assert_accessible(page)
    assert_fits_a_phone(page)

    follow(page, "link", permit.number)
    assert page.locator("h1").inner_text() == f"Application {permit.application.reference}"
    assert permit.number in page.content()
    assert_accessible(page)
    assert_fits_a_phone(page)
    assert not page.console_errors
