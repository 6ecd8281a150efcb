"""In Chromium with axe: an officer of the service holding the information finds the FOI allocation on the staff
home, opens it (the request's words, not who asked), sends nothing first (the error summary, nothing saved), then
the figures with a CSV file; the list empties and the co-ordinator reads the reply and the file on the case page."""
from __future__ import annotations

import datetime as dt

import pytest

from bas.foi import services
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_holder_answers_an_allocation_and_the_coordinator_sees_it(page, tmp_path, make_request, coordinator,
                                                                 foi_setup, officer_in_team):
    request = services.foi_triage(request=make_request(name="Nick Requester"), valid=True, regime="foi",
                                  by=coordinator)
    allocation = services.foi_allocate(request=request, team=foi_setup["holder"], asked="Potholes repaired by month",
                                       due_on=request.case.due_at - dt.timedelta(days=3), by=coordinator)
    reference = request.case.reference
    figures = tmp_path / "potholes.csv"
    figures.write_bytes(b"month,repaired\nJan,120\nFeb,98\n")

    sign_in(page, officer_in_team)
    page.goto("/staff/")
    assert reference in page.locator("#foi-allocations").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("#foi-allocations").get_by_role("link", name="Your team's FOI allocations").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    body = page.locator("main").inner_text()
    assert "Potholes repaired by month" in body and "Nick" not in body
    assert_accessible(page)
    _submit(page, "Send to the FOI team and mark done")
    assert "Enter the information" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("The information, or a note about it").fill("Monthly figures attached")
    page.get_by_label("Attach the information (optional)").set_input_files(str(figures))
    _submit(page, "Send to the FOI team and mark done")
    assert f"Sent to the FOI team for {reference}" in page.locator("body").inner_text()
    assert "Nothing is waiting for your team" in page.locator("#allocations").inner_text()
    assert_accessible(page)
    allocation.refresh_from_db()
    assert allocation.filename == "potholes.csv" and allocation.replied_by == officer_in_team

    page.context.clear_cookies()
    sign_in(page, coordinator)
    page.goto(f"/staff/foi/{reference}/")
    section = page.locator("main").inner_text()
    assert "Monthly figures attached" in section and "potholes.csv" in section
    assert_accessible(page)
