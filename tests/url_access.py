"""Who may reach each URL pattern: the declarations the resolver-wide matrix (tests/test_url_matrix.py) checks.

Every URL pattern in the resolver has an *area*, which says what a request by
each kind of person must get before any object is looked up:

    public     anyone (no sign-in redirect, no 401/403 for nobody)
    signed_in  nobody is sent to sign in; any signed-in person gets past the door
    staff      nobody is sent to sign in; residents and councillors get 403
    members    nobody is sent to sign in; residents and staff get 403
    api        the partner API: nobody gets 401/403 or a public answer, never a page
    admin      Django's admin site: no one without is_staff gets a 200
    partner    a community partner's pages: nobody is sent to sign in, residents get 403

The default comes from where the URLconf is mounted (AREA_BY_PREFIX below:
/staff/ is staff, /members/ members, /account/ signed_in, ...). A pattern that
differs from its prefix's default is declared in its app's table.

How an app declares its patterns (the table is the app's own, beside its tests):

    # tests/<app>/url_access.py
    STRICT = True            # every pattern of this app must be listed below
    URL_ACCESS = {
        "bas_foi:request_new": "public",       # "namespace:name", as reverse() takes it
        "bas_foi_staff:queue": "staff",
    }

With STRICT = True a new URL pattern of the app without a row fails
test_every_pattern_of_a_strict_app_is_declared (and a row naming no pattern fails
too), so nobody adds a page without saying who may open it. Apps without STRICT
are checked against their prefix's default and their overrides, and their
patterns with no row are listed (test_undeclared_patterns_are_listed, skipped
with the list as its reason). The app of a pattern is the first package of its
view's module, or the second under oxtom (oxtom.customers -> customers).
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

AREAS = {"public", "signed_in", "staff", "members", "api", "admin", "partner"}

# The longest matching prefix decides (oxtom/urls.py mounts each URLconf under one of these).
AREA_BY_PREFIX = {
    "/": "public",
    "/staff/": "staff",
    "/members/": "members",
    "/account/": "signed_in",
    "/api/v1/": "api",
    "/django-admin/": "admin",
}


@dataclass(frozen=True)
class Pattern:
    route: str  # as written in the URLconfs, joined: "/staff/cases/<str:reference>/"
    name: str  # "namespace:name", or "" for an unnamed pattern
    app: str

    @property
    def key(self) -> str:
        return self.name or self.route


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "oxtom" and len(parts) > 1 else parts[0]


def all_patterns() -> list[Pattern]:
    out: list[Pattern] = []

    def walk(patterns, prefix: str, namespaces: list[str]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), namespaces + ([p.namespace] if p.namespace else []))
            elif isinstance(p, URLPattern):
                func = getattr(p.callback, "view_class", p.callback)
                module = getattr(func, "__module__", "") or ""
                name = ":".join(namespaces + [p.name]) if p.name else ""
                out.append(Pattern("/" + prefix + str(p.pattern), name, _app_of(module)))

    walk(get_resolver().url_patterns, "", [])
    return out


def default_area(route: str) -> str:
    plain = route.replace("^", "")
    best = max((p for p in AREA_BY_PREFIX if plain.startswith(p)), key=len)
    return AREA_BY_PREFIX[best]


def app_tables() -> dict[str, tuple[bool, dict[str, str]]]:
    """{app: (strict, {pattern key: area})} from every tests/<app>/url_access.py."""
    tables = {}
    for path in sorted(Path(__file__).parent.glob("*/url_access.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.url_access")
        table = dict(getattr(module, "URL_ACCESS", {}))
        bad = {k: v for k, v in table.items() if v not in AREAS}
        if bad:
            raise ValueError(f"{path}: unknown areas {bad}; use one of {sorted(AREAS)}")
        tables[getattr(module, "APP", path.parent.name)] = (bool(getattr(module, "STRICT", False)), table)
    return tables


def area_of(pattern: Pattern, tables=None) -> tuple[str, bool]:
    """(the pattern's area, whether a table declares it)."""
    tables = app_tables() if tables is None else tables
    for _app, (_strict, table) in tables.items():
        if pattern.key in table:
            return table[pattern.key], True
    return default_area(pattern.route), False


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")
# Values no record has: each pattern is asked about a missing object, so the answer is the door's.
_MISSING = {"int": "987654", "uuid": "00000000-0000-4000-8000-000000000000", "slug": "zz-missing",
            "path": "zz-missing", "str": "ZZMISSING1"}
_MISSING_BY_NAME = {"fmt": "json", "month": "2026-11", "reference": "ZZMISSING1", "uidb36": "zz", "key": "zz-key",
                    "code": "zz-missing", "app_label": "customers", "content_type_id": "1", "url": "zz"}


def sample_path(route: str) -> str | None:
    """`route` filled with values that name nothing; None when the result is not a plain path."""
    def sub(m):
        name = m.group("name") or m.group("rname")
        if m.group("rname") and name == "reference" and "PRJ" in m.group(0):
            return "PRJ-98765"
        return _MISSING_BY_NAME.get(name) if m.group("rname") else _MISSING.get(m.group("conv") or "str", "zz")

    path = _PARAM.sub(sub, route).replace("^", "").replace("$", "").replace("\\.", ".")
    if re.search(r"[\\()\[\]*+?|{}]", path):
        return None
    return path
