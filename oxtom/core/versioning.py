"""Optimistic locking for records two people may change at once (cases, applications, contracts).

A form carries the version the person saw; the service re-reads the row under a lock
and refuses a stale version, then writes with a conditional UPDATE on that version and
bumps it. The conditional UPDATE is what holds on databases without row locks: two
writers from the same version cannot both succeed. `stale` is the caller's own
ValidationError subclass, whose message tells the person nothing was saved.
"""
from __future__ import annotations

from typing import Any

from django.db.models import F, Model, QuerySet
from django.utils import timezone

from oxtom.core.actors import actor


def version_matches(expected: Any, current: int) -> bool:
    """Whether the version a form sent (any type, possibly missing or junk) is the current one."""
    try:
        return expected is not None and int(expected) == current
    except (TypeError, ValueError):
        return False


def lock_current(queryset: QuerySet, pk: Any, expected_version: Any, *, stale: type[Exception],
                 check: bool = True) -> Model:
    """The row re-read under a row lock; `stale` if it is gone or (when `check`) moved since it was seen."""
    fresh = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if fresh is None or (check and not version_matches(expected_version, fresh.version)):
        raise stale()
    return fresh


def save_versioned(instance: Model, fields: list[str], *, by: Any, stale: type[Exception]) -> Model:
    """Write `fields` only if the row is still at the version we read; bump it on the instance too."""
    now = timezone.now()
    who = actor(by)
    updated = type(instance).objects.filter(pk=instance.pk, version=instance.version).update(
        **{name: getattr(instance, name) for name in fields}, version=F("version") + 1, modified_at=now,
        modified_by=who)
    if updated != 1:
        raise stale()
    instance.version += 1
    instance.modified_at = now
    instance.modified_by = who
    return instance
