"""Which customer records a member of staff may see: a registry the capabilities fill in ready().

Least privilege: staff with CUSTOMER_VIEW_ALL (advisers, business admin) see
every record; staff with only CUSTOMER_VIEW (officers, team leaders) see the
customers behind the work they may see, as each capability defines it (the
case engine: the customers of the cases `Case.objects.for_user` gives), plus
records granted to them for a recorded reason (CustomerAccessGrant).

The same staff see only part of a record's timeline: the entries about
things they may see, as each capability registers them
(`register_timeline_scope`: the case engine's cases, an application whose
case they may see). Entries about other teams' work (a blue badge
application, special-category data, a message about it) and entries about
no registered subject stay with the staff who see every record.
"""
from __future__ import annotations

from typing import Any, Callable

from django.db.models import QuerySet

# Each returns a queryset of customer ids `user` may see through that capability's records.
_scopes: list[Callable[[Any], QuerySet]] = []


def register_scope(scope: Callable[[Any], QuerySet]) -> None:
    if scope not in _scopes:
        _scopes.append(scope)


def scopes() -> list[Callable[[Any], QuerySet]]:
    return list(_scopes)


# subject_type (an Interaction's "app_label.model") -> the objects of that type `user` may see.
_timeline_scopes: dict[str, Callable[[Any], QuerySet]] = {}


def register_timeline_scope(subject_type: str, scope: Callable[[Any], QuerySet]) -> None:
    """Timeline entries about `subject_type` objects are shown to limited staff for the objects
    `scope(user)` returns (a queryset of those objects; called in ready())."""
    _timeline_scopes[subject_type] = scope


def timeline_scopes() -> dict[str, Callable[[Any], QuerySet]]:
    return dict(_timeline_scopes)
