"""In Chromium with axe: Nick searches the disclosure log, makes a request, and it goes through triage,
allocation to the service that holds the information, the personal data check with a redaction,
approval by a different officer, and publication in the log."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bas.foi.models import FoiRequest, PublishedResponse
from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _people():
    from oxtom.accounts.models import Team
    from oxtom.cases.models import Service
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    team, _ = Team.objects.get_or_create(slug="information-governance", defaults={"name": "Information Governance"})
    Team.objects.get_or_create(slug="highways-north", defaults={"name": "Highways North"})
    twenty = {str(p): 20 for p in (1, 2, 3, 4)}
    common = dict(kind="request", team=team, sla_working_days=twenty, calendar="any_uk_nation", qa_sample_rate=0,
                  notify_customer_on_change=False)
    Service.objects.get_or_create(code="foi-eir-request", defaults=dict(
        name="FOI or EIR request", reference_prefix="FOI", clock_restarts_for_customer=True, max_extensions=1,
        **common))
    Service.objects.get_or_create(code="foi-eir-internal-review", defaults=dict(
        name="FOI internal review", reference_prefix="IR", different_decider=True, **common))
    fay = f.UserFactory(email="fay.browser@example.org", roles=["foi_coordinator"], full_name="Fay Browser")
    dev = f.UserFactory(email="dev.browser@example.org", roles=["disclosure_officer"], full_name="Dev Browser")
    for user in (fay, dev):
        f.TeamMembershipFactory(team=team, user=user, team_role="officer")
    PublishedResponse.objects.create(
        reference="FOI-2025-LOG001", title="Potholes repaired in 2024-25", topic="Potholes",
        request_text="How many potholes were repaired in 2024-25?", response_text="We repaired 18,412 potholes.",
        published_on=timezone.localdate() - dt.timedelta(days=40),
        search_document="Potholes repaired in 2024-25 How many potholes were repaired? We repaired 18,412 potholes.")
    return fay, dev


def _fill_date(page, prefix: str, day: dt.date) -> None:
    page.fill(f"#id_{prefix}_day", str(day.day))
    page.fill(f"#id_{prefix}_month", str(day.month))
    page.fill(f"#id_{prefix}_year", str(day.year))


def test_nick_request_through_to_publication(page, browser, live_server):
    fay, dev = _people()
    # Nick searches the log first.
    page.goto("/foi/")
    assert_accessible(page)
    page.fill("#id_q", "potholes")
    page.get_by_role("button", name="Search").click()
    assert "Potholes repaired in 2024-25" in page.locator("#results").inner_text()
    assert_accessible(page)
    page.click("text=Make a request")
    page.fill("#id_name", "Nick Requester")
    page.fill("#id_email", "nick@example.org")
    page.fill("#id_request_text", "How many potholes on the A4074 were repaired within target in 2025? "
                                  "Jane Smith at the depot said the figures exist.")
    page.get_by_role("button", name="Send request").click()
    assert "already answered similar requests" in page.locator("#similar").inner_text()  # shown before sending
    assert_accessible(page)
    page.get_by_role("button", name="Send request").click()
    reference = page.locator("#reference").inner_text().strip()
    assert reference.startswith("FOI-") and page.locator("#due").inner_text()
    assert_accessible(page)
    foi = FoiRequest.objects.get(case__reference=reference)

    # Fay triages, allocates to Highways, records what they sent, drafts, checks and redacts.
    sign_in(page, fay)
    page.goto(f"/staff/foi/{reference}/")
    assert_accessible(page)
    page.check("#id_triage-valid_0")
    page.check("#id_triage-regime_0")
    page.fill("#id_triage-topic", "Potholes")
    page.fill("#id_triage-names_in_scope", "Jane Smith")
    page.get_by_role("button", name="Save triage").click()
    assert "Collecting the information" in page.locator("#stage").inner_text()
    page.select_option("#id_allocate-team", label="Highways North")
    page.fill("#id_allocate-asked", "Potholes on the A4074 repaired within target, 2025, by month")
    _fill_date(page, "allocate-due_on", foi.case.due_at - dt.timedelta(days=5))
    page.get_by_role("button", name="Ask this service").click()
    page.fill("textarea[name=information]", "412 repaired, 371 within target")
    page.get_by_role("button", name="Record information received").click()
    page.fill("#id_draft-response_text", "We repaired 412 potholes on the A4074 in 2025; 371 within target. "
                                         "Jane Smith confirmed the figures.")
    page.select_option("#id_draft-outcome", "granted")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Run the personal data check").click()
    findings = page.locator("#findings").inner_text()
    assert "Jane Smith" in findings
    assert_accessible(page)
    page.get_by_role("button", name="Redact Jane Smith").click()
    assert "Redacted" in page.locator("#findings").inner_text()
    page.get_by_role("button", name="Send for approval").click()
    assert "Waiting for approval" in page.locator("#stage").inner_text()
    assert "another officer must approve" in page.locator("main").inner_text()  # Fay drafted it

    # Dev, who did not draft it, approves and sends it; it goes in the log without the name.
    page.context.clear_cookies()
    sign_in(page, dev)
    page.goto(f"/staff/foi/{reference}/")
    assert "[redacted]" in page.locator("#draft-response").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and send").click()
    assert "Response sent" in page.locator("#stage").inner_text()
    page.goto("/foi/?q=A4074")
    assert "Potholes" in page.locator("#results").inner_text()
    page.click(f"#results a[href='/foi/log/{reference}/']")
    text = page.locator("main").inner_text()
    assert "412 potholes" in text and "Jane Smith" not in text and "Nick" not in text
    assert_accessible(page)
