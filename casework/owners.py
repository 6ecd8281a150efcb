"""The record a case stands behind (a street report, an application) and the page that works it.

An app that keeps its own record behind a case registers a resolver in its
AppConfig.ready(), as apps register merge relations and payment handlers, so
casework never imports them. The case page links to that page and hands it
the steps the resident is told about: taken on the generic case page they
would move the case but leave the public report, or the application, behind.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

Resolver = Callable[[Any], "OwnerPage | None"]


@dataclass(frozen=True)
class OwnerPage:
    url: str
    steps: frozenset[str]  # case actions only that page may take
    link_id: str
    link_text: str


_resolvers: list[Resolver] = []
_relations: list[str] = []


def register_case_owner(resolver: Resolver, *, select_related: str = "") -> Resolver:
    """Add `resolver(case) -> OwnerPage | None`; `select_related` is a relation it reads, loaded with the case."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    if select_related and select_related not in _relations:
        _relations.append(select_related)
    return resolver


def owner_relations() -> list[str]:
    return list(_relations)


def owner_page(case: Any) -> OwnerPage | None:
    """The page that works the record behind `case`, or None for a plain case."""
    for resolver in _resolvers:
        page = resolver(case)
        if page is not None:
            return page
    return None
