"""The forecast chart helper: scales and coordinates for known data, nothing to draw, one month, and lower
bounds below zero drawn at zero."""
from __future__ import annotations

import datetime as dt

import pytest

from insight import charts


def _row(month, mean, lo80, hi80, lo95, hi95):
    return {"month": month, "mean": mean, "lo80": lo80, "hi80": hi80, "lo95": lo95, "hi95": hi95}


def _points(line: str) -> list[tuple[float, float]]:
    return [tuple(float(n) for n in p.split(",")) for p in line.split()]


def test_nice_max_rounds_up_to_1_2_2_5_or_5_times_a_power_of_ten():
    assert [charts.nice_max(v) for v in (0, -3, 7, 10, 11, 21, 240, 260, 501, 999)] == [
        10, 10, 10, 10, 20, 25, 250, 500, 1000, 1000]


def test_gridlines_fall_on_round_figures():
    assert [charts.divisions(v) for v in (10, 20, 25, 50, 100, 2000)] == [5, 4, 5, 5, 5, 4]
    assert [t.label for t in charts.forecast_chart([(dt.date(2026, 1, 1), 15000.0)], []).y_ticks] == [
        "0", "5,000", "10,000", "15,000", "20,000"]
    assert [t.label for t in charts.forecast_chart([(dt.date(2026, 1, 1), 7.0)], []).y_ticks] == [
        "0", "2", "4", "6", "8", "10"]


def test_known_data_gives_known_coordinates():
    history = [(dt.date(2026, 1, 1), 100.0), (dt.date(2026, 2, 1), 200.0)]
    forecast = [_row(dt.date(2026, 3, 1), 150, 120, 180, 100, 200),
                _row(dt.date(2026, 4, 1), 160, 130, 190, 110, 210)]
    chart = charts.forecast_chart(history, forecast, capacity={dt.date(2026, 4, 1): 170})
    assert not chart.empty and chart.y_max == 250  # the largest figure drawn is 210
    # Four months across 56..624 (568 wide): x = 56, 245.3, 434.7, 624; y = 280 - 264 * v / 250.
    assert _points(chart.history) == [(56, 174.4), (245.3, 68.8)]
    assert _points(chart.forecast) == [(245.3, 68.8), (434.7, 121.6), (624, 111.0)]
    assert _points(chart.band80) == [(434.7, 89.9), (624, 79.4), (624, 142.7), (434.7, 153.3)]
    assert _points(chart.band95)[0] == (434.7, 68.8)
    assert chart.divider == 245.3
    # The capacity is a step across its month, clipped to the plot: 170 -> y 100.5.
    assert [_points(line) for line in chart.capacity] == [[(529.3, 100.5), (624, 100.5)]]
    assert [t.label for t in chart.y_ticks] == ["0", "50", "100", "150", "200", "250"]
    assert [t.at for t in chart.y_ticks] == [280, 227.2, 174.4, 121.6, 68.8, 16]
    assert [t.label for t in chart.x_ticks] == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    # The last month's label would run past the drawing's right edge if centred: it ends at its month instead.
    assert [t.anchor for t in chart.x_ticks] == ["middle", "middle", "middle", "end"]
    assert chart.points == []


def test_no_data_draws_nothing():
    chart = charts.forecast_chart([], [])
    assert chart.empty and chart.history == chart.forecast == chart.band80 == ""
    assert chart.capacity == []
    assert chart.y_ticks == [] and chart.x_ticks == []


def test_a_single_month_is_a_marker_in_the_middle():
    chart = charts.forecast_chart([(dt.date(2026, 1, 1), 40.0)], [])
    assert chart.y_max == 50
    assert chart.points == [(340.0, 68.8)]  # the middle of 56..624; 280 - 264 * 40 / 50
    assert [t.label for t in chart.x_ticks] == ["Jan 2026"]
    only_forecast = charts.forecast_chart([], [_row(dt.date(2026, 1, 1), 8, 2, 12, 0, 15)])
    assert only_forecast.y_max == 20  # its 95% upper bound, 15, rounded up
    assert only_forecast.points == [(340.0, 174.4)] and only_forecast.divider is None  # 280 - 264 * 8 / 20


def test_negative_lower_bounds_are_drawn_at_zero():
    forecast = [_row(dt.date(2026, 1, 1), 5, -3, 9, -8, 12), _row(dt.date(2026, 2, 1), 6, -2, 10, -6, 14)]
    chart = charts.forecast_chart([], forecast)
    ys = [y for _, y in _points(chart.band80) + _points(chart.band95)]
    assert max(ys) == chart.plot_bottom == 280  # nothing below the axis
    assert min(ys) >= chart.plot_top


def test_a_month_without_capacity_breaks_the_capacity_line():
    forecast = [_row(dt.date(2026, m, 1), 10, 5, 15, 2, 18) for m in (1, 2, 3, 4)]
    chart = charts.forecast_chart([], forecast, capacity={dt.date(2026, 1, 1): 12, dt.date(2026, 2, 1): 12,
                                                         dt.date(2026, 4, 1): 14})
    assert [len(_points(line)) for line in chart.capacity] == [4, 2]  # January-February, then April alone


def test_many_months_get_about_six_labels_and_every_point_stays_inside_the_plot():
    history = [(dt.date(2023 + m // 12, m % 12 + 1, 1), 100.0 + 10 * (m % 12)) for m in range(36)]
    chart = charts.forecast_chart(history, [_row(dt.date(2026, 1, 1), 150, 120, 180, 100, 1000)])
    assert 5 <= len(chart.x_ticks) <= 7
    for x, y in _points(chart.history) + _points(chart.band95):
        assert chart.plot_left <= x <= chart.plot_right and chart.plot_top <= y <= chart.plot_bottom


def _spans(chart):
    """Each month label's left and right edge, by its anchor and estimated width."""
    for t in chart.x_ticks:
        w = charts.label_width(t.label, chart.font_size)
        left = {"start": t.at, "middle": t.at - w / 2, "end": t.at - w}[t.anchor]
        yield left, left + w


@pytest.mark.parametrize("layout", [{}, charts.PHONE], ids=["wide", "phone"])
def test_month_labels_never_overlap_or_leave_the_drawing(layout):
    for n in range(1, 49):  # up to 36 months of actuals and a 12-month forecast
        history = [(dt.date(2023 + i // 12, i % 12 + 1, 1), 10.0 + i) for i in range(n)]
        chart = charts.forecast_chart(history, [], **layout)
        spans = list(_spans(chart))
        assert len(spans) <= layout.get("labels", 6)
        assert all(0 <= left and right <= chart.width for left, right in spans), n
        assert all(a[1] + 4 <= b[0] for a, b in zip(spans, spans[1:])), n  # a gap of 4 units at least


def test_the_phone_drawing_is_narrower_with_three_month_labels_and_the_same_scale():
    history = [(dt.date(2024 + i // 12, i % 12 + 1, 1), 100.0 + i) for i in range(36)]
    forecast = [_row(dt.date(2027, m, 1), 150, 120, 180, 100, 210) for m in range(1, 13)]
    wide = charts.forecast_chart(history, forecast)
    phone = charts.forecast_chart(history, forecast, **charts.PHONE)
    assert (phone.width, phone.height, phone.font_size) == (320, 240, 14)
    assert [t.label for t in phone.x_ticks] == ["Jan 2024", "May 2025", "Sep 2026"]
    assert len(wide.x_ticks) == 6
    assert phone.y_max == wide.y_max == 250 and [t.label for t in phone.y_ticks] == [t.label for t in wide.y_ticks]
    # 14 units in 320 render at 14 * 345 / 320 = 15 px in a 375 px phone's 345 px column; the wide drawing's
    # 14 units in 640 would be 7.5 px there (why there are two).
    assert phone.font_size * 345 / phone.width >= 12 > wide.font_size * 345 / wide.width


def test_long_y_labels_widen_the_left_margin():
    chart = charts.forecast_chart([(dt.date(2026, 1, 1), 240000.0)], [])
    assert chart.y_ticks[-1].label == "250,000"
    assert chart.plot_left - 6 - charts.label_width("250,000") >= 0  # drawn right-aligned at plot_left - 6
    assert charts.forecast_chart([(dt.date(2026, 1, 1), 15000.0)], []).plot_left == charts.LEFT
