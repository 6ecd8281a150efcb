"""End to end in Chromium with axe on every page: the "Report it" journey with and without JavaScript.

- without JavaScript: an eligible pothole found by postcode, with a photo, signing in at the point of
  submission (answers kept), the confirmation, "your reports" and the public page;
- with JavaScript: "use my location", an ineligible pothole (told why and what happens instead);
- without JavaScript: the location by street name search (an unknown street, then a choice from the results);
- following an existing nearby report instead of filing a duplicate;
- the staff report page: an officer books the repair and the reporter's public page shows it.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from oxtom.notify.models import OutboundMessage
from oxtom.places.models import PostcodeCentroid
from portal.models import ReportStatus, ReportSubscription, StreetReport
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

from .conftest import HERE, jpeg_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def postcode(db, division_a):
    PostcodeCentroid.objects.update_or_create(postcode="OX16 1AA", defaults={
        "kind": "unit", "latitude": HERE[0], "longitude": HERE[1]})
    return "OX16 1AA"


def check_accessible(page):
    """axe on the page as this browser has it. axe runs as a script, so with scripting turned off the
    page's HTML (scripts removed) is checked in a scripting page of the same site instead."""
    checker = getattr(page, "axe_page", None)
    if checker is None:
        assert_accessible(page)
        return
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
    checker.set_content(html, wait_until="load")
    print(f"axe on the HTML of {page.url} as served without JavaScript")  # shown if it fails
    assert_accessible(checker)


@pytest.fixture
def no_js(no_js_page, page):
    """A page with JavaScript off whose pages are axe-checked through `page` (JavaScript on)."""
    page.goto("/healthz")  # same origin, so the copied HTML's stylesheets load
    no_js_page.axe_page = page
    return no_js_page


def click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).click()
    check_accessible(page)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def start_and_choose_pothole(page):
    page.goto("/report/")
    check_accessible(page)
    assert "working days" in page.locator("main").inner_text()
    click(page, "button", "Start now")
    assert heading(page) == "What is the problem?"
    page.get_by_label("Pothole").check()
    click(page, "button", "Continue")
    assert heading(page) == "Where is the problem?"


def test_eligible_pothole_without_javascript_signing_in_at_the_end(no_js, catalogue, postcode, resident_a):
    page = no_js
    start_and_choose_pothole(page)
    # Without JavaScript there is no map and no "use my location" button: the postcode does the job.
    assert not page.locator("#use-my-location-button").is_visible()
    click(page, "button", "Continue")  # nothing entered
    assert page.title().startswith("Error: ") and "Enter a postcode" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    page.get_by_label("Describe exactly where it is (optional)").fill("Outside the bus stop")
    click(page, "button", "Continue")  # no open potholes nearby: straight to the questions
    assert heading(page) == "Tell us about the problem"
    page.get_by_label("How deep is it, in millimetres?").fill("60")
    page.get_by_label("How wide is it at its widest, in millimetres?").fill("400")
    page.get_by_label("In the road").check()
    page.get_by_label("Describe the problem (optional)").fill("Deep hole <b>by</b> the bus stop")
    click(page, "button", "Continue")
    assert "This meets our criteria for a repair" in page.locator("#meets-criteria").inner_text()
    assert heading(page) == "Add a photo of the problem"
    click(page, "button", "Continue")  # the photo is required
    assert "Select a photo of the problem" in page.locator(".govuk-error-summary").inner_text()
    page.set_input_files("#id_photo_1", files=[{"name": "pothole.jpg", "mimeType": "image/jpeg",
                                                "buffer": jpeg_bytes()}])
    click(page, "button", "Continue")
    assert heading(page) == "Check your answers before sending your report"
    answers = page.locator("#check-answers").inner_text()
    assert "Near OX16 1AA" in answers and "Outside the bus stop" in answers and "60" in answers

    # Sign in here; the answers are still there afterwards.
    click(page, "button", "Sign in")  # the one on this page (a link drawn as a button), not the header's
    assert "next=" in page.url
    page.get_by_label("Email address").fill(resident_a.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    click(page, "button", "Sign in")
    assert page.url.endswith("/report/check/")
    assert "Near OX16 1AA" in page.locator("#check-answers").inner_text()
    click(page, "button", "Send report")

    assert page.url.endswith("/report/confirmation/")
    report = StreetReport.objects.select_related("case").get()
    assert page.locator("#report-reference").inner_text() == report.case.reference
    assert "What happens next" in page.locator("main").inner_text()
    assert report.eligible and report.photos.count() == 1 and report.case.customer == resident_a.customer
    assert OutboundMessage.objects.filter(template_code="report-received", customer=resident_a.customer).count() == 1

    click(page, "link", "your reports")
    assert report.case.reference in page.locator("#reports-made").inner_text()
    click(page, "link", report.case.reference)
    assert heading(page) == "Pothole"
    main = page.locator("main").inner_text()
    assert "Reported" in page.locator("#report-status").inner_text()
    assert "Deep hole <b>by</b> the bus stop" in main  # shown as typed, never as markup
    assert "Alice" not in main and "OX16 1AA" not in main and "Outside the bus stop" not in main
    assert page.locator("img.oxtom-photos__image").count() == 1


def test_ineligible_pothole_with_javascript_and_use_my_location(browser, live_server, catalogue, division_a,
                                                                resident_a):
    context = _new_context(browser, live_server, geolocation={"latitude": HERE[0], "longitude": HERE[1]},
                           permissions=["geolocation"])
    try:
        page = _new_page(context)
        sign_in(page, resident_a)
        start_and_choose_pothole(page)
        with page.expect_navigation(url="**/report/details/"):  # found, and the form sent itself
            page.get_by_role("button", name="Use my current location").click()
        check_accessible(page)
        page.get_by_label("How deep is it, in millimetres?").fill("15")
        page.get_by_label("How wide is it at its widest, in millimetres?").fill("100")
        page.get_by_label("At the edge of the road").check()
        click(page, "button", "Continue")
        assert heading(page) == "It does not meet our criteria for a repair"
        reasons = page.locator("#criteria-reasons").inner_text()
        assert "less than 40 mm deep" in reasons and "less than 150 mm across" in reasons
        assert "routine" in page.locator("#criteria-instead").inner_text() or \
            "resurfaced" in page.locator("#criteria-instead").inner_text()
        click(page, "button", "Continue to record it")
        assert heading(page) == "Add photos (optional)"
        click(page, "button", "Continue")
        assert "Your current location" in page.locator("#check-answers").inner_text()
        click(page, "button", "Send report")
        reference = page.locator("#report-reference").inner_text()
        report = StreetReport.objects.select_related("case").get(case__reference=reference)
        assert not report.eligible and abs(report.latitude - HERE[0]) < 1e-6
        assert "resurfaced" in page.locator("main").inner_text()
        assert page.console_errors == []
    finally:
        context.close()


def test_following_an_existing_report_instead_of_filing_again(no_js, make_report, postcode, resident_a,
                                                              resident_b):
    existing = make_report(customer=resident_b.customer, by=resident_b)
    when = timezone.localdate() + dt.timedelta(days=4)
    from portal import services

    services.report_change_status(report=existing, status=ReportStatus.SCHEDULED, scheduled_on=when,
                                  expected_version=existing.case.version, by=_officer(existing))
    page = no_js
    start_and_choose_pothole(page)
    page.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    click(page, "button", "Continue")
    assert heading(page) == "Has it already been reported?"
    table = page.locator("#nearby-reports").inner_text()
    assert existing.case.reference in table and "Repair scheduled" in table
    assert f"Repair booked for {when:%-d %B %Y}" in table
    page.get_by_label(f"{existing.case.reference}: Repair scheduled", exact=False).check()
    click(page, "button", "Continue")
    # Following needs an account: sign in, then confirm.
    page.get_by_label("Email address").fill(resident_a.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    click(page, "button", "Sign in")
    assert heading(page) == f"Get updates on report {existing.case.reference}"
    click(page, "button", "Get updates")
    assert "You are following this report" in page.locator("main").inner_text()
    assert ReportSubscription.objects.filter(report=existing, customer=resident_a.customer).exists()
    assert StreetReport.objects.count() == 1  # no duplicate filed
    click(page, "link", "Other reports near here")
    assert existing.case.reference in page.locator("#reports-list").inner_text()
    page.get_by_label("Status").select_option("fixed")
    click(page, "button", "Show reports")
    assert page.locator("#no-reports").is_visible()


def _officer(report):
    from tests import factories as f

    user = f.UserFactory(email="officer.browser@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=report.case.team, user=user)
    return user


def test_officer_books_the_repair_on_the_staff_report_page(no_js, make_report, officer_in_team):
    report = make_report()
    page = no_js
    sign_in(page, officer_in_team)
    page.goto(f"/staff/cases/{report.case.reference}/")
    click(page, "link", "Work this street report: status, repair date, public updates, duplicates")
    assert heading(page) == f"Report {report.case.reference}"
    click(page, "link", "Change the status")
    click(page, "button", "Change status")  # nothing chosen
    assert page.title().startswith("Error: ") and "Choose the new status" in page.locator(
        ".govuk-error-summary").inner_text()
    when = timezone.localdate() + dt.timedelta(days=7)
    page.get_by_label("Repair scheduled").check()
    page.get_by_label("Day").fill(str(when.day))
    page.get_by_label("Month").fill(str(when.month))
    page.get_by_label("Year").fill(str(when.year))
    page.get_by_label("Standard response (optional)").select_option(label="Repair scheduled: Repair booked")
    page.get_by_label("Private note for staff (optional)").fill("Gang 3, morning slot")
    click(page, "button", "Change status")
    assert "Status changed" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#report-scheduled").inner_text() == f"{when:%-d %B %Y}"
    page.goto(f"/reports/{report.case.reference}/")
    check_accessible(page)
    main = page.locator("main").inner_text()
    assert "booked with our contractor" in main and "Gang 3" not in main


# A 1x1 transparent PNG: tiles need no network, and data: images are allowed by the CSP.
BLANK_TILE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8A"
              "AAAASUVORK5CYII=")


def test_maps_when_tiles_are_configured(page, settings, pothole, division_a, postcode):
    from .test_selectors import east_of, north_of, quick_report

    settings.MAP_TILE_URL = BLANK_TILE
    reports = [quick_report(pothole, north_of(40)), quick_report(pothole, east_of(80), status=ReportStatus.FIXED)]
    page.goto("/reports/?postcode=OX16+1AA")
    page.wait_for_selector("#around-map .leaflet-marker-icon")
    assert page.locator("#around-map .leaflet-marker-icon").count() == 2
    assert page.locator("#reports-list tbody tr").count() == 2  # the table still lists them all
    page.locator("#around-map .leaflet-marker-icon").first.click()
    popup = page.locator(".leaflet-popup-content a")
    assert popup.inner_text().split(":")[0] in {r.case.reference for r in reports}
    check_accessible(page)
    # The location step's map loads too (Leaflet is served from static/leaflet/).
    page.goto("/report/")
    click(page, "button", "Start now")
    page.get_by_label("Pothole").check()
    click(page, "button", "Continue")
    page.wait_for_selector("#report-map.leaflet-container")
    assert page.locator("#report-map").is_visible()
    # Choosing a point on the map (in a division made where the click lands: the test squares are small).
    from tests import factories as f

    page.locator("#report-map").click()  # the middle of the map
    assert "Point chosen on the map" in page.locator("#location-status").inner_text()
    point = (float(page.locator("#id_lat").input_value()), float(page.locator("#id_lon").input_value()))
    assert 51.45 < point[0] < 52.17 and -1.72 < point[1] < -0.86  # inside the county's bounds
    f.DivisionFactory(name="Map Point", centre=point, boundary_set=division_a.boundary_set)
    click(page, "button", "Continue")
    assert heading(page) == "Tell us about the problem"
    assert page.console_errors == []


def test_location_by_street_name_search_without_javascript(no_js, catalogue, division_a):
    from oxtom.places.models import Street
    from oxtom.places.streets import street_key

    Street.objects.create(ref="t:parsons", name="Parsons Street", search_key=street_key("Parsons Street"),
                                   town="Banbury", town_key="banbury", latitude=HERE[0], longitude=HERE[1])
    page = no_js
    start_and_choose_pothole(page)
    page.get_by_label("Street name").fill("Nowhere Boulevard")
    click(page, "button", "Search for a street")
    assert heading(page) == "Search for a street" and page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert "We could not find a street with that name in Oxfordshire" in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#id_street"
    page.get_by_label("Street name").fill("parsons st, banbury")
    click(page, "button", "Search")
    assert not page.title().startswith("Error: ")
    click(page, "button", "Continue")  # no street chosen
    assert "Select the street where the problem is" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Parsons Street, Banbury").check()
    page.get_by_label("Describe exactly where it is (optional)").fill("Outside number 12")
    click(page, "button", "Continue")  # no open potholes nearby: straight to the questions
    assert heading(page) == "Tell us about the problem"
    page.get_by_label("How deep is it, in millimetres?").fill("60")
    page.get_by_label("How wide is it at its widest, in millimetres?").fill("400")
    page.get_by_label("In the road").check()
    click(page, "button", "Continue")
    page.set_input_files("#id_photo_1", files=[{"name": "pothole.jpg", "mimeType": "image/jpeg",
                                                "buffer": jpeg_bytes()}])
    click(page, "button", "Continue")
    answers = page.locator("#check-answers").inner_text()
    assert "Parsons Street, Banbury" in answers and "Outside number 12" in answers
