"""A server-rendered SVG chart of a demand history and its forecast (pure: numbers in, coordinates out).

No JavaScript and no charting library: `forecast_chart(...)` works out the scales and every coordinate,
and templates/insight/_forecast_chart.html draws them. A drawing is in a fixed viewBox scaled to the
width of its container, and its text scales with it; so the page draws two and CSS shows one: the wide
drawing (640 units) from the tablet breakpoint (641 px) up, where its 14-unit labels render at 13 px or
more, and the phone drawing (PHONE: 320 units, three month labels), whose labels render at 14-15 px on a
375 px phone and 12.5 px on a 320 px one.

Counts are never negative: the y axis starts at 0 and any lower bound below 0 is drawn at 0.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40  # room for the axis labels (LEFT grows for long y labels)
FONT_SIZE = 14  # the labels' size in viewBox units
CHAR_WIDTH = 0.55  # an Arial character's average width, in ems (digits are 0.556): for fitting labels
PHONE = {"width": 320, "height": 240, "labels": 3}  # the drawing shown below the tablet breakpoint


@dataclass(frozen=True)
class Tick:
    at: float  # the pixel position along its axis
    label: str
    anchor: str = "middle"  # text-anchor: a month label at the drawing's edge is drawn inside it


def label_width(label: str, font_size: float = FONT_SIZE) -> float:
    """About how wide `label` is drawn, in viewBox units."""
    return len(label) * CHAR_WIDTH * font_size


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    empty: bool = True
    y_max: float = 0.0
    history: str = ""  # polyline points "x,y x,y ..."
    forecast: str = ""
    band80: str = ""  # polygon points: the upper bound left to right, then the lower bound back
    band95: str = ""
    capacity: list[str] = field(default_factory=list)  # the capacity's step line: a polyline per run of months
    points: list[tuple[float, float]] = field(default_factory=list)  # markers for a series of one month
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    divider: float | None = None  # x where the forecast starts
    font_size: int = FONT_SIZE
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value`, and at least 10 (counts: every
    gridline then falls on a whole number)."""
    if not value or value <= 10 or not math.isfinite(value):
        return 10.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


def divisions(y_max: float) -> int:
    """Gridlines at round figures: 5 steps for 1, 2.5 and 5 times a power of ten, 4 for 2 (20 in fives)."""
    leading = y_max / 10 ** math.floor(math.log10(y_max))
    return 4 if math.isclose(leading, 2) else 5


def _fmt(n: float) -> str:
    return f"{n:.1f}".rstrip("0").rstrip(".")


def _line(coords: list[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in coords)


def forecast_chart(history: list[tuple[dt.date, float]], forecast: list[dict], *,
                   capacity: dict[dt.date, float] | None = None, width: int = WIDTH, height: int = HEIGHT,
                   labels: int = 6) -> Chart:
    """Scales and coordinates for `history` (month, value) followed by `forecast` rows (month, mean, lo80, hi80,
    lo95, hi95), with the capacity set for forecast months (month -> capacity) as a step line.

    Months are evenly spaced along x, in order, with at most `labels` month labels; y runs from 0 to a round
    number above the largest figure drawn (upper bounds and capacity included).
    """
    capacity = capacity or {}
    months = [m for m, _ in history] + [r["month"] for r in forecast]
    chart = Chart(width=width, height=height, plot_right=width - RIGHT, plot_bottom=height - BOTTOM)
    if not months:
        return chart
    chart.empty = False
    values = [v for _, v in history] + [max(r["hi95"], r["mean"]) for r in forecast] + [
        capacity[r["month"]] for r in forecast if r["month"] in capacity]
    chart.y_max = nice_max(max([v for v in values if v is not None and math.isfinite(v)] or [0]))
    steps = divisions(chart.y_max)
    y_labels = [f"{chart.y_max * k / steps:,.0f}" for k in range(steps + 1)]
    chart.plot_left = max(LEFT, math.ceil(max(label_width(t) for t in y_labels)) + 8)  # drawn at plot_left - 6: never clipped
    span_x = chart.plot_right - chart.plot_left
    span_y = chart.plot_bottom - chart.plot_top

    def x(i: int) -> float:
        return chart.plot_left + (span_x / 2 if len(months) == 1 else span_x * i / (len(months) - 1))

    def y(v: float) -> float:
        v = min(max(v, 0.0), chart.y_max)  # counts: nothing below 0 is drawn
        return chart.plot_bottom - span_y * v / chart.y_max

    n = len(history)
    chart.history = _line([(x(i), y(v)) for i, (_, v) in enumerate(history)])
    if forecast:
        start = [(x(n - 1), y(history[-1][1]))] if history else []  # the forecast continues from the last actual
        chart.forecast = _line(start + [(x(n + i), y(r["mean"])) for i, r in enumerate(forecast)])
        for level in ("80", "95"):
            upper = [(x(n + i), y(r[f"hi{level}"])) for i, r in enumerate(forecast)]
            lower = [(x(n + i), y(r[f"lo{level}"])) for i, r in enumerate(forecast)]
            setattr(chart, f"band{level}", _line(upper + lower[::-1]))
        if history:
            chart.divider = round(x(n - 1), 1)
        half = span_x / (2 * max(len(months) - 1, 1))
        run: list[tuple[float, float]] = []
        for i, r in enumerate(forecast + [None]):  # a month without a capacity ends a run of the step line
            if r is not None and r["month"] in capacity:
                level = y(capacity[r["month"]])
                run += [(max(chart.plot_left, x(n + i) - half), level),
                        (min(chart.plot_right, x(n + i) + half), level)]
            elif run:
                chart.capacity.append(_line(run))
                run = []
    if len(months) == 1:
        only = history[0][1] if history else forecast[0]["mean"]
        chart.points = [(round(x(0), 1), round(y(only), 1))]
    chart.y_ticks = [Tick(round(y(chart.y_max * k / steps), 1), label, "end") for k, label in enumerate(y_labels)]
    every = max(1, math.ceil(len(months) / labels))  # at most `labels` month labels, so they never overlap
    chart.x_ticks = [_month_tick(x(i), m.strftime("%b %Y"), width) for i, m in enumerate(months) if i % every == 0]
    return chart


def _month_tick(at: float, label: str, width: int) -> Tick:
    half = label_width(label) / 2
    anchor = "start" if at - half < 0 else "end" if at + half > width else "middle"
    return Tick(round(at, 1), label, anchor)
