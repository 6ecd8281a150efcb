"""In Chromium with axe: a complaint through stage 1 and stage 2. The resident complains, one officer
acknowledges and responds, the resident escalates from the response, and a different officer gives the
final response that points to the Ombudsman. Every page passes axe-core."""
from __future__ import annotations

import datetime as dt

import pytest

from bas.complaints.models import Complaint
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _as(page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def test_a_complaint_through_stage_1_and_stage_2(page, resident_a, officer_1, officer_2, complaint_services):
    sign_in(page, resident_a)
    page.goto("/complaints/")
    assert_accessible(page)
    page.locator("#start").click()
    assert_accessible(page)
    _submit(page, "Send complaint")  # empty: the error summary, and nothing saved
    assert "Tell us what went wrong" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert not Complaint.objects.exists()
    page.get_by_label("What went wrong").fill("The gritter never came down our hill all week.")
    _submit(page, "Send complaint")
    reference = page.locator("#reference").inner_text().strip()
    assert_accessible(page)
    complaint = Complaint.objects.get(reference=reference)

    _as(page, officer_1)
    page.goto("/staff/complaints/")
    assert reference in page.locator("#queue").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    assert_accessible(page)
    page.locator("#acknowledge-1").click()
    assert_accessible(page)
    _submit(page, "Acknowledge")
    page.locator("#respond-1").click()
    _submit(page, "Send response")
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Partly upheld").check()
    page.get_by_label("Reasons for the decision").fill("The route was missed on two days.")
    page.get_by_label("Remedy: what we will do to put it right").fill("An apology and the hill added to the route.")
    _submit(page, "Send response")
    assert "Partly upheld" in page.locator("main").inner_text()

    _as(page, resident_a)
    page.goto(f"/account/complaints/{reference}/")
    assert "An apology" in page.locator("#stage-1-response").inner_text()
    assert_accessible(page)
    page.locator("#escalate").click()
    assert_accessible(page)
    page.get_by_label("Why are you not satisfied with our stage 1 response?").fill("Two days is not the whole week.")
    _submit(page, "Ask for a review")
    assert complaint.stages.count() == 2

    # The stage 1 officer is refused stage 2 with a clear message.
    _as(page, officer_1)
    page.goto(f"/staff/complaints/{reference}/stage/2/acknowledge/")
    _submit(page, "Acknowledge")
    assert "another officer must decide" in page.locator("#error").inner_text()
    assert_accessible(page)

    _as(page, officer_2)
    page.goto(f"/staff/complaints/{reference}/")
    page.locator("#acknowledge-2").click()
    _submit(page, "Acknowledge")
    page.locator("#respond-2").click()
    assert_accessible(page)
    page.get_by_label("Upheld", exact=True).check()
    page.get_by_label("Reasons for the decision").fill("The hill was left off the route for the whole week.")
    page.get_by_label("Remedy: what we will do to put it right").fill("The route is fixed and we apologise.")
    _submit(page, "Send response")
    page.locator("#add-learning").click()
    page.get_by_label("What will change").fill("Check gritting routes against the road list each autumn")
    page.get_by_label("Owner").select_option(label="Cal Complaints")
    due = dt.date.today() + dt.timedelta(days=30)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    _submit(page, "Add action")
    assert "Check gritting routes" in page.locator("#learning").inner_text()
    assert_accessible(page)

    _as(page, resident_a)
    page.goto(f"/account/complaints/{reference}/")
    assert "Ombudsman" in page.locator("#ombudsman").inner_text()
    assert_accessible(page)
    page.goto("/complaints/report/")
    assert_accessible(page)
