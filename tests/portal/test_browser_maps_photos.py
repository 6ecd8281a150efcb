"""In Chromium with axe, on a 375 px phone and a desktop: the offline map (no tile server) and report photos.

- a resident places the report's point on the offline map with JavaScript off;
- "reports around" shows the map and the numbered list; the report page shows the map and a
  thumbnail of a 1600 px photo that opens the display size; no page is wider than the viewport.
"""
from __future__ import annotations

import pytest

from oxtom.core.uploads import image_check
from oxtom.places.selectors import clear_geometry_cache
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

from .conftest import HERE, jpeg_bytes
from .test_browser_report import check_accessible, heading
from .test_selectors import north_of, quick_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _no_tiles(settings):
    settings.MAP_TILE_URL = ""
    clear_geometry_cache()
    yield
    clear_geometry_cache()


@pytest.fixture
def pages(browser, live_server, _clean_cache):
    """pages(viewport, js=True) -> a page; without JavaScript, axe runs on its HTML in a scripting page."""
    contexts = []

    def _make(viewport, *, js=True):
        context = _new_context(browser, live_server, viewport=viewport, java_script_enabled=js)
        contexts.append(context)
        page = _new_page(context)
        if not js:
            page.axe_page = _make(viewport)
            page.axe_page.goto("/healthz")
        return page

    yield _make
    for context in contexts:
        context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def go(page, action):
    with page.expect_navigation():
        action()
    check_accessible(page)
    assert page_width(page) <= page.viewport_size["width"], page.url


def test_resident_places_a_point_on_the_offline_map_without_javascript(pages, catalogue, division_a):
    page = pages(PHONE, js=False)
    page.goto("/report/")
    go(page, lambda: page.get_by_role("button", name="Start now").click())
    page.get_by_label("Pothole").check()
    go(page, lambda: page.get_by_role("button", name="Continue").click())
    assert heading(page) == "Where is the problem?"
    offline = page.locator("#offline-map")
    assert offline.is_visible() and offline.get_attribute("alt").startswith("Map of Oxfordshire")
    box = offline.bounding_box()
    assert box["x"] + box["width"] <= 375
    middle = {"x": box["width"] / 2, "y": box["height"] / 2}
    go(page, lambda: offline.click(position=middle))  # far out: zooms in on the click
    assert heading(page) == "Find the problem on a map"
    for _ in range(4):  # zoom in until a click places the point
        if page.locator("#map-confirm").count():
            break
        go(page, lambda: page.locator("#map-image").click(position=middle))
    assert "in the Banbury Calthorpe division" in page.locator("#map-choice").inner_text()
    # Keyboard users move the map with buttons and use its centre.
    go(page, lambda: page.get_by_role("button", name="Move north").click())
    go(page, lambda: page.get_by_role("button", name="Move south").click())
    go(page, lambda: page.get_by_role("button", name="Use the centre of the map").click())
    assert "Banbury Calthorpe" in page.locator("#map-choice").inner_text()
    page.get_by_label("Describe exactly where it is (optional)").fill("By the bus shelter")
    go(page, lambda: page.get_by_role("button", name="Use this point").click())
    assert heading(page) == "Tell us about the problem"


def test_reports_around_and_the_report_page_show_the_map_and_photo_thumbnails(pages, make_report, pothole,
                                                                              officer_in_team):
    report = make_report(photos=[image_check(jpeg_bytes(size=(1600, 1200)))])
    for i in range(3):
        quick_report(pothole, north_of(60 + i * 40))
    for viewport in (PHONE, DESKTOP):
        page = pages(viewport)
        page.goto(f"/reports/?lat={HERE[0]}&lon={HERE[1]}")
        check_accessible(page)
        assert page_width(page) <= viewport["width"]
        drawn = page.locator("#around-offline-map")
        assert drawn.is_visible() and drawn.get_attribute("data-markers") == "5"  # 4 reports and the place
        assert page.locator("#reports-list tbody tr").count() == 4
        go(page, lambda: page.get_by_role("link", name=report.case.reference).click())
        assert page.locator("#report-map").is_visible()
        thumbnail = page.locator("img.oxtom-photos__image")
        assert thumbnail.evaluate("img => img.naturalWidth") == 320
        assert thumbnail.bounding_box()["width"] <= viewport["width"] - 30
        link = page.locator("a.oxtom-photos__link")
        assert link.inner_text().strip().startswith("Photo 1 of the problem")
        response = page.request.get(link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
        assert page.console_errors == []
    staff = pages(PHONE)
    sign_in(staff, officer_in_team)
    staff.goto(f"/staff/reports/{report.case.reference}/")
    assert_accessible(staff)
    assert staff.locator("#report-map").is_visible()
    assert staff.locator("img.oxtom-photos__image").evaluate("img => img.naturalWidth") == 320
    assert page_width(staff) <= 375
