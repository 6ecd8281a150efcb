"""The shared limit behind the submission limits (reports, Open311 POSTs, webchat starts)."""
from __future__ import annotations

import threading

import pytest
from django.core.cache import cache

from oxtom.core import ratelimit
from oxtom.core.ratelimit import take, uses


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    yield
    cache.clear()


def test_allows_up_to_the_limit_and_refused_attempts_do_not_count():
    now = 1_000_000 * 60.0
    assert [take("t", limit=3, window_seconds=60, now=now) is not None for _ in range(5)] == [True] * 3 + [False] * 2
    assert uses("t", window_seconds=60, now=now) == 3


def test_given_back_uses_free_their_place():
    now = 1_000_000 * 60.0
    slots = [take("t", limit=2, window_seconds=60, now=now) for _ in range(2)]
    assert take("t", limit=2, window_seconds=60, now=now) is None
    slots[0].give_back()
    assert take("t", limit=2, window_seconds=60, now=now) is not None


def test_the_window_slides_across_a_boundary():
    """A calendar minute let 2 x limit through either side of the boundary; a sliding one does not."""
    boundary = 1_000_000 * 60.0
    assert sum(take("t", limit=60, window_seconds=60, now=boundary - 1) is not None for _ in range(60)) == 60
    assert sum(take("t", limit=60, window_seconds=60, now=boundary + 1) is not None for _ in range(60)) <= 2
    # Half a window on, half the previous minute's uses still count.
    assert sum(take("t", limit=60, window_seconds=60, now=boundary + 30) is not None for _ in range(60)) <= 31


def test_simultaneous_takes_never_exceed_the_limit():
    """The increment decides: six at once after 28 of 30 give exactly two more (not six)."""
    now = 1_000_000 * 3600.0
    for _ in range(28):
        assert take("race", limit=30, window_seconds=3600, now=now)
    barrier = threading.Barrier(6)
    results = []

    def one():
        barrier.wait()
        results.append(take("race", limit=30, window_seconds=3600, now=now) is not None)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 2
    assert uses("race", window_seconds=3600, now=now) == 30


def test_a_counter_gone_between_add_and_incr_starts_again_instead_of_failing(monkeypatch):
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: True)  # added, then evicted before incr
    assert take("evicted", limit=5, window_seconds=60) is not None


def test_a_broken_cache_fails_open_with_a_warning(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("cache down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    assert take("broken", limit=0, window_seconds=60) is not None
    assert "not applied" in caplog.text
