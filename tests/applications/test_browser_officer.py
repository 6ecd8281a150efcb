"""In Chromium with axe: an officer finds a referred application from its case, checks the evidence, refuses
with reasons (after an empty try), and a second officer reconsiders it while the first is turned away."""
from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as django_apps

from applications import services as s
from applications.seed import seed
from applications.models import Application, ApplicationService
from oxtom.customers.models import Channel
from tests import factories as f
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

from .conftest import BADGE_REFER, PDF, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _officer(team, email):
    user = f.UserFactory(email=email, roles=["officer"])
    f.TeamMembershipFactory(team=team, user=user)
    return user


def _decide(page, decision: str, reasons: str):
    page.get_by_label(decision, exact=False).first.check()
    page.get_by_label("Reasons for the decision").fill(reasons)
    with page.expect_navigation():
        page.get_by_role("button", name="Record decision").click()


def test_officer_refuses_and_a_different_officer_reconsiders(browser, live_server, page, resident_a, settings,
                                                            tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    customer = resident_a.customer
    customer.date_of_birth = dt.date(1950, 1, 1)
    customer.save()
    # Another module's transactional tests may have flushed the migration data: seed it again (idempotent).
    seed(django_apps)
    service = ApplicationService.objects.get(code="blue-badge")
    application = s.application_submit(service=service, customer=customer, answers=BADGE_REFER,
                                       evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB,
                                       by=resident_a, submission_key="browser-officer")
    team = application.case.team
    first, second = _officer(team, "first@example.org"), _officer(team, "second@example.org")

    sign_in(page, first)
    page.goto(f"/staff/cases/{application.case.reference}/")
    with page.expect_navigation():
        page.locator("#application-link").click()
    assert application.reference in page.locator("h1").inner_text()
    assert "Medical or specialist evidence" in page.locator("#application-evidence").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Record decision").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    _decide(page, "Refuse", "You told us you can walk to the shops without help.")
    assert "refused" in page.locator("#application-status").inner_text().lower()
    assert_accessible(page)

    application.refresh_from_db()
    again = s.application_request_reconsideration(application=application, grounds="My consultant disagrees",
                                                  by=resident_a)
    page.goto(f"/staff/applications/{again.reference}/")
    assert page.locator("#same-officer").is_visible()
    assert page.locator("#decision-form").count() == 0
    assert_accessible(page)

    other_context = _new_context(browser, live_server)
    try:
        other = _new_page(other_context)
        sign_in(other, second)
        other.goto(f"/staff/applications/{again.reference}/")
        assert "reconsider" in other.locator("#reconsideration").inner_text()
        _decide(other, "Approve", "The consultant's letter shows very considerable difficulty walking.")
        assert_accessible(other)
    finally:
        other_context.close()
    again.refresh_from_db()
    assert again.status == Application.Status.AWAITING_PAYMENT and again.decided_by == second


def test_a_resident_asks_to_be_texted_and_the_officers_decision_sends_one_text(browser, live_server, page,
                                                                                resident_a, settings, tmp_path):
    """Issue 18's decision promise by text: Rose asks on her application page, the officer decides, one text."""
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate, OutboundMessage

    settings.MEDIA_ROOT = str(tmp_path)
    seed(django_apps)
    seed_templates(MessageTemplate)
    customer = resident_a.customer
    customer.date_of_birth, customer.phone, customer.preferred_channel = dt.date(1950, 1, 1), "07700 900123", "email"
    customer.save()
    application = s.application_submit(service=ApplicationService.objects.get(code="blue-badge"), customer=customer,
                                       answers=BADGE_REFER, evidence=[("photo", png()), ("medical", PDF)],
                                       channel=Channel.WEB, by=resident_a, submission_key="browser-text-me")

    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, resident_a)
    page.goto(f"/apply/applications/{application.reference}/")
    assert "We expect to decide by" in page.locator("#expected").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Text me when you have decided").click()
    assert "as soon as we have decided" in page.locator("#decision-text").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)

    officer_context = _new_context(browser, live_server)
    try:
        officer = _new_page(officer_context)
        sign_in(officer, _officer(application.case.team, "decider@example.org"))
        officer.goto(f"/staff/applications/{application.reference}/")
        _decide(officer, "Approve", "The evidence shows very considerable difficulty walking.")
    finally:
        officer_context.close()
    texts = OutboundMessage.objects.filter(idempotency_key=f"application:{application.pk}:decision-text")
    assert texts.count() == 1 and texts.get().channel == "sms"
