"""A Redis cache that degrades instead of failing: a cache outage never refuses a resident.

Everything OxTOM keeps in the cache is disposable: rate-limit counters (ours in
`oxtom.core.ratelimit`, allauth's sign-in and sign-up limits) and allauth's
used-TOTP-code markers. Sessions, drafts and the outbox live in the database.
So when Redis is unreachable the right answer is to carry on without it, with
a logged warning, rather than answer the resident with a 500:

- reads miss (`get` returns the default, `has_key` False),
- writes are dropped (`set`, `delete`, `touch` do nothing),
- `add` reports success: its callers use it to take a lock or mark a one-off
  (allauth's rate-limit lock, a used TOTP code), and refusing would refuse the
  sign-in; letting it through fails *open*, which is the chosen trade-off
  (limits are a brake on abuse, not a security boundary on their own),
- `incr` answers `delta` (a counter that has just started), so limits fail open.

After one failure the cache is skipped for `CIRCUIT_SECONDS` in this process,
so an outage costs one connection timeout per process per few seconds instead
of one per cache call (a sign-in makes several).
"""
from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("oxtom.cache")

CIRCUIT_SECONDS = 5.0
_UNSET = object()


class _Circuit:
    """Per-process memory of a recent failure, shared by every cache alias."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        with self._lock:
            self.open_until = time.monotonic() + CIRCUIT_SECONDS

    def reset(self) -> None:
        with self._lock:
            self.open_until = 0.0


circuit = _Circuit()


def _fail_soft(fallback):
    """Run the real operation; on a Redis/socket error (or while the circuit is open) return `fallback(...)`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if not circuit.is_open():
                try:
                    return method(self, *args, **kwargs)
                except (RedisError, OSError) as exc:
                    circuit.trip()
                    logger.warning("cache unavailable (%s: %s) in %s: carrying on without it for %ss",
                                   type(exc).__name__, exc, method.__name__, CIRCUIT_SECONDS)
            return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _get_default(key, default=None, version=None):
    return default


def _nothing(*args, **kwargs):
    return None


def _added(*args, **kwargs):
    return True


def _false(*args, **kwargs):
    return False


def _delta(key, delta=1, version=None):
    return delta


def _empty_dict(*args, **kwargs):
    return {}


def _no_failures(*args, **kwargs):
    return []


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache with every operation wrapped by `_fail_soft` (see the module docstring)."""

    get = _fail_soft(_get_default)(RedisCache.get)
    get_many = _fail_soft(_empty_dict)(RedisCache.get_many)
    has_key = _fail_soft(_false)(RedisCache.has_key)
    add = _fail_soft(_added)(RedisCache.add)
    set = _fail_soft(_nothing)(RedisCache.set)
    set_many = _fail_soft(_no_failures)(RedisCache.set_many)
    touch = _fail_soft(_false)(RedisCache.touch)
    delete = _fail_soft(_false)(RedisCache.delete)
    delete_many = _fail_soft(_nothing)(RedisCache.delete_many)
    incr = _fail_soft(_delta)(RedisCache.incr)
    clear = _fail_soft(_false)(RedisCache.clear)
    # decr is BaseCache's: incr with -delta.
