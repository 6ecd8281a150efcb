"""RAG, direction of travel, suppression and formatting rules, exhaustively at their boundaries."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from performance.rules import Direction, Rag, direction, format_value, is_suppressed, rag_status


@pytest.mark.parametrize("value,target,tolerance,polarity,expected", [
    # higher is better: on target is green; within tolerance below is amber; beyond is red
    (D("90"), D("90"), D("5"), "higher", Rag.GREEN),
    (D("95"), D("90"), D("5"), "higher", Rag.GREEN),
    (D("85"), D("90"), D("5"), "higher", Rag.AMBER),
    (D("84.9"), D("90"), D("5"), "higher", Rag.RED),
    (D("89.99"), D("90"), D("0"), "higher", Rag.RED),
    # lower is better: mirror image
    (D("10"), D("10"), D("2"), "lower", Rag.GREEN),
    (D("8"), D("10"), D("2"), "lower", Rag.GREEN),
    (D("12"), D("10"), D("2"), "lower", Rag.AMBER),
    (D("12.01"), D("10"), D("2"), "lower", Rag.RED),
    # a negative tolerance typed by mistake counts as its size
    (D("85"), D("90"), D("-5"), "higher", Rag.AMBER),
    # no status without a target, a value, or a direction that matters
    (None, D("90"), D("5"), "higher", Rag.NONE),
    (D("90"), None, None, "higher", Rag.NONE),
    (D("1"), D("90"), D("5"), "neutral", Rag.NONE),
])
def test_rag_status(value, target, tolerance, polarity, expected):
    assert rag_status(value=value, target=target, tolerance=tolerance, polarity=polarity) == expected


@pytest.mark.parametrize("current,previous,polarity,precision,expected", [
    (D("91"), D("90"), "higher", 0, Direction.IMPROVING),
    (D("89"), D("90"), "higher", 0, Direction.WORSENING),
    (D("9"), D("10"), "lower", 0, Direction.IMPROVING),
    (D("11"), D("10"), "lower", 0, Direction.WORSENING),
    # smaller than half the last decimal shown: reads the same, so no change
    (D("90.04"), D("90.00"), "higher", 1, Direction.SAME),
    (D("90.05"), D("90.00"), "higher", 1, Direction.IMPROVING),
    (D("90.4"), D("90"), "lower", 0, Direction.SAME),
    (D("12"), D("10"), "neutral", 0, Direction.UP),
    (D("8"), D("10"), "neutral", 0, Direction.DOWN),
    (D("8"), None, "higher", 0, Direction.NONE),
    (None, D("8"), "higher", 0, Direction.NONE),
])
def test_direction(current, previous, polarity, precision, expected):
    assert direction(current=current, previous=previous, polarity=polarity, precision=precision) == expected


@pytest.mark.parametrize("base,value,unit,expected", [
    (None, D("0"), "count", False),  # zero discloses nothing
    (None, D("1"), "count", True),
    (None, D("4"), "count", True),
    (None, D("5"), "count", False),
    (D("4"), D("100"), "percent", True),  # 100% of four cases
    (4, D("3.5"), "days", True),
    (5, D("3.5"), "days", False),
    (0, None, "days", False),  # nothing to measure: "no data", not suppressed
    (None, D("75"), "percent", False),
])
def test_suppression(base, value, unit, expected):
    assert is_suppressed(base=None if base is None else int(base), value=value, unit=unit) is expected


def test_format_value():
    assert format_value(D("1234"), unit="count", precision=0) == "1,234"
    assert format_value(D("45.66"), unit="percent", precision=1) == "45.7%"
    assert format_value(D("3.5"), unit="days", precision=1) == "3.5 days"
    assert format_value(D("1200"), unit="pounds", precision=0) == "£1,200"
    assert format_value(None, unit="count", precision=0) == "No data"
