"""In Chromium: the administrator edits a service's stages without JavaScript; the clock-and-stages pages,
their errors and the remove page pass axe-core and fit a 375 px phone."""
from __future__ import annotations

import pytest

from oxtom.cases.models import ServiceStage
from tests.browser_support import assert_accessible, sign_in

from .factories import ServiceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_administrator_adds_reorders_and_removes_stages_without_javascript(no_js_page, team, administrator):
    service = ServiceFactory(code="browser-complaints", name="Corporate complaint", team=team, kind="request")
    page = no_js_page
    sign_in(page, administrator)
    page.goto(f"/staff/catalogue/{service.code}/")
    page.get_by_role("link", name="See the clock and add stages with their own targets").click()
    assert "No stages" in page.locator("#no-stages").inner_text()
    for name, days, place in (("Stage 1", "20", ""), ("Acknowledge", "3", "1"), ("Stage 2", "20", "")):
        page.get_by_role("link", name="Add a stage").click()
        page.get_by_label("Name of the stage").fill(name)
        page.get_by_label("Target in working days").fill(days)
        if place:
            page.get_by_label("Place in the order (optional)").fill(place)
        _submit(page, "Add the stage")
        assert f"Stage {name} added" in page.locator("body").inner_text()
    listed = page.locator("#stages").inner_text()
    assert listed.index("1. Acknowledge") < listed.index("2. Stage 1") < listed.index("3. Stage 2")

    page.get_by_role("link", name="Change Stage 2").click()
    page.get_by_label("Target in working days").fill("0")
    _submit(page, "Save the stage")
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert "The stage's target must be 1 working day or more" in summary.inner_text()
    page.get_by_label("Target in working days").fill("25")
    page.get_by_label("Place in the order").fill("2")
    _submit(page, "Save the stage")
    listed = page.locator("#stages").inner_text()
    assert listed.index("2. Stage 2") < listed.index("3. Stage 1") and "25 working days" in listed

    page.get_by_role("link", name="Remove Stage 1").click()
    _submit(page, "Remove the stage")
    assert list(ServiceStage.objects.filter(service=service).order_by("position").values_list("name", flat=True)) == \
        ["Acknowledge", "Stage 2"]


def test_stage_pages_are_accessible_and_fit_a_phone(page, team, administrator):
    service = ServiceFactory(code="browser-foi-stages", name="Freedom of information request", team=team,
                             kind="request", calendar="any_uk_nation", clock_restarts_for_customer=True,
                             max_extensions=1)
    ServiceStage.objects.create(service=service, position=1, name="Respond", working_days=20)
    ServiceStage.objects.create(service=service, position=2, name="Internal review of a very long name indeed",
                                working_days=20)
    stage = ServiceStage.objects.get(service=service, position=1)
    sign_in(page, administrator)
    page.goto(f"/staff/catalogue/{service.code}/stages/")
    text = page.locator("#clock-policy").inner_text()
    assert "Bank holidays in any UK nation" in text and "Restart the clock" in text
    assert_accessible(page)
    _fits_a_phone(page)
    page.goto(f"/staff/catalogue/{service.code}/stages/add/")
    assert_accessible(page)
    _submit(page, "Add the stage")
    assert "Enter the stage's name" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    _fits_a_phone(page)
    page.goto(f"/staff/catalogue/{service.code}/stages/{stage.pk}/")
    page.get_by_label("Name of the stage").fill("internal REVIEW of a very long name indeed")
    _submit(page, "Save the stage")
    assert "is already a stage of this service" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.goto(f"/staff/catalogue/{service.code}/stages/{stage.pk}/remove/")
    assert_accessible(page)
    _fits_a_phone(page)
