"""In Chromium with axe: a requester who asked by email and has no account opens the link in our response
email (sent through the outbox to the mail sink), tries an empty submit (the error summary, nothing saved),
asks for an internal review and sees the confirmation with the 20-working-day date; the link opened again
offers no second review. Every page passes axe-core."""
from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from bas.foi import rules, services
from bas.foi.models import InternalReview
from oxtom.core.calendar import add_working_days
from oxtom.core.formats import govuk_date
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import message_dispatch
from tests.browser_support import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_requester_without_an_account_asks_for_a_review_from_the_email_link(page, make_request, coordinator,
                                                                          approver):
    request = make_request(name="Nadia Noaccount", email="nadia.noaccount@example.org",
                           text="Please send the gritting routes for 2025.")
    request = services.foi_triage(request=request, valid=True, regime="foi", by=coordinator)
    services.foi_draft_save(request=request, outcome="not_held", response_text="We do not hold this.",
                            by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    request = services.foi_approve(request=request, by=approver)
    reference = request.case.reference
    queued = OutboundMessage.objects.get(idempotency_key=f"foi:{request.pk}:response")
    if queued.status == OutboundMessage.Status.PENDING:  # no worker in this run: send it as the worker would
        message_dispatch(message_id=queued.pk, worker="test")
    sent = [m for m in mail.outbox if "nadia.noaccount@example.org" in m.to and m.subject.startswith("Response")]
    assert len(sent) == 1 and reference in sent[0].subject
    path = re.search(r"https?://[^/\s]+(/foi/review/[^\s/]+/)", sent[0].body).group(1)

    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == "Ask for an internal review"
    assert reference in page.content() and "Nadia" not in page.content()
    assert_accessible(page)
    _submit(page, "Ask for a review")
    assert "Tell us why you are unhappy" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    assert not InternalReview.objects.exists()
    page.get_by_label("Why are you unhappy with our response?").fill(
        "The gritting contractor's logs are council records: you must hold them.")
    _submit(page, "Ask for a review")
    review = InternalReview.objects.select_related("case").get()
    due = add_working_days(timezone.localdate(), rules.REVIEW_WORKING_DAYS, rules.CALENDAR)
    assert review.case.due_at == due
    assert page.get_by_role("heading", level=1).inner_text() == "Internal review asked for"
    assert page.locator("#review-reference").inner_text() == review.case.reference
    assert page.locator("#review-due").inner_text() == govuk_date(due)
    assert_accessible(page)

    page.goto(path)
    assert "You have already asked for an internal review" in page.locator("#refusal").inner_text()
    assert page.get_by_role("button", name="Ask for a review").count() == 0
    assert_accessible(page)
    page.goto("/foi/review/not-a-real-link/")
    assert page.get_by_role("heading", level=1).inner_text() == "This link does not work"
    assert_accessible(page)
    assert InternalReview.objects.count() == 1
