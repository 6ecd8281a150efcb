"""The shared use counter behind the submission limits (reports, Open311 POSTs, webchat starts)."""
from __future__ import annotations

from django.core.cache import cache

from oxtom.core.ratelimit import count_use, uses


def test_counts_from_one_and_reads_back():
    cache.clear()
    assert uses("test-limit") == 0
    assert [count_use("test-limit", window_seconds=60) for _ in range(3)] == [1, 2, 3]
    assert uses("test-limit") == 3


def test_a_counter_gone_between_add_and_incr_starts_again_instead_of_failing(monkeypatch):
    cache.clear()
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: True)  # added, then evicted before incr
    assert count_use("test-evicted", window_seconds=60) == 1
    assert uses("test-evicted") == 1
