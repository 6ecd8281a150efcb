"""In Chromium with axe: case pages show each answer by its question and the evidence as links that open.

The officer's case page of a referred blue badge and the resident's own
page of a pothole report, as those people would read them (no Python
values, field keys or raw dates), on a desktop and on a phone.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps as django_apps
from PIL import Image

from applications import services as s
from applications.models import ApplicationService
from applications.seed import seed as seed_applications
from oxtom.core.uploads import image_check
from oxtom.customers.models import Channel
from portal import services as portal_services
from portal.models import ReportType
from portal.seed import seed as seed_portal
from tests import factories as f
from tests.answers_support import INTERNAL
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOTHING = {"walking_difficulty": "yes", "both_arms": "no", "journey_distress": "no", "child_equipment": "no",
           "child_near_vehicle": "no", "terminal_illness": "no"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 60, 20)).save(out, "JPEG")
    return out.getvalue()


def _no_internal_values(text: str) -> None:
    for bad in INTERNAL:
        assert bad not in text, f"{bad!r} on the page: {text}"


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_officer_reads_a_blue_badge_case(page, resident_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    seed_applications(django_apps)
    customer = resident_a.customer
    customer.date_of_birth = dt.date(1990, 8, 17)
    customer.save()
    application = s.application_submit(
        service=ApplicationService.objects.get(code="blue-badge"), customer=customer,
        answers={"applying_for": "myself", "awards": ["none"], **NOTHING, "holder_date_of_birth": "1990-08-17"},
        evidence=[("photo", _png()), ("medical", PDF)], channel=Channel.WEB, by=resident_a,
        submission_key="browser-answers")
    officer = f.UserFactory(email="badge.reader@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=application.case.team, user=officer)

    sign_in(page, officer)
    page.goto(f"/staff/cases/{application.case.reference}/")
    answers = page.locator("#case-answers").inner_text()
    for phrase in ("Who is the blue badge for?", "Myself", "Badge holder's date of birth", "17 August 1990",
                   "Does the badge holder get any of these?", "None of these", "Yes"):
        assert phrase in answers, answers
    _no_internal_values(page.locator("main").inner_text())
    assert "1990-08-17" not in page.locator("main").inner_text()
    assert "An officer needs to assess" in page.locator("#case-rule-reasons").inner_text()
    links = page.locator("#case-evidence a")
    assert links.count() == 2
    assert "Medical or specialist evidence" in page.locator("#case-evidence").inner_text()
    for i in range(links.count()):
        response = page.request.get(links.nth(i).get_attribute("href"))
        assert response.status == 200, response.status
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _fits(page)
    assert_accessible(page)


def test_resident_reads_their_pothole_case(page, resident_a, division_a, team, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    seed_portal(django_apps)
    pothole = ReportType.objects.get(service__code="pothole")
    report = portal_services.report_create(
        report_type=pothole, customer=resident_a.customer, latitude=52.06, longitude=-1.34,
        answers={"depth_mm": "60", "width_mm": "400", "position": "road", "details": "By the bus stop"},
        photos=[image_check(_jpeg())], by=resident_a, location_text="OX16 1AA")

    sign_in(page, resident_a)
    page.goto("/account/cases/")
    row = page.locator("tr", has_text=report.case.reference).inner_text()
    assert "Pothole" in row and "Pothole: Pothole" not in row
    page.goto(f"/account/cases/{report.case.reference}/")
    answers = page.locator("#case-answers").inner_text()
    for phrase in ("How deep is it, in millimetres?", "60 mm", "How wide is it at its widest, in millimetres?",
                   "400 mm", "Where is it?", "In the road", "By the bus stop"):
        assert phrase in answers, answers
    main = page.locator("main").inner_text()
    _no_internal_values(main)
    for key in ("depth_mm", "width_mm", "position road"):
        assert key not in main
    photo = page.locator("#case-evidence a").first
    assert photo.inner_text() == "Photo 1"
    assert page.request.get(photo.get_attribute("href")).status == 200
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _fits(page)
    page.screenshot(path=str(tmp_path / "resident-pothole-case.png"), full_page=True)
    assert_accessible(page)
