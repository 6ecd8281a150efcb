"""End to end in Chromium: an officer works a case from the queue to closure, without JavaScript,
and the casework pages pass axe-core (no serious or critical violations)."""
from __future__ import annotations

import pytest

from oxtom.cases.models import Case, Status
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_officer_works_a_case_from_queue_to_closure_without_javascript(no_js_page, make_case, officer_in_team):
    page = no_js_page
    case = make_case(title="Pothole on Bridge Street")
    sign_in(page, officer_in_team)
    page.goto("/staff/queues/")  # one team: straight to its queue
    assert page.get_by_role("heading", level=1).inner_text() == "Highways North"
    assert page.locator("#queue").get_by_role("link", name=case.reference).is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Get next case").click()
    assert page.url.endswith(f"/staff/cases/{case.reference}/")
    assert "is now yours" in page.locator(".govuk-notification-banner").inner_text()

    steps = [
        ("Send an update to the customer", {"Update for the customer": "We will inspect it this week"}, "Add update"),
        ("Record a decision", {"Reasons for the decision": "Over 40mm deep: repair within 5 days"}, "Record decision"),
        ("Close this case", {}, "Close case"),
    ]
    choices = {"Record a decision": "Action taken", "Close this case": "Completed"}
    for link, fields, button in steps:
        page.get_by_role("link", name=link).click()
        if link in choices:
            page.get_by_label(choices[link], exact=True).check()
        for label, value in fields.items():
            page.get_by_label(label).fill(value)
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        assert page.url.endswith(f"/staff/cases/{case.reference}/"), page.locator("main").inner_text()[:500]

    assert page.locator("#case-status").inner_text() == "Closed"
    assert "Over 40mm deep" in page.locator("#case-timeline").inner_text()
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_casework_pages_are_accessible(page, make_case, team_leader):
    case = make_case(title="Pothole on Bridge Street")
    sign_in(page, team_leader)
    page.goto("/staff/queues/highways-north/")
    assert_accessible(page)
    page.goto(f"/staff/cases/{case.reference}/")
    assert_accessible(page)
    page.goto(f"/staff/cases/{case.reference}/decide/".replace("decide", "priority"))
    with page.expect_navigation():
        page.get_by_role("button", name="Change priority").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.goto("/staff/queues/highways-north/workload/")
    assert_accessible(page)
    page.goto("/staff/queues/highways-north/qa/")
    assert_accessible(page)
    assert page.console_errors == []


def test_councillor_division_pages_are_accessible(page, make_case, councillor_of_division):
    case = make_case(title="Pothole on Bridge Street")
    sign_in(page, councillor_of_division)
    page.goto("/members/cases/")
    assert page.get_by_role("link", name=case.reference).is_visible()
    assert_accessible(page)
    page.get_by_role("link", name=case.reference).click()
    assert_accessible(page)


def test_councillor_raises_and_tracks_an_enquiry(page, enquiry_service, councillor_of_division):
    sign_in(page, councillor_of_division)
    page.goto("/members/enquiries/")
    assert_accessible(page)
    page.get_by_role("button", name="Raise an enquiry").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send enquiry").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("What is it about?").select_option(label="Members' enquiry")
    page.get_by_label("Subject").fill("Flooding at the ford")
    page.get_by_label("Details of the enquiry").fill("Water over the road after rain")
    page.get_by_role("radio", name="A constituent").check()
    page.get_by_label("Constituent's first name").fill("Doris")
    page.get_by_label("Constituent's last name").fill("Day")
    page.get_by_label("Email address").fill("doris.day@example.org")
    page.get_by_label("The constituent has given their consent").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send enquiry").click()
    case = Case.objects.get(raised_by=councillor_of_division)
    assert page.url.endswith(f"/members/cases/{case.reference}/")
    assert case.reference in page.locator(".govuk-notification-banner").inner_text()
    page.goto("/members/enquiries/")
    assert page.locator("#enquiries").get_by_role("link", name=case.reference).is_visible()
    assert page.console_errors == []


def test_customer_answers_a_request_for_information_and_the_officer_closes(page, browser, live_server, make_case,
                                                                           officer_in_team, resident_a):
    """Officer asks; the resident reads the request in their account and replies (error state
    first, axe on each page); the clock restarts; the officer sees the reply and closes the case."""
    from oxtom.cases import services as s

    case = make_case(title="Pothole on Bridge Street")
    case = s.case_assign(case=case, assignee=officer_in_team, expected_version=case.version, by=officer_in_team)

    officer = page
    sign_in(officer, officer_in_team)
    officer.goto(f"/staff/cases/{case.reference}/")
    officer.get_by_role("link", name="Ask the customer for information").click()
    officer.get_by_label("What do you need from the customer?").fill("Please send a photo with a ruler beside it")
    with officer.expect_navigation():
        officer.get_by_role("button", name="Send request").click()
    assert officer.locator("#case-status").inner_text() == "Waiting for the customer"

    resident_context = _new_context(browser, live_server)  # a second person, with their own cookies
    resident = _new_page(resident_context)
    sign_in(resident, resident_a)
    resident.goto("/account/cases/")
    assert "We need your reply" in resident.locator("#your-cases").inner_text()
    assert_accessible(resident)
    resident.get_by_role("link", name=case.reference).click()
    assert "Please send a photo with a ruler" in resident.locator("#information-request").inner_text()
    assert_accessible(resident)
    with resident.expect_navigation():
        resident.get_by_role("button", name="Send reply").click()
    assert "Enter your reply" in resident.locator(".govuk-error-summary").inner_text()
    assert resident.title().startswith("Error: ")
    assert_accessible(resident)
    resident.get_by_label("Your reply").fill("The hole is 45mm deep; photo sent by email")
    with resident.expect_navigation():
        resident.get_by_role("button", name="Send reply").click()
    assert "we have your reply" in resident.locator(".govuk-notification-banner").inner_text()
    assert resident.locator("#case-status").inner_text() == "In progress"
    assert_accessible(resident)

    officer.goto(f"/staff/cases/{case.reference}/")
    assert "The hole is 45mm deep" in officer.locator("#case-timeline").inner_text()
    officer.get_by_role("link", name="Close this case").click()
    officer.get_by_label("Completed", exact=True).check()
    with officer.expect_navigation():
        officer.get_by_role("button", name="Close case").click()
    assert officer.locator("#case-status").inner_text() == "Closed"
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert officer.console_errors == [] and resident.console_errors == []
    resident_context.close()
