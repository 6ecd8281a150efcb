"""Failed sign-ins slow down one account *from one address*, with a growing wait, instead of a lock.

Why: the old rule (5 wrong passwords in 5 minutes per account) let anyone who
knew a resident's email lock them out from anywhere. Counting by account and
address together means an attacker elsewhere slows only themselves; the wait
doubles with each further failure (30 s, 1 min, 2 min ... at most 15 min),
which makes guessing slow without a fixed lock. allauth's per-address limit
(ACCOUNT_RATE_LIMITS["login_failed"]) still caps one address across accounts.
The counts live in the cache: if it is down, sign-in carries on unthrottled
(oxtom/core/cache.py).
"""
from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache

FREE_FAILURES = 5
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 60 * 60


def _now() -> float:
    return time.time()


def _key(login: str, address: str) -> str:
    digest = hashlib.sha256(f"{login.strip().lower()}|{address}".encode()).hexdigest()
    return f"signin-failures:{digest}"


def wait_seconds(login: str, address: str, *, now: float | None = None) -> int:
    """How long this account must wait before another try from this address (0: go ahead)."""
    failures, last = cache.get(_key(login, address)) or (0, 0.0)
    if failures < FREE_FAILURES:
        return 0
    wait = min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_WAIT_SECONDS)
    return max(0, math.ceil(last + wait - (_now() if now is None else now)))


def record_failure(login: str, address: str, *, now: float | None = None) -> None:
    key = _key(login, address)
    failures, _ = cache.get(key) or (0, 0.0)
    cache.set(key, (failures + 1, _now() if now is None else now), FORGET_AFTER_SECONDS)


def clear(login: str, address: str) -> None:
    cache.delete(_key(login, address))


def describe(seconds: int) -> str:
    """'30 seconds', '2 minutes' for the message."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
