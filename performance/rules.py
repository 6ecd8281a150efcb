"""Pure rules: RAG status, direction of travel, small-number suppression, formatting.

Kept free of the database so the rules the Cabinet report rests on are
tested exhaustively and read in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Polarity, Unit

SUPPRESSION_THRESHOLD = 5  # public statistics resting on 1-4 things are not shown


class Rag:
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = ""  # no target, or nothing to compare
    LABELS = {RED: "Red: off target", AMBER: "Amber: close to target", GREEN: "Green: on target",
              NONE: "No target"}
    TAGS = {RED: "govuk-tag--red", AMBER: "govuk-tag--yellow", GREEN: "govuk-tag--green", NONE: "govuk-tag--grey"}


class Direction:
    IMPROVING = "improving"
    WORSENING = "worsening"
    SAME = "same"
    UP = "up"  # neutral measures: only which way it moved
    DOWN = "down"
    NONE = ""
    LABELS = {IMPROVING: "Improving", WORSENING: "Getting worse", SAME: "No change", UP: "Up", DOWN: "Down",
              NONE: "No comparison"}


def rag_status(*, value: Decimal | None, target: Decimal | None, tolerance: Decimal | None,
               polarity: str) -> str:
    """Green on or beyond the target; amber within the tolerance on the wrong side; red beyond it.

    Neutral measures, missing figures and missing targets have no status.
    """
    if value is None or target is None or polarity == Polarity.NEUTRAL:
        return Rag.NONE
    tolerance = abs(tolerance or Decimal(0))
    value, target = Decimal(value), Decimal(target)
    if polarity == Polarity.HIGHER_BETTER:
        shortfall = target - value
    else:
        shortfall = value - target
    if shortfall <= 0:
        return Rag.GREEN
    if shortfall <= tolerance:
        return Rag.AMBER
    return Rag.RED


def direction(*, current: Decimal | None, previous: Decimal | None, polarity: str, precision: int = 0) -> str:
    """Direction of travel from `previous` to `current`, judged by the measure's polarity.

    Changes smaller than the precision shown (half of the last decimal place)
    are "no change": a figure that reads the same must not be called worse.
    """
    if current is None or previous is None:
        return Direction.NONE
    change = Decimal(current) - Decimal(previous)
    if abs(change) < Decimal(1).scaleb(-precision) / 2:
        return Direction.SAME
    if polarity == Polarity.NEUTRAL:
        return Direction.UP if change > 0 else Direction.DOWN
    better = change > 0 if polarity == Polarity.HIGHER_BETTER else change < 0
    return Direction.IMPROVING if better else Direction.WORSENING


def is_suppressed(*, base: int | None, value: Decimal | None, unit: str) -> bool:
    """Whether a public figure must be hidden: it rests on 1-4 things (people, cases, contacts).

    Counts suppress themselves; rates, medians and shares suppress when their
    base (the number of things behind them) is small. Zero is shown: it
    discloses nothing about anyone.
    """
    if unit == Unit.COUNT and value is not None:
        n = int(Decimal(value))
        if 0 < n < SUPPRESSION_THRESHOLD:
            return True
    return base is not None and 0 < base < SUPPRESSION_THRESHOLD


def format_value(value: Decimal | None, *, unit: str, precision: int) -> str:
    """A figure as people read it: '1,234', '45.6%', '3.5 days', '£1,200'."""
    if value is None:
        return "No data"
    number = f"{Decimal(value):,.{precision}f}"
    if unit == Unit.PERCENT:
        return f"{number}%"
    if unit == Unit.DAYS:
        return f"{number} days"
    if unit == Unit.POUNDS:
        return f"£{number}"
    return number


@dataclass(frozen=True)
class Status:
    """A figure with everything the pages show about it."""

    value: Decimal | None
    display: str
    suppressed: bool
    rag: str
    direction_month: str
    direction_year: str

    @property
    def rag_label(self) -> str:
        return Rag.LABELS[self.rag]

    @property
    def rag_tag(self) -> str:
        return Rag.TAGS[self.rag]

    @property
    def direction_month_label(self) -> str:
        return Direction.LABELS[self.direction_month]

    @property
    def direction_year_label(self) -> str:
        return Direction.LABELS[self.direction_year]
