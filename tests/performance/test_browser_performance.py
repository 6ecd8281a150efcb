"""End to end in Chromium: the public finds a division by postcode; a councillor finds theirs and prints
the briefing; analysts close a month, enter, approve and import figures, set targets, change
definitions and add comparator groups. axe-core on every page (no serious or critical violations)."""
from __future__ import annotations

import io
from decimal import Decimal as D

import pytest

from oxtom.places.models import PostcodeCentroid
from tests.browser_support import assert_accessible, sign_in

from .factories import MeasureFactory, target, value
from .test_public_views import months

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def published(division_a, division_b, councillor_of_division):
    PostcodeCentroid.objects.create(postcode="OX16 5", kind="sector", latitude=52.06, longitude=-1.34,
                                    post_town="BANBURY")
    periods = months(13)
    rate = MeasureFactory(code="on-time", name="Cases finished on time", unit="percent", precision=1,
                          polarity="higher", source="computed")
    count = MeasureFactory(code="received", name="Cases received", unit="count", polarity="neutral",
                           source="computed")
    for i, period in enumerate(periods):
        value(rate, period, D(70 + i), division=division_a, base=20)
        value(rate, period, D("80"), base=900)
        value(count, period, D(3 if i == 5 else 12 + i), division=division_a)
        value(count, period, D("700"))
    target(rate, periods[-1], D("85"), D("2"))
    return periods


def test_search_error_is_accessible(page, published):
    page.goto("/divisions/?q=Atlantis")
    assert "No division matches" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)


def test_member_finds_their_division_by_postcode_and_prints_the_briefing(page, published, councillor_of_division,
                                                                          division_a):
    from pypdf import PdfReader

    sign_in(page, councillor_of_division)
    page.goto("/divisions/")
    assert_accessible(page)
    page.get_by_label("Postcode or place name").fill("OX16 5AB")
    with page.expect_navigation():
        page.get_by_role("button", name="Find division").click()
    assert page.url.endswith(f"/divisions/{division_a.slug}/")
    assert page.get_by_role("heading", name=division_a.name, level=1).is_visible()
    assert page.locator("#measure-on-time strong").first.inner_text() == "82.0%"
    assert_accessible(page)

    page.goto("/members/division/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Printable one-page briefing").click()
    assert_accessible(page)
    # JavaScript offers a print button on screen; the print stylesheet hides it and the page furniture.
    button = page.get_by_role("button", name="Print this page")
    assert button.is_visible()
    header_display = "() => getComputedStyle(document.querySelector('.govuk-header')).display"
    assert page.evaluate(header_display) != "none"
    page.emulate_media(media="print")
    assert page.evaluate(header_display) == "none"
    assert not button.is_visible()
    assert page.locator("#briefing-figures").is_visible()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert division_a.name in text and "Cases finished on time" in text and "Cookies" not in text
    assert page.console_errors == []


def test_analyst_closes_a_month_and_downloads_the_cabinet_report(page, published, analyst, monkeypatch):
    from pypdf import PdfReader

    from performance import services, tasks

    # The live server runs in this process: make the report at once instead of through the broker.
    monkeypatch.setattr(services, "enqueue_cabinet_report", tasks.generate_cabinet_report)
    last_month = published[-2]  # the current month cannot close until it is over
    target(MeasureFactory(code="on-time"), last_month, D("85"), D("2"))
    month = last_month.start.strftime("%Y-%m")
    label = last_month.label
    sign_in(page, analyst)
    page.goto("/staff/performance/")
    assert page.get_by_text("Needs commentary").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Periods and Cabinet reports").click()
    page.get_by_role("link", name=f"Close {label}").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=f"Close {label} and make the report").click()
    assert "is red for" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)

    page.get_by_role("link", name="Cases finished on time", exact=True).click()
    page.get_by_label("Month").fill(month)
    page.get_by_label("Commentary").fill("Two officers left in March; recruitment is under way.")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Add commentary").click()
    page.goto(f"/staff/performance/periods/{month}/close/")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Close {label} and make the report").click()
    assert "is closed" in page.locator(".govuk-notification-banner, .govuk-panel, body").first.inner_text()

    page.get_by_role("link", name=f"Report for {label}").click()
    assert page.get_by_role("heading", name=f"Performance report for Cabinet: {label}").is_visible()
    exceptions = page.locator(".exception")
    assert exceptions.first.get_by_text("Two officers left in March").is_visible()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"cabinet-performance-report-{month}.pdf"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Cases finished on time" in text and "Two officers left in March" in text
    assert page.console_errors == []


def test_analysts_enter_approve_and_import_figures(page, context, browser, live_server, published, analyst,
                                                  second_analyst, tmp_path):
    from performance.models import Value, ValueEntry

    MeasureFactory(code="satisfaction", name="Resident satisfaction", unit="percent", polarity="higher",
                   source="manual")
    MeasureFactory(code="partner-rate", name="Partner rate", unit="percent", source="imported")
    month = published[-1].start.strftime("%Y-%m")
    sign_in(page, analyst)
    page.goto("/staff/performance/measures/satisfaction/")
    assert_accessible(page)
    page.get_by_role("link", name="Enter a figure").click()
    page.get_by_label("Month").fill(month)
    page.get_by_label("Figure", exact=True).fill("eighty")
    with page.expect_navigation():
        page.get_by_role("button", name="Send for approval").click()
    assert "Figure must be a number" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("Figure", exact=True).fill("88.5")
    with page.expect_navigation():
        page.get_by_role("button", name="Send for approval").click()
    assert ValueEntry.objects.filter(status="pending").count() == 1

    # A file with problems: every one listed by row, nothing stored.
    csv_path = tmp_path / "partner.csv"
    csv_path.write_text("measure_code,period,area_type,area_code,value\n"
                        f"partner-rate,{month},county,,81\npartner-rate,{month},division,E99999999,7\n"
                        f"partner-rate,{month},county,,not a number\n")
    page.goto("/staff/performance/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    problems = page.locator("#import-problems").inner_text()
    assert "Unknown division code 'E99999999'" in problems and "is not a number" in problems
    assert_accessible(page)
    assert not Value.objects.filter(measure__code="partner-rate").exists()

    # The second analyst approves it in a browser of their own.
    other = browser.new_context(base_url=live_server.url)
    try:
        second = other.new_page()
        sign_in(second, second_analyst)
        second.goto("/staff/performance/approvals/")
        assert_accessible(second)
        second.get_by_role("link", name="Resident satisfaction").click()
        second.get_by_role("radio", name="Yes, approve it").check()
        assert_accessible(second)
        with second.expect_navigation():
            second.get_by_role("button", name="Save decision").click()
        assert "Figure approved and published" in second.locator("body").inner_text()
    finally:
        other.close()
    assert Value.objects.get(measure__code="satisfaction", area_key="county").value == D("88.5")
    assert page.console_errors == []


def test_other_analyst_pages_are_accessible(page, published, analyst):
    month = published[-1].start.strftime("%Y-%m")
    sign_in(page, analyst)
    for path in ("/staff/performance/periods/", "/staff/performance/comparators/",
                 "/staff/performance/comparators/new/", "/staff/performance/measures/on-time/target/",
                 "/staff/performance/measures/on-time/definition/", f"/staff/performance/reports/{month}/"):
        page.goto(path)
        assert_accessible(page)
    # and a form with errors
    page.goto("/staff/performance/comparators/new/")
    with page.expect_navigation():
        page.get_by_role("button", name="Save group").click()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    assert page.console_errors == []


def test_analyst_sets_a_target_changes_a_definition_and_adds_a_comparator_group(page, published, analyst):
    from performance.models import ComparatorGroup, Measure, Target

    month = published[-2].start.strftime("%Y-%m")
    sign_in(page, analyst)
    page.goto("/staff/performance/measures/on-time/target/")
    page.get_by_label("Month").fill(month)
    page.get_by_label("Target", exact=True).fill("not a number")
    with page.expect_navigation():
        page.get_by_role("button", name="Save target").click()
    assert page.title().startswith("Error:")
    assert "Target must be a number" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Target", exact=True).fill("90")
    with page.expect_navigation():
        page.get_by_role("button", name="Save target").click()
    assert page.get_by_text(f"Target set for {published[-2].start:%B %Y}").is_visible()
    assert Target.objects.get(measure__code="on-time", period=published[-2]).value == D("90")

    page.goto("/staff/performance/measures/on-time/definition/")
    page.get_by_label("Name", exact=True).fill("Cases finished within their target time")
    page.get_by_label("Why the definition is changing").fill("Plainer name agreed with Cabinet")
    with page.expect_navigation():
        page.get_by_role("button", name="Save as a new version").click()
    assert page.get_by_text("Definition saved as version 2").is_visible()
    assert Measure.objects.get(code="on-time").name == "Cases finished within their target time"
    assert_accessible(page)

    page.goto("/staff/performance/comparators/new/")
    page.get_by_label("Name", exact=True).fill("Shire counties")
    page.locator("#id_as_of_day").fill("1")
    page.locator("#id_as_of_month").fill("4")
    page.locator("#id_as_of_year").fill("2025")
    page.get_by_label("Councils").fill("E10000013, Gloucestershire\nE10000031, Warwickshire")
    with page.expect_navigation():
        page.get_by_role("button", name="Save group").click()
    table = page.locator(".comparator-group", has_text="Shire counties")
    assert table.get_by_text("Warwickshire").is_visible()
    assert ComparatorGroup.objects.get(name="Shire counties").members.count() == 2
    assert_accessible(page)
    assert page.console_errors == []
