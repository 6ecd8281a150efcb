"""Benefits realised in Chromium at 375 px with axe: the project manager reads the project's benefits against their
measures, records an actual for the benefit with no measure (a mistake first), and the board reads the portfolio's
benefits off track first."""
from __future__ import annotations

import pytest

from strategy.models import BenefitRealisation, Project
from tests.browser_support import assert_accessible, sign_in

from .test_benefits import _month, approved  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url


def test_benefits_recorded_and_read_by_the_board(page, approved, project_manager, board_member):  # noqa: F811
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, project_manager)
    page.goto(f"/staff/projects/{approved.reference}/")
    statuses = page.locator("#benefits tbody tr strong.govuk-tag").all_inner_texts()
    assert statuses == ["On track", "Off track", "No actual yet"]
    _no_sideways_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Record an actual for Happier residents").click()
    page.get_by_label("Month", exact=True).fill(_month(1).strftime("%Y-%m"))
    page.get_by_label("Actual", exact=True).fill("lots")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the actual").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the actual as a number" in summary
    assert page.title().startswith("Error:")
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Actual", exact=True).fill("68")
    page.get_by_label("Where the figure came from").fill("Residents' survey, 400 replies")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the actual").click()
    assert BenefitRealisation.objects.get().value == 68
    assert page.locator("#benefits tbody tr strong.govuk-tag").all_inner_texts() == ["On track", "Off track",
                                                                                     "On track"]
    assert "Residents' survey, 400 replies" in page.locator("#benefits").inner_text()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, board_member)
    page.goto("/staff/projects/board/")
    rows = page.locator("#portfolio-benefits tbody tr")
    assert rows.count() == 3
    assert "More reports online" in rows.first.inner_text() and "Off track" in rows.first.inner_text()
    _no_sideways_scroll(page)
    assert_accessible(page)


def test_the_board_sees_the_demo_benefit_behind_schedule_and_opens_its_project(page, pmo, board_member,
                                                                              project_manager):
    """The demo's project approved eight months ago: its benefit has moved the right way, but less than the straight
    line from the approval to the target date asks. The board sees it amber, after anything off track, and opens it."""
    from strategy.demo import BEHIND_PROJECT, seed_behind_schedule
    from tests.browser_support import assert_fits_a_phone, follow

    seed_behind_schedule({"pmo": pmo, "board": board_member, "project.manager": project_manager})
    project = Project.objects.get(title=BEHIND_PROJECT)
    sign_in(page, board_member)
    page.goto("/staff/projects/board/")
    row = page.locator("#portfolio-benefits tbody tr").filter(has_text="Recycling centre visits booked online")
    assert row.count() == 1
    assert row.locator("strong.govuk-tag").inner_text() == "Behind schedule"
    assert "10% of the way" in row.inner_text() and "govuk-tag--orange" in row.locator("strong").get_attribute("class")
    assert_fits_a_phone(page)
    assert_accessible(page)

    with page.expect_navigation():
        row.get_by_role("link", name=project.reference).click()
    assert page.url.endswith(f"/staff/projects/{project.reference}/")
    assert BEHIND_PROJECT in page.locator("h1").inner_text()
    mine = page.locator("#benefits tbody tr").filter(has_text="Recycling centre visits booked online")
    assert mine.locator("strong.govuk-tag").inner_text() == "Behind schedule"
    assert "Booking system report" in mine.inner_text()
    assert "Record an actual" not in mine.inner_text()  # the board reads; the project records
    assert_fits_a_phone(page)
    assert_accessible(page)
    follow(page, "link", "Project register")  # and back out to the register
    assert BEHIND_PROJECT in page.locator("main").inner_text()
