"""End to end in Chromium with axe: apply for a parking permit, pay on the sandbox page, see it issued;
a blue badge referred to an officer and approved; a refusal with reconsideration; a journey without JavaScript."""
from __future__ import annotations

from datetime import date

import pytest
from PIL import Image

from applications.models import Application, Entitlement
from tests import factories as f
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _application_catalogue(transactional_db):
    """The seeded services, seeded again: a transactional test before this one flushed migration data."""
    from django.apps import apps

    from applications.seed import seed

    seed(apps)


def _files(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (300, 400), (90, 120, 150)).save(photo, "JPEG")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return photo, letter


def _continue(page, name="Continue"):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _radio(page, question: str, answer: str):
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def pay_with_card(page, card="4444 3333 2222 1111"):
    assert "/pay/sandbox/" in page.url
    assert_accessible(page)
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill(str(date.today().year + 2))
    page.get_by_label("Name on card").fill("Alice Resident")
    page.get_by_label("Card security code").fill("123")
    _continue(page)


def test_resident_applies_for_a_parking_permit_pays_and_sees_it_issued(page, resident_a, tmp_path):
    _, letter = _files(tmp_path)
    sign_in(page, resident_a)
    page.goto("/apply/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Residents' parking permit").click()
    assert "£65.00" in page.locator("#fee").inner_text()
    assert_accessible(page)
    _continue(page, "Start now")
    # The address comes from Alice's account: the first question is whether she lives there.
    assert page.get_by_role("heading", level=1).inner_text() == "Do you live at this address?"
    assert_accessible(page)
    page.get_by_label("Yes").check()
    _continue(page)
    page.get_by_label("Vehicle registration number").fill("not a reg")
    _continue(page)
    assert page.title().startswith("Error: ")
    assert "Enter a real vehicle registration number" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Vehicle registration number").fill("ab12cde")
    _continue(page)
    page.get_by_label("Yes").check()
    _continue(page)
    page.get_by_label("Me", exact=True).check()
    _continue(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Add your evidence"
    assert_accessible(page)
    page.get_by_label("Vehicle registration document").set_input_files(str(letter))
    _continue(page)
    assert "AB12 CDE" in page.locator("#check-answers").inner_text()
    assert_accessible(page)
    _continue(page, "Accept and send")

    application = Application.objects.get()
    assert page.locator("#application-reference").inner_text() == application.reference
    assert "We will tell you straight away" in page.locator("#decision-promise").inner_text()
    assert_accessible(page)
    _continue(page, "Pay £65.00 now")
    pay_with_card(page)
    assert "Payment received" in page.locator("h1").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Continue").click()
    entitlement = Entitlement.objects.get()
    assert "has been issued" in page.locator("h1").inner_text()
    assert page.locator("#entitlement-number").inner_text() == entitlement.number
    assert_accessible(page)

    page.goto("/account/")
    with page.expect_navigation():
        page.get_by_role("link", name="Your permits, blue badges, bus passes and applications").click()
    assert entitlement.number in page.locator("#entitlements").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=entitlement.number, exact=True).click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Tell us about a change").click()
    assert_accessible(page)
    page.get_by_label("New vehicle registration number").fill("XY51 ABC")
    _continue(page, "Send the change")
    assert Application.objects.filter(kind="change").exists()
    assert_accessible(page)
    assert not page.console_errors


def _badge_questions(page, *, awards: str, walking: str):
    _radio(page, "Who is the blue badge for?", "Myself")
    _continue(page)
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("1960")
    _continue(page)
    page.get_by_label(awards, exact=True).check()
    _continue(page)
    for question in ("walking", "both_arms", "journey_distress", "child_equipment", "child_near_vehicle",
                     "terminal_illness"):
        answer = walking if question == "walking" else "No"
        page.locator(f"input[name='{'walking_difficulty' if question == 'walking' else question}'][value='"
                     f"{'yes' if answer == 'Yes' else 'no'}']").check()
        _continue(page)


def _badge_evidence(page, tmp_path):
    photo, letter = _files(tmp_path)
    inputs = page.locator("input[type=file]")
    inputs.nth(0).set_input_files(str(photo))
    inputs.nth(1).set_input_files(str(letter))
    page.get_by_label("Medical or specialist evidence").check()
    _continue(page)


def test_blue_badge_referred_then_officer_approves_and_resident_sees_it(browser, live_server, page, resident_a,
                                                                         tmp_path):
    sign_in(page, resident_a)
    page.goto("/apply/blue-badge/")
    assert_accessible(page)
    _continue(page, "Start now")
    _badge_questions(page, awards="None of these", walking="Yes")
    _badge_evidence(page, tmp_path)
    _continue(page, "Accept and send")
    application = Application.objects.get()
    assert application.status == "referred"
    assert "difficulty walking" in page.locator("#reasons").inner_text()
    assert "within 60 working days" in page.locator("main").inner_text()
    assert_accessible(page)

    officer = f.UserFactory(email="badges@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=application.case.service.team, user=officer)
    staff_context = _new_context(browser, live_server)
    try:
        staff = _new_page(staff_context)
        sign_in(staff, officer)
        staff.goto(f"/staff/applications/{application.reference}/")
        assert_accessible(staff)
        staff.get_by_label("Approve", exact=False).first.check()
        staff.get_by_label("Reasons for the decision").fill("Walking assessment: 40 metres with pain")
        with staff.expect_navigation():
            staff.get_by_role("button", name="Record decision").click()
    finally:
        staff_context.close()
    application.refresh_from_db()
    assert application.status == "awaiting_payment"
    page.goto(f"/apply/applications/{application.reference}/")
    assert "Your application has been approved" in page.locator("h1").inner_text()
    assert_accessible(page)
    _continue(page, "Pay £10.00 now")
    pay_with_card(page, card="4000 0000 0000 0002")  # declined
    page.goto(f"/apply/applications/{application.reference}/")
    assert "Your payment was not taken" in page.locator("h1").inner_text()
    assert not Entitlement.objects.exists()
    assert_accessible(page)
    _continue(page, "Try paying again")
    pay_with_card(page)
    page.goto(f"/apply/applications/{application.reference}/")
    assert Entitlement.objects.get().number.startswith("BB-")
    assert "has been issued" in page.locator("h1").inner_text()


def test_refusal_shows_reasons_and_reconsideration_can_be_asked(page, resident_a, tmp_path):
    sign_in(page, resident_a)
    page.goto("/apply/blue-badge/")
    _continue(page, "Start now")
    _badge_questions(page, awards="None of these", walking="No")
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot get a blue badge"
    assert "do not get any of the benefits" in page.locator("#reasons").inner_text()
    assert_accessible(page)
    assert not Application.objects.exists()

    # An officer's refusal of a referred application, and asking for it to be reconsidered.
    page.goto("/apply/blue-badge/")
    _continue(page, "Start now")
    _badge_questions(page, awards="None of these", walking="Yes")
    _badge_evidence(page, tmp_path)
    _continue(page, "Accept and send")
    application = Application.objects.get()
    officer = f.UserFactory(email="badges2@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=application.case.service.team, user=officer)
    from applications.services import application_decide

    application_decide(application=application, decision="refuse", reasons="You can walk 200 metres unaided",
                       by=officer, version=application.version)
    page.goto(f"/apply/applications/{application.reference}/")
    assert "Your application has been refused" in page.locator("h1").inner_text()
    assert "200 metres unaided" in page.locator("#reasons").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Ask us to reconsider").click()
    assert_accessible(page)
    _continue(page, "Send request")
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Why should we look at our decision again?").fill("My walking got worse after surgery in May.")
    _continue(page, "Send request")
    assert Application.objects.filter(kind="reconsideration", reconsideration_of=application).exists()
    assert "An officer is looking at your application" in page.locator("h1").inner_text()


def test_bus_pass_without_javascript_signing_in_at_the_end(no_js_page, resident_a, county_cover, tmp_path):
    page = no_js_page
    photo, letter = _files(tmp_path)
    page.goto("/apply/bus-pass/")
    _continue(page, "Start now")
    assert page.get_by_role("heading", level=1).inner_text() == "Date of birth"
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill(str(date.today().year + 1))
    _continue(page)
    assert "must be today or in the past" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Year").fill("1950")
    _continue(page)
    # Signed out, so nothing is known: the pass is for residents, so the home address is asked.
    assert page.get_by_role("heading", level=1).inner_text() == "What is the address?"
    page.get_by_label("Address line 1").fill("12 Cowley Road")
    page.get_by_label("Postcode").fill("ox4 1hp")
    _continue(page)
    _continue(page)  # no disability category: optional
    assert page.get_by_role("heading", level=1).inner_text() == "Add your evidence"
    inputs = page.locator("input[type=file]")
    inputs.nth(0).set_input_files(str(photo))
    inputs.nth(1).set_input_files(str(letter))
    page.get_by_label("Proof of identity or age").check()
    _continue(page)
    assert "2 January 1950" in page.locator("#check-answers").inner_text()
    with page.expect_navigation():
        page.locator("#sign-in").click()
    page.get_by_label("Email address").fill(resident_a.email)
    page.get_by_label("Password").fill(f.TEST_PASSWORD)
    _continue(page, "Sign in")
    assert "/apply/bus-pass/check/" in page.url and "2 January 1950" in page.locator("#check-answers").inner_text()
    _continue(page, "Accept and send")
    entitlement = Entitlement.objects.get()
    assert entitlement.customer == resident_a.customer and entitlement.number in page.locator("main").inner_text()
