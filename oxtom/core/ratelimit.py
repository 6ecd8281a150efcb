"""Per-person and per-key limits on submissions, counted in the shared cache.

The cache is shared by every web process (file cache in the demo, Redis in
production), so a limit holds whichever process answers.

Two properties matter and are kept here, once, for every limit:

- **Atomic: the increment decides.** `take()` counts first and then looks at
  the new total, so six simultaneous requests after 28 of 30 get totals 29..34
  and exactly two are allowed. (Reading the count and adding to it later let
  all six through.) A refused request, or one whose work then did not happen
  (`Slot.give_back()`), hands its count back.
- **A sliding window**, not a calendar one: the estimate is this window's
  count plus the previous window's, weighted by how much of it still lies in
  the last `window_seconds`. A burst either side of a boundary is counted
  together (a fixed minute let 120 through in 13 seconds).

A cache outage must never refuse a resident: if the cache cannot be reached
the limit fails open with a logged warning (see also `oxtom.core.cache`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger("oxtom.ratelimit")


@dataclass(frozen=True)
class Slot:
    """One counted use. `key` is None when the limit failed open (nothing was counted)."""

    key: str | None

    def give_back(self) -> None:
        """Uncount this use (its work did not happen, or was a duplicate of earlier work)."""
        if self.key is None:
            return
        try:
            cache.decr(self.key)
        except ValueError:
            pass  # the window has expired since: nothing left to give back
        except Exception as exc:  # noqa: BLE001 - any cache failure: the count ages out anyway
            logger.warning("rate limit: could not give back %s (%s)", self.key, type(exc).__name__)


def _keys(name: str, window_seconds: int, now: float) -> tuple[str, str, float]:
    """(this window's key, the previous window's key, the fraction of this window already gone)."""
    index, into = divmod(now, window_seconds)
    return f"rl:{name}:{int(index)}", f"rl:{name}:{int(index) - 1}", into / window_seconds


def _increment(key: str, ttl: int) -> int:
    # add-then-incr is atomic on Redis and the file cache; the retry covers
    # the key expiring between the two.
    for _ in range(2):
        cache.add(key, 0, ttl)
        try:
            return int(cache.incr(key))
        except ValueError:
            continue
    return 1


def take(name: str, *, limit: int, window_seconds: int, now: float | None = None) -> Slot | None:
    """Count one use of `name`; a Slot if it is within `limit` per sliding `window_seconds`, else None."""
    now = time.time() if now is None else now
    current, previous, gone = _keys(name, window_seconds, now)
    try:
        # Kept for two windows: the next window weighs this one.
        count = _increment(current, ttl=2 * window_seconds + 1)
        before = int(cache.get(previous, 0) or 0)
    except Exception as exc:  # noqa: BLE001 - any cache failure fails open: never refuse a resident for it
        logger.warning("rate limit %s not applied: the cache is unavailable (%s)", name, type(exc).__name__)
        return Slot(None)
    if before * (1 - gone) + count > limit:
        Slot(current).give_back()  # refused attempts do not count
        return None
    return Slot(current)


def uses(name: str, *, window_seconds: int, now: float | None = None) -> float:
    """The sliding-window estimate of uses of `name` (for tests and reports; decisions use take())."""
    now = time.time() if now is None else now
    current, previous, gone = _keys(name, window_seconds, now)
    try:
        return int(cache.get(current, 0) or 0) + int(cache.get(previous, 0) or 0) * (1 - gone)
    except Exception:  # noqa: BLE001
        return 0.0
