"""Counting uses in the shared cache, for the per-person and per-key limits on submissions.

The cache is shared by every web process (file cache in the demo, Redis in
production), so a limit holds whichever process answers.
"""
from __future__ import annotations

from django.core.cache import cache


def uses(name: str) -> int:
    """How many times `name` has been counted in its current window."""
    return int(cache.get(name, 0))


def count_use(name: str, *, window_seconds: int) -> int:
    """Count one use of `name` and return the new total; the window starts at the first use.

    `add` then `incr` is atomic on Redis and the file cache; if the counter
    expires between the two, it starts again at 1 rather than failing the
    request (whose work is already done).
    """
    cache.add(name, 0, window_seconds)
    try:
        return cache.incr(name)
    except ValueError:
        cache.set(name, 1, window_seconds)
        return 1
