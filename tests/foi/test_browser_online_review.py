"""In Chromium with axe: the requester asks for an internal review of their answered request from their
requests page (an empty submit first: the error summary, nothing saved), and the co-ordinator sees it in
the FOI queue and opens it. Every page passes axe-core."""
from __future__ import annotations

import pytest

from bas.foi import services
from bas.foi.models import InternalReview
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_requester_asks_for_a_review_and_the_coordinator_sees_it(page, make_request, resident_a, coordinator,
                                                                approver):
    request = make_request(by=resident_a, name="Alice Resident", email=resident_a.email)
    request = services.foi_triage(request=request, valid=True, regime="foi", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.",
                            by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    request = services.foi_approve(request=request, by=approver)
    reference = request.case.reference

    sign_in(page, resident_a)
    page.goto("/foi/my-requests/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Ask for a review of {reference}").click()
    page.wait_for_url(f"**/foi/my-requests/{reference}/review/")
    assert_accessible(page)
    _submit(page, "Ask for a review")
    assert "Tell us why you are unhappy" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert not InternalReview.objects.exists()
    page.get_by_label("Why are you unhappy with our response?").fill(
        "The council's own minutes mention a register of these repairs.")
    _submit(page, "Ask for a review")
    review = InternalReview.objects.select_related("case").get()
    assert review.case.reference in page.locator(".govuk-notification-banner, #my-requests").first.inner_text()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, coordinator)
    page.goto("/staff/foi/")
    assert review.case.reference in page.locator("#reviews-queue").inner_text()
    assert_accessible(page)
    page.locator("#reviews-queue").get_by_role("link", name=review.case.reference).click()
    page.wait_for_url(f"**/staff/foi/review/{review.case.reference}/")
    assert "register of these repairs" in page.content()
    assert_accessible(page)
