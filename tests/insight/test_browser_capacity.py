"""End to end in Chromium with axe at 375 px: a BI analyst opens a demand forecast (chart and tables, no
horizontal scroll), sets a team's capacity short of the busy month (a mistake first), and sees the warning."""
from __future__ import annotations

import pytest

from insight.models import Capacity
from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

from .test_capacity import _forecast, _history, _month

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


# The rendered size of the visible chart's axis labels, in CSS px: the label's font size in viewBox units times
# the drawing's scale on screen, and the height of the box the browser draws the label in.
LABEL_SIZES = """() => [...document.querySelectorAll('#forecast-chart svg[role=img]')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .flatMap(svg => [...svg.querySelectorAll('text.chart-label')].map(t => ({
    text: t.textContent,
    size: parseFloat(getComputedStyle(t).fontSize) * svg.getScreenCTM().a,
    height: t.getBoundingClientRect().height})))"""


def _label_sizes(page):
    labels = page.evaluate(LABEL_SIZES)
    assert len(labels) >= 4  # y and month labels of one drawing: the other is not displayed
    return min(label["size"] for label in labels), min(label["height"] for label in labels)


def test_an_analyst_reads_a_forecast_on_a_phone_and_sets_capacity(page, team):
    from tests.performance.factories import MeasureFactory

    measure = MeasureFactory(code="potholes-received", name="Potholes reported", unit="count", polarity="neutral",
                             source="computed", aggregation="cumulative")
    _history(measure, 24)
    _forecast(measure)
    bi = f.UserFactory(email="bi@example.org", full_name="Bill Insight", roles=["bi_analyst"])
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, bi)
    page.goto(f"/staff/insight/forecasts/{measure.code}/")
    chart = page.locator("#forecast-chart svg[role=img]:visible")
    assert chart.count() == 1 and page.locator("#forecast-chart .oxtom-chart__wide svg").is_hidden()
    assert chart.get_attribute("aria-labelledby") == "forecast-chart-phone-title forecast-chart-phone-desc"
    box = chart.bounding_box()
    assert box["width"] <= 375 and box["height"] > 100  # scaled down to the phone, its shape kept
    size, height = _label_sizes(page)
    assert size >= 12 and height >= 12, (size, height)  # the axis labels readable on the phone
    assert page.locator("#forecast-table tbody tr").count() == 12
    assert page.locator("#forecast-history tbody tr").count() == 24
    assert page.locator(".capacity-warning").count() == 0
    _no_sideways_scroll(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Set a team's capacity for Potholes reported").click()
    page.get_by_label("Team").select_option(label="Highways North")
    page.get_by_label("Demand it handles").select_option(label="Potholes reported")
    page.get_by_label("Capacity a month").fill("lots")
    page.get_by_label("Month", exact=True).fill(str(_month(0).month))
    page.get_by_label("Year", exact=True).fill(str(_month(0).year))
    with page.expect_navigation():
        page.get_by_role("button", name="Save the capacity").click()
    assert "Enter the capacity as a whole number" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    _no_sideways_scroll(page)
    page.get_by_label("Capacity a month").fill("160")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the capacity").click()
    assert Capacity.objects.filter(team=team, measure=measure, capacity=160).count() == 12
    warning = page.locator(".capacity-warning").first.inner_text()
    assert f"{_month(2):%B %Y} (short by up to 30, likely)" in warning
    _no_sideways_scroll(page)
    assert_accessible(page)

    page.goto(f"/staff/insight/forecasts/{measure.code}/")
    assert page.locator(".capacity-warning").count() == 1
    assert page.locator("#forecast-chart svg:visible .chart-capacity").count() == 1
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.screenshot(path="var/forecast-phone.png", full_page=True)

    page.set_viewport_size({"width": 1024, "height": 800})  # a desktop: the wide drawing, its labels legible too
    chart = page.locator("#forecast-chart svg[role=img]:visible")
    assert chart.count() == 1 and page.locator("#forecast-chart .oxtom-chart__phone svg").is_hidden()
    assert chart.get_attribute("aria-labelledby") == "forecast-chart-title forecast-chart-desc"
    assert chart.locator("text.chart-label").count() == 6 + 6  # six gridline labels and six months
    size, height = _label_sizes(page)
    assert 12 <= size <= 24 and height >= 12, (size, height)
    assert_accessible(page)
