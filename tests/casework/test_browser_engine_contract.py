"""In Chromium: the engine contract's pages (tasks, follow-on cases, extensions, My requests, team
roles) work without JavaScript, pass axe-core and fit a 375 px phone."""
from __future__ import annotations

import pytest

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseTask
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


def test_officer_adds_and_ticks_a_task_and_opens_a_follow_on_without_javascript(no_js_page, make_case, team,
                                                                                 officer_in_team):
    review = ServiceFactory(code="browser-review", name="Internal review", team=team, kind="report",
                            different_decider=True)
    page = no_js_page
    case = make_case(title="Pothole on Bridge Street")
    case = s.case_assign(case=case, assignee=officer_in_team, expected_version=case.version, by=officer_in_team)
    sign_in(page, officer_in_team)
    page.goto(f"/staff/cases/{case.reference}/")
    page.locator("summary", has_text="Add a task").click()
    page.get_by_label("Task").fill("Ring the contractor")
    with page.expect_navigation():
        page.get_by_role("button", name="Add task").click()
    assert "Ring the contractor" in page.locator("#case-task-list").inner_text()
    with page.expect_navigation():
        page.locator("#case-task-list").get_by_role("button", name="Mark as done").click()
    assert "Done" in page.locator("#case-task-list").inner_text()
    assert CaseTask.objects.get(case=case).done_by == officer_in_team

    case.refresh_from_db()
    s.case_decide(case=case, decision="refused", reasons="Not deep enough", expected_version=case.version,
                  by=officer_in_team)
    page.goto(f"/staff/cases/{case.reference}/")
    page.get_by_role("link", name="Open a follow-on case").click()
    page.get_by_label("Internal review").check()
    page.get_by_label("Why is a follow-on case needed?").fill("The customer asked for a review")
    with page.expect_navigation():
        page.get_by_role("button", name="Open follow-on case").click()
    child = Case.objects.get(parent=case)
    assert page.url.endswith(f"/staff/cases/{child.reference}/")
    assert case.reference in page.locator("#case-parent").inner_text()
    assert child.service == review


def test_engine_contract_pages_are_accessible(page, make_case, team, team_leader, officer_in_team, administrator):
    foi = ServiceFactory(code="browser-foi", name="FOI request", team=team, kind="report", calendar="any_uk_nation",
                         max_extensions=1)
    case = make_case(service=foi, title="Spend on potholes")
    s.case_task_add(case=case, title="Find the figures", assignee=team_leader, by=team_leader)
    asked = make_case(customer=None, requested_by=team_leader, by=team_leader, title="New starter set-up")
    sign_in(page, team_leader)
    page.goto("/staff/")
    assert "Find the figures" in page.locator("#my-tasks").inner_text()
    assert_accessible(page)
    page.goto(f"/staff/cases/{case.reference}/")
    assert_accessible(page)
    _fits_a_phone(page)
    page.goto(f"/staff/cases/{case.reference}/extend/")
    with page.expect_navigation():
        page.get_by_role("button", name="Extend").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.goto(f"/staff/cases/{case.reference}/tasks/add/")
    with page.expect_navigation():
        page.get_by_role("button", name="Add task").click()
    assert "Enter what needs to be done" in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto("/staff/requests/")
    assert asked.reference in page.locator("#my-requests").inner_text()
    assert_accessible(page)
    _fits_a_phone(page)
    page.get_by_role("link", name=asked.reference).click()
    assert "New starter set-up" in page.locator("#request-summary").inner_text()
    assert_accessible(page)
    _fits_a_phone(page)
    # The only console errors are the two refused forms answering 400 (Bad Request) on purpose.
    assert all("400" in error for error in page.console_errors), page.console_errors


def test_team_role_page_is_accessible(page, team, administrator, officer_in_team):
    membership = officer_in_team.team_memberships.get(team=team)
    sign_in(page, administrator)
    page.goto(f"/staff/teams/{team.slug}/members/{membership.pk}/")
    page.get_by_label("Officer of this team").check()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save role").click()
    assert "Officer of this team" in page.locator("main").inner_text()
    assert_accessible(page)
