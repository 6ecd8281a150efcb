"""The provision cycle's rules, as plain functions of dates and amounts (no database)."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

# Council contract procedure rules: over £5,000 needs written quotes, over £100,000 a tender; the
# Procurement Act 2023 threshold for a sub-central authority's services (from 1 January 2024,
# VAT included) is £214,904. Rolling 12-month spend without a contract that crosses one of these
# is flagged, which catches orders split to stay under a threshold.
QUOTE_THRESHOLD_PENCE = 5_000_00
TENDER_THRESHOLD_PENCE = 100_000_00
PROCUREMENT_ACT_THRESHOLD_PENCE = 214_904_00
THRESHOLDS = (
    (PROCUREMENT_ACT_THRESHOLD_PENCE, "Procurement Act threshold (£214,904)"),
    (TENDER_THRESHOLD_PENCE, "Tender threshold (£100,000)"),
    (QUOTE_THRESHOLD_PENCE, "Quotation threshold (£5,000)"),
)
# The Local Government Transparency Code 2015: every item of expenditure over £500 is published;
# contracts and invitations to tender over £5,000.
SPEND_PUBLICATION_THRESHOLD_PENCE = 500_00
CONTRACT_PUBLICATION_THRESHOLD_PENCE = 5_000_00
# Contracts over £5m need at least three KPIs (or a recorded reason why none).
KPI_REQUIRED_OVER_PENCE = 5_000_000_00
KPIS_REQUIRED = 3
PROMPT_PAYMENT_DAYS = 30
EXPIRING_WINDOW_MONTHS = 18


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Runway:
    NOT_YET = "not_yet"
    ENTERED = "entered"
    HALFWAY = "halfway"
    QUARTER_LEFT = "quarter_left"
    ENDED_UNDECIDED = "ended_undecided"
    ENDED = "ended"
    LABELS = {
        NOT_YET: "Not yet in its runway",
        ENTERED: "In its runway",
        HALFWAY: "Halfway through its runway",
        QUARTER_LEFT: "A quarter of its runway left",
        ENDED_UNDECIDED: "Ended with no decision",
        ENDED: "Ended",
    }
    # The milestones the hub is told about, in order (Contract.runway_alerts_sent counts them).
    MILESTONES = (ENTERED, HALFWAY, QUARTER_LEFT)
    COLOURS = {NOT_YET: "grey", ENTERED: "blue", HALFWAY: "yellow", QUARTER_LEFT: "orange",
               ENDED_UNDECIDED: "red", ENDED: "grey"}


@dataclass(frozen=True)
class RunwayState:
    state: str
    starts_on: dt.date
    days_left: int  # until the end date (negative once ended)

    @property
    def label(self) -> str:
        return Runway.LABELS[self.state]

    @property
    def colour(self) -> str:
        return Runway.COLOURS[self.state]

    @property
    def milestone(self) -> int:
        """How many runway milestones have been reached (0 to 3)."""
        if self.state in Runway.MILESTONES:
            return Runway.MILESTONES.index(self.state) + 1
        return 3 if self.state in (Runway.ENDED_UNDECIDED, Runway.ENDED) else 0


def runway(*, end_date: dt.date, runway_months: int, decided: bool, on: dt.date) -> RunwayState:
    """Where a contract is in the runway before its end: the time a re-procurement needs."""
    starts_on = add_months(end_date, -runway_months)
    days_left = (end_date - on).days
    if on > end_date:
        return RunwayState(Runway.ENDED if decided else Runway.ENDED_UNDECIDED, starts_on, days_left)
    length = max((end_date - starts_on).days, 1)
    if on < starts_on:
        state = Runway.NOT_YET
    elif days_left <= length / 4:
        state = Runway.QUARTER_LEFT
    elif days_left <= length / 2:
        state = Runway.HALFWAY
    else:
        state = Runway.ENTERED
    return RunwayState(state, starts_on, days_left)


@dataclass(frozen=True)
class ExtensionCheck:
    permitted: bool
    reasons: tuple[str, ...]
    new_end_date: dt.date | None


def extension_check(*, end_date: dt.date, max_end_date: dt.date, options_left: int, extension_months: int,
                    current_value_pence: int, new_value_pence: int, max_value_change_percent: int,
                    ended_on: dt.date | None = None) -> ExtensionCheck:
    """Whether the contract allows one more extension of `extension_months`, at this value."""
    reasons = []
    new_end = add_months(end_date, extension_months) if extension_months else None
    if options_left <= 0 or not extension_months:
        reasons.append("The contract has no extension options left")
    elif new_end > max_end_date:
        reasons.append(f"The new end date would pass the contract's maximum end date ({max_end_date:%-d %B %Y})")
    if ended_on is not None and ended_on > end_date:
        reasons.append("The contract has already ended: an ended contract cannot be extended")
    if new_value_pence < current_value_pence:
        reasons.append("An extension cannot lower the contract's value: record a change of value instead")
    elif current_value_pence and (new_value_pence - current_value_pence) * 100 > (
            current_value_pence * max_value_change_percent):
        reasons.append(f"The value would rise by more than the {max_value_change_percent}% the contract allows")
    return ExtensionCheck(not reasons, tuple(reasons), new_end if not reasons else None)


def threshold_crossed(total_pence: int) -> str:
    """The highest procurement threshold a rolling total crosses, or ''."""
    for threshold, label in THRESHOLDS:
        if total_pence > threshold:
            return label
    return ""


def payment_band(days: int) -> str:
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    return "61+"


def value_band(awarded_value_pence: int, max_value_change_percent: int) -> tuple[int, int]:
    """The lowest and highest value (pence) modifications may take the contract to: the awarded value plus or
    minus the percentage the contract allows (the low end rounded up and the high end down, so both are allowed)."""
    low = -(-awarded_value_pence * (100 - max_value_change_percent) // 100)
    return low, awarded_value_pence * (100 + max_value_change_percent) // 100


@dataclass(frozen=True)
class ModificationCheck:
    end_date_reasons: tuple[str, ...]
    value_reasons: tuple[str, ...]

    @property
    def permitted(self) -> bool:
        return not (self.end_date_reasons or self.value_reasons)

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.end_date_reasons + self.value_reasons


def modification_check(*, start_date: dt.date, new_end_date: dt.date, max_end_date: dt.date,
                       awarded_value_pence: int, new_value_pence: int, max_value_change_percent: int,
                       today: dt.date) -> ModificationCheck:
    """Whether a change to a live contract's end date and value stays within what public procurement allows.

    The value may move (up or down, every modification together) by at most the contract's
    `max_value_change_percent` of the value awarded; the end date may not pass start + term + every
    extension option (the contract's maximum end date), nor come before today or the start.
    """
    dates, values = [], []
    if new_end_date < start_date:
        dates.append("The end date must be the same as or after the start date")
    elif new_end_date < today:
        dates.append("The end date cannot be in the past: record the decision at the end to stop a contract")
    if new_end_date > max_end_date:
        dates.append(f"The end date cannot be after {max_end_date:%-d %B %Y}: the start, the term and every "
                     "extension option the contract allows")
    if new_value_pence <= 0:
        values.append("The value must be more than £0")
    elif abs(new_value_pence - awarded_value_pence) * 100 > awarded_value_pence * max_value_change_percent:
        low, high = value_band(awarded_value_pence, max_value_change_percent)
        values.append(f"The value cannot move by more than the {max_value_change_percent}% of the awarded value "
                      f"the contract allows: keep it between £{low / 100:,.2f} and £{high / 100:,.2f}, or "
                      "procure it again")
    return ModificationCheck(tuple(dates), tuple(values))
