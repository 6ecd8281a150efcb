"""Which customer records a member of staff may see: a registry the capabilities fill in ready().

Least privilege: staff with CUSTOMER_VIEW_ALL (advisers, business admin) see
every record; staff with only CUSTOMER_VIEW (officers, team leaders) see the
customers behind the work they may see, as each capability defines it (the
case engine: the customers of the cases `Case.objects.for_user` gives), plus
records granted to them for a recorded reason (CustomerAccessGrant).
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
