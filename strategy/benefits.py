"""Benefits realised: the rules for a benefit's baseline, target and target date, and whether it is on track.

Pure functions (numbers in, a verdict out), used by the services (to refuse bad benefits) and the
selectors (to judge each benefit on the project and board pages).

Which way is good: the linked measure's polarity where the framework records one (higher or lower
is better), else the way the target lies from the baseline. A target on the wrong side of the
baseline for its measure (fewer of something where more is better) is refused, as is a target equal
to its baseline (nothing to realise).

On track: the latest actual has moved from the baseline towards the target (or past it: met) at least
as far as the time elapsed asks. The benefit's clock starts when the board approved the project: by a
date halfway to the target date, half the way should be realised. An actual that has moved the right
way but less than the time elapsed asks, by more than SCHEDULE_GRACE of the way, is behind schedule
(the board's amber). An actual at the baseline or the wrong side of it is off track, and so is one
short of the target once the target date has passed. No actual yet is its own state, listed after
those off track and behind.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

MET, ON_TRACK, BEHIND, OFF_TRACK, NO_ACTUAL, NOT_SET = (
    "met", "on-track", "behind", "off-track", "no-actual", "not-set")
LABELS = {MET: "Target met", ON_TRACK: "On track", BEHIND: "Behind schedule", OFF_TRACK: "Off track",
          NO_ACTUAL: "No actual yet", NOT_SET: "No baseline or target"}
ORDER = {OFF_TRACK: 0, BEHIND: 1, NO_ACTUAL: 2, NOT_SET: 3, ON_TRACK: 4, MET: 5}  # the board sees trouble first
# How far (a share of the way from baseline to target) an actual may trail the straight line from the
# approval to the target date and still be on track: monthly figures are noisy, and a benefit that is a
# few weeks behind a straight line is not yet a matter for the board.
SCHEDULE_GRACE = Decimal("0.10")


def direction(baseline: Decimal | None, target: Decimal | None, polarity: str | None = None) -> int:
    """+1 when up is good, -1 when down is good, 0 when it cannot be told."""
    if polarity == "higher":
        return 1
    if polarity == "lower":
        return -1
    if baseline is None or target is None or target == baseline:
        return 0
    return 1 if target > baseline else -1


def benefit_errors(*, baseline: Decimal | None, target: Decimal | None, target_date: dt.date | None,
                   polarity: str | None, today: dt.date, new: bool = True) -> dict[str, str]:
    """What is wrong with a benefit's figures (field -> message); empty when nothing is."""
    errors: dict[str, str] = {}
    if (baseline is None) != (target is None):
        errors["target" if target is None else "baseline"] = "Give both a baseline and a target, or neither"
    elif baseline is not None and target == baseline:
        errors["target"] = "The target must differ from the baseline: otherwise there is nothing to realise"
    elif baseline is not None and polarity in ("higher", "lower"):
        good = direction(None, None, polarity)
        if (target - baseline) * good < 0:
            better = "higher" if good > 0 else "lower"
            errors["target"] = f"For this measure {better} is better: the target must be {better} than the baseline"
    if target is not None and target_date is None:
        errors["target_date"] = "Give the date by which the target is to be reached"
    elif target_date is not None and new and target_date <= today:
        errors["target_date"] = "The target date must be in the future"
    return errors


def expected_share(*, start: dt.date | None, target_date: dt.date | None, today: dt.date) -> Decimal | None:
    """The share of the way (0 to 1) the time elapsed from `start` to `target_date` asks for by `today`."""
    if start is None or target_date is None or target_date <= start:
        return None
    elapsed = (min(max(today, start), target_date) - start).days
    return Decimal(elapsed) / Decimal((target_date - start).days)


def status(*, baseline: Decimal | None, target: Decimal | None, actual: Decimal | None, polarity: str | None,
           target_date: dt.date | None, today: dt.date, start: dt.date | None = None) -> str:
    """MET, ON_TRACK, BEHIND, OFF_TRACK, NO_ACTUAL or NOT_SET for a benefit's latest actual.

    `start`: when the benefit's clock started (the project's approval); without it, any movement the
    right way before the target date is on track."""
    good = direction(baseline, target, polarity)
    if baseline is None or target is None or good == 0:
        return NOT_SET
    if actual is None:
        return NO_ACTUAL
    if (actual - target) * good >= 0:
        return MET
    if target_date is not None and target_date < today:
        return OFF_TRACK  # the date has passed short of the target
    if (actual - baseline) * good <= 0:
        return OFF_TRACK
    expected = expected_share(start=start, target_date=target_date, today=today)
    if expected is not None and (actual - baseline) / (target - baseline) < expected - SCHEDULE_GRACE:
        return BEHIND
    return ON_TRACK


def progress(*, baseline: Decimal | None, target: Decimal | None, actual: Decimal | None) -> int | None:
    """How far from the baseline to the target the actual has come, as a whole percentage (may be < 0 or > 100)."""
    if baseline is None or target is None or actual is None or target == baseline:
        return None
    return round(100 * (actual - baseline) / (target - baseline))
