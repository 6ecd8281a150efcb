"""End to end in Chromium with axe: a project from proposal to a highlight report, and answering and
closing a consultation (then publishing we asked, you said, we did)."""
from __future__ import annotations

import pytest
from django.utils import timezone

from strategy.models import ConsultationResponse, HighlightReport, Project
from strategy.services import pmo as svc
from tests.browser_support import assert_accessible, sign_in

from .test_consultations import consultation  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_project_from_proposal_to_a_highlight_report(page, project_manager, board_member, pmo, pool):
    sign_in(page, project_manager)
    page.goto("/staff/projects/new/")
    assert_accessible(page)
    page.get_by_label("Project title").fill("Digital street reporting")
    page.get_by_label("Directorate", exact=True).fill("Environment")
    page.get_by_label("Sponsor", exact=True).fill("Director of Highways")
    page.get_by_label("Objectives", exact=True).fill("Move reports online")
    page.get_by_label("Estimated cost in pounds").fill("250000")
    page.get_by_label("Benefits and how each is measured").fill("Fewer calls")
    with page.expect_navigation():
        page.get_by_role("button", name="Send to the board").click()
    project = Project.objects.get()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, board_member)
    page.goto("/staff/projects/board/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"{project.reference} Digital street reporting").click()
    page.get_by_label("Approve").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the board's decision").click()
    svc.project_allocate(project=Project.objects.get(), member=pool["pm"], days=4, by=pmo)

    page.context.clear_cookies()
    sign_in(page, project_manager)
    page.goto(f"/staff/projects/{project.reference}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Submit a highlight report").click()
    assert_accessible(page)
    for label, rag in (("Time", "green"), ("Cost", "amber"), ("Scope", "green"), ("Benefits", "red")):
        page.get_by_label(label, exact=True).select_option(rag)
    page.get_by_label("Summary of progress").fill("On track except benefits")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit the highlight report").click()
    assert HighlightReport.objects.get().worst == "red"
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_resident_answers_and_an_officer_closes_and_publishes(page, consultation, consultation_officer,  # noqa: F811
                                                                 resident_a):
    sign_in(page, resident_a)
    page.goto("/consultations/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Library opening hours").click()
    page.get_by_label("No", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and come back later").click()
    assert "saved" in page.locator(".govuk-notification-banner").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my response").click()
    assert "Choose an answer to question 2" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("4", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send my response").click()
    assert page.get_by_role("heading", name="Response sent").is_visible()
    assert ConsultationResponse.objects.get().submitted_at is not None
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, consultation_officer)
    page.goto(f"/staff/consultations/{consultation.slug}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Close it now").click()
    page.get_by_label("What we did").fill("We will open later on weekday evenings")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the summary").click()
    assert_accessible(page)
    page.context.clear_cookies()
    page.goto(f"/consultations/{consultation.slug}/results/")
    assert "We will open later on weekday evenings" in page.locator("#we-did").inner_text()
    assert_accessible(page)
    assert timezone.localdate()
