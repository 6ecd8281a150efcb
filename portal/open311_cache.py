"""A short cache on Open311's default `requests` query, which any report change invalidates.

Partner systems and open-data crawlers poll `requests.json` with no filters, over and over; that
query is the same for everyone (public data only), so its body is kept for CACHE_SECONDS under
a key holding a *generation*: saving or deleting a street report or a photo, and the engine
starting work on a report, set a new generation (after commit), so the next poll builds afresh.
A change made by a bulk UPDATE elsewhere (a case's expected date) shows within CACHE_SECONDS.

The cache is the fail-soft one (oxtom.core.cache): with Redis down, every poll builds its answer.
"""
from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import transaction

CACHE_SECONDS = 30
GENERATION_KEY = "open311:requests:generation"
# A query with only these parameters is "the default query" (any page of it); anything else is built each time.
CACHEABLE_PARAMS = frozenset({"jurisdiction_id", "page", "page_size"})


def is_default_query(data: Any) -> bool:
    return set(data.keys()) <= CACHEABLE_PARAMS


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = time.time_ns()
        cache.add(GENERATION_KEY, generation, None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def cache_key(*, fmt: str, page_size: int, page: int) -> str:
    return f"open311:requests:{_generation()}:{fmt}:{page_size}:{page}"


def get(key: str) -> bytes | None:
    return cache.get(key)


def put(key: str, body: bytes) -> None:
    cache.set(key, body, CACHE_SECONDS)


def invalidate() -> None:
    """A report changed: the next default query builds afresh (once the change is committed)."""
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, time.time_ns(), None))


def _on_change(sender, **kwargs) -> None:
    invalidate()


def connect_signals() -> None:
    """Called from PortalConfig.ready()."""
    from django.db.models.signals import post_delete, post_save

    from .models import ReportPhoto, StreetReport

    for model in (StreetReport, ReportPhoto):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"open311-cache-{model.__name__}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"open311-cache-{model.__name__}-delete")
