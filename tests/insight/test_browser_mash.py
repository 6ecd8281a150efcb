"""End to end in Chromium with axe at 375 px: Maya screens a referral from the MASH queue, then Lee opens the
weekly risk report, reviews a flagged closed case and records a referral to partners."""
from __future__ import annotations

import pytest

from insight import services
from insight.models import Referral, RiskReview, RiskScore
from tests.browser_support import assert_accessible, sign_in

from .conftest import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fits_a_phone(page):
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_maya_screens_and_lee_reviews_the_weekly_report(page, history, signed_model, maya, lee):
    waiting = make_referral(maya, child="C-20", name="Poppy Sampleton", days_ago=1)
    sign_in(page, maya)
    page.goto("/staff/insight/mash/")
    assert_accessible(page)
    _fits_a_phone(page)
    with page.expect_navigation():
        page.get_by_role("link", name=waiting.case.reference).click()
    page.get_by_label("Early help").check()
    page.get_by_label("Reasons").fill("Family agrees to early help through the school")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the screening decision").click()
    assert Referral.objects.get(pk=waiting.pk).screening_outcome == "early_help"
    assert_accessible(page)

    services.risk_scores_compute()  # Monday's run
    score = RiskScore.objects.filter(flagged=True, closed=True).order_by("-score").first()
    page.context.clear_cookies()
    sign_in(page, lee)
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto("/staff/insight/review/")
    assert "flagged" in page.locator("#summary").inner_text()
    assert_accessible(page)
    _fits_a_phone(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"Review {score.referral.case.reference}").click()
    assert page.locator("#score").inner_text().count("Earlier referrals") >= 1 or page.locator("#score").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()
    assert "Choose whether to refer to partners" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    page.get_by_label("Refer to partners for early intervention").check()
    page.get_by_label("Reasons").fill("Repeated police and school concerns: offer early help")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()
    assert RiskReview.objects.get().decision == "refer"
    assert "1 reviewed, 1 referred" in page.locator("#summary").inner_text()
    assert_accessible(page)
    page.screenshot(path="var/lee-report.png", full_page=True)
    page.goto(f"/staff/insight/models/{signed_model.version}/")
    assert_accessible(page)
    _fits_a_phone(page)
    page.screenshot(path="var/model-card-375.png", full_page=True)
