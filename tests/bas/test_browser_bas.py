"""In Chromium, Sue's story end to end: Sue (a colleague in Property Services) asks for a presentation from
the menu, John allocates it to Mike (the suggestion, by skill), Mike proposes a date, Sue accepts it, Mike
hands over the slides (a PowerPoint file, after a macro-enabled one is refused) and Sue downloads and rates
them. Every page passes axe-core and fits a 375 px phone."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bas.models import BasRequest, OfficerSkill
from tests.browser_support import assert_accessible, sign_in
from tests.office_files import pptx_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url
    page.set_viewport_size({"width": 1280, "height": 900})


def _as(page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def _fill_date(page, prefix: str, day: dt.date) -> None:
    page.locator(f"#id_{prefix}_day").fill(str(day.day))
    page.locator(f"#id_{prefix}_month").fill(str(day.month))
    page.locator(f"#id_{prefix}_year").fill(str(day.year))


def test_sue_asks_for_a_presentation_john_gives_it_to_mike_and_they_agree_a_date(page, presentations, sue, john,
                                                                                 mike, bea):
    OfficerSkill.objects.create(user=mike, item=presentations, level=3)
    OfficerSkill.objects.create(user=bea, item=presentations, level=1)

    # Sue finds the presentation on the menu and asks for it.
    _as(page, sue)
    page.goto("/staff/")
    page.get_by_role("link", name="Request business admin support").click()
    assert_accessible(page)
    _fits_a_phone(page)
    page.get_by_role("link", name="Request presentations").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Send request").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("What do you need?").fill("Slides for a staff briefing on the new rules: five key points.")
    _fill_date(page, "needed_by", timezone.localdate() + dt.timedelta(days=7))
    with page.expect_navigation():
        page.get_by_role("button", name="Send request").click()
    r = BasRequest.objects.get()
    assert page.url.endswith(f"/staff/bas/requests/{r.case.reference}/")
    assert "Waiting for an officer" in page.locator("main").inner_text()
    assert_accessible(page)

    # John sees it in his team's queue and takes the suggestion: Mike, the expert.
    _as(page, john)
    page.goto("/staff/bas/queue/business-admin-support/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Allocate {r.case.reference}").click()
    assert "Suggested: Mike Officer" in page.locator("#bas-suggestion").inner_text()
    assert page.get_by_label("Mike Officer (suggested)", exact=False).is_checked()
    assert_accessible(page)
    _fits_a_phone(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Allocate").click()
    assert "Allocated to Mike Officer" in page.locator("main").inner_text()

    # Mike proposes a date.
    _as(page, mike)
    page.goto(f"/staff/bas/requests/{r.case.reference}/")
    day = timezone.localdate() + dt.timedelta(days=5)
    _fill_date(page, "date", day)
    with page.expect_navigation():
        page.get_by_role("button", name="Propose date").click()
    assert f"Proposed by the officer: {day.day} {day:%B %Y}" in page.locator("#bas-date-state").inner_text()
    assert_accessible(page)

    # Sue accepts it.
    _as(page, sue)
    page.goto(f"/staff/bas/requests/{r.case.reference}/")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Accept {day.day} {day:%B %Y}").click()
    assert f"Agreed: {day.day} {day:%B %Y}" in page.locator("#bas-date-state").inner_text()
    assert_accessible(page)
    _fits_a_phone(page)
    r.refresh_from_db()
    assert (r.case.assignee, r.date_state, r.agreed_date) == (mike, "agreed", day)

    # Mike hands over the slides: a macro-enabled deck is refused at the field, the plain one is kept.
    _as(page, mike)
    page.goto(f"/staff/bas/requests/{r.case.reference}/")
    page.get_by_role("link", name="Hand over the deliverable").click()
    page.get_by_label("What are you handing over?").fill("The briefing slides, five key points.")
    pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    page.get_by_label("The deliverable").set_input_files(
        [{"name": "briefing.pptx", "mimeType": pptx, "buffer": pptx_bytes(**{"ppt/vbaProject.bin": b"\x00"})}])
    with page.expect_navigation():
        page.get_by_role("button", name="Hand over").click()
    assert "briefing.pptx: The selected file contains macros" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    assert page.get_by_label("What are you handing over?").input_value() == "The briefing slides, five key points."
    deck = pptx_bytes()
    page.get_by_label("The deliverable").set_input_files([{"name": "briefing.pptx", "mimeType": pptx, "buffer": deck}])
    with page.expect_navigation():
        page.get_by_role("button", name="Hand over").click()
    assert "Handed over" in page.content()
    r.refresh_from_db()
    assert r.delivered_at is not None and r.case.status == "closed"

    # Sue downloads the deck (as a download, not inside the page) and rates the service.
    _as(page, sue)
    page.goto(f"/staff/bas/requests/{r.case.reference}/")
    with page.expect_download() as download:
        page.locator("#bas-files").get_by_role("link", name="briefing.pptx").click()
    assert download.value.suggested_filename == "briefing.pptx"
    assert open(download.value.path(), "rb").read() == deck
    page.get_by_label("5: very good").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send rating").click()
    assert_accessible(page)
    _fits_a_phone(page)
    r.refresh_from_db()
    assert r.rating == 5
