"""End to end in Chromium with axe: the BI analyst asks for a version on the training form (refused first with
nothing chosen), the worker trains it, and the analyst opens the new version's bias checks."""
from __future__ import annotations

import pytest

from insight import risk, services
from insight.models import RiskTrainingRun
from tests.browser_support import assert_accessible, assert_fits_a_phone, sign_in

from .conftest import SMALL_GRID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_analyst_trains_a_version_from_the_form(page, bi, monkeypatch):
    from insight import tasks

    monkeypatch.setattr(risk, "GRID", SMALL_GRID)
    handed_over = []  # what the broker was given; the test then does the worker's part itself
    monkeypatch.setattr(tasks.train_risk_model, "apply_async", lambda args, **kw: handed_over.append(args[0]))
    sign_in(page, bi)
    page.goto("/staff/insight/models/")
    with page.expect_navigation():
        page.get_by_role("link", name="Train a new version").click()
    assert_accessible(page)
    for box in page.locator("input[name=features]").all():
        box.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Start training").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the hypothesis the model tests" in summary and "Choose at least two" in summary
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Hypothesis").fill("Earlier referrals and partner flags predict re-referral")
    page.get_by_label("Earlier referrals", exact=True).check()
    page.get_by_label("Police flag").check()
    page.get_by_label("Persistent absence").check()
    page.get_by_label("5,000").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start training").click()
    assert "Training has started" in page.locator(".govuk-notification-banner").inner_text()
    assert "Waiting to start" in page.locator("#training").inner_text()
    assert_accessible(page)
    run = RiskTrainingRun.objects.get()
    assert handed_over == [run.pk]

    services.training_run(run.pk)  # the worker's part
    page.reload()
    with page.expect_navigation():
        page.locator("#training").get_by_role("link").first.click()
    assert "Bias checks" in page.content()
    assert "Earlier referrals" in page.content()
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.screenshot(path="var/insight-training.png", full_page=True)
