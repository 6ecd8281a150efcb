"""In Chromium with axe: a highways officer opens a fixed report its reporter rated, reads the rating on the
report page, follows the link to the category's feedback list and narrows it to one rating; both pages fit a
phone and the reporter's hostile comment shows as text."""
from __future__ import annotations

import pytest

from tests.browser_support import assert_accessible, assert_fits_a_phone, follow, sign_in

from .test_feedback_staff import HOSTILE, _many, rated  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_officer_reads_a_rating_and_the_categorys_feedback_list(page, live_server, migration_data, rated,
                                                                    pothole, officer_in_team):
    happy = _many(None, pothole, 3, rating=5, text="Quick repair")
    sign_in(page, officer_in_team)
    page.goto(f"/staff/reports/{rated.case.reference}/")
    feedback = page.locator("#report-feedback")
    assert "Dissatisfied (2 out of 5)" in feedback.inner_text() and HOSTILE in feedback.inner_text()
    assert_accessible(page)
    assert_fits_a_phone(page)

    follow(page, "link", f"Feedback on {pothole.service.name.lower()} reports")
    assert page.locator("h1").inner_text() == "Street report feedback"
    table = page.locator("main table").first
    assert table.locator("tbody tr").count() == 4
    assert HOSTILE in table.inner_text()  # escaped: the script is text, not run
    page.select_option("#rating", "5")
    with page.expect_navigation():
        page.get_by_role("button", name="Show feedback").click()
    rows = page.locator("main table").first.locator("tbody tr")
    assert rows.count() == 3 and all(r.case.reference in page.content() for r in happy)
    assert rated.case.reference not in " ".join(rows.all_inner_texts())  # the 2 is filtered out
    assert_accessible(page)
    assert_fits_a_phone(page)
    assert not page.console_errors
