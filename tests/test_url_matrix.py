"""Every URL pattern in the resolver, asked by nobody, a resident, an officer and a councillor.

The casework and community matrices check who sees which object. This one
covers every pattern of every app (tests/url_access.py says how each declares
its area): the door answers as its area says before any object is looked up,
an object that does not exist is never a 500, and a strict app (STRICT = True
in tests/<app>/url_access.py) has a declaration for every pattern it mounts.
"""
from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from tests.url_access import all_patterns, app_tables, area_of, sample_path

PATTERNS = all_patterns()
TABLES = app_tables()
ROLES = ["anonymous", "resident_a", "officer_outside_team", "councillor_elsewhere"]
# The admin site has its own door (is_staff, then its own sign-in page): one representative is enough.
PROBED = [p for p in PATTERNS if not p.route.startswith("/django-admin/") or p.name == "admin:index"]


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


def _check(area: str, role: str, response) -> str | None:
    """What is wrong with `response` for `role` at a pattern of `area`, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if status == 405:  # a POST-only pattern refuses a GET before anything else, for everyone
        return None
    anonymous = role == "anonymous"
    if area == "public":
        if anonymous and (_login_redirect(response) or status in (401, 403)):
            return f"public, but nobody got {status} {response.get('Location', '')}"
    elif area in ("signed_in", "staff", "members", "partner"):
        if anonymous:
            if not _login_redirect(response):
                return f"{area}: nobody should be sent to sign in, got {status}"
        elif _login_redirect(response):
            return f"{area}: {role} is signed in but was sent to sign in"
        elif area == "staff" and role in ("resident_a", "councillor_elsewhere") and status != 403:
            return f"staff: {role} should get 403, got {status}"
        elif area == "members" and role in ("resident_a", "officer_outside_team") and status != 403:
            return f"members: {role} should get 403, got {status}"
        elif area == "partner" and role == "resident_a" and status != 403:
            return f"partner: {role} should get 403, got {status}"
    elif area == "api":
        if anonymous and status == 302:
            return "api: nobody was redirected (an API answers 401/403/404, never a sign-in page)"
    elif area == "admin":
        if status == 200:
            return f"admin: {role} got 200"
    return None


@pytest.mark.parametrize("pattern", PROBED, ids=[p.key for p in PROBED])
def test_every_pattern_answers_as_its_area_says(request, client_for, pattern, django_db_setup, db):
    path = sample_path(pattern.route)
    if path is None:
        pytest.skip(f"{pattern.route}: not a plain path once filled (a catch-all)")
    try:
        resolve(path.split("?")[0])
    except Resolver404:
        pytest.skip(f"{pattern.route}: the sample {path} does not resolve")
    area, _declared = area_of(pattern, TABLES)
    problems = []
    for role in ROLES:
        client = client_for(None if role == "anonymous" else request.getfixturevalue(role))
        response = client.get(path)
        wrong = _check(area, role, response)
        if wrong:
            problems.append(f"{role}: {wrong}")
    assert not problems, f"{pattern.key} {path} ({area}): " + "; ".join(problems)


def test_every_pattern_of_a_strict_app_is_declared():
    keys = {p.key for p in PATTERNS}
    missing, stale = [], []
    for app, (strict, table) in TABLES.items():
        stale += [f"{app}: {k}" for k in table if k not in keys]
        if strict:
            missing += [p.key for p in PATTERNS if p.app == app and p.key not in table]
    assert not missing, "URL patterns with no declared area (add them to tests/<app>/url_access.py): " + ", ".join(missing)
    assert not stale, "Declarations naming no URL pattern: " + ", ".join(stale)


def test_undeclared_patterns_are_listed():
    """Apps that have not opted in (STRICT) yet: their patterns without a row, checked by their prefix only."""
    strict = {app for app, (s, _t) in TABLES.items() if s}
    undeclared: dict[str, int] = {}
    for p in PATTERNS:
        if p.app not in strict and not area_of(p, TABLES)[1]:
            undeclared[p.app] = undeclared.get(p.app, 0) + 1
    if undeclared:
        pytest.skip("checked by their prefix's area only (no STRICT table yet): "
                    + ", ".join(f"{app} {n}" for app, n in sorted(undeclared.items())))
