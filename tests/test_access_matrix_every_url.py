"""Every URL pattern in the resolver, as every role that has no business with a resident, on that resident's ids.

The per-app role matrices (tests/casework/test_role_matrix.py and the others) say what each role may do on
each of their URLs; this one is the net under all of them, built from the resolver so a URL added anywhere
is in it the day it lands. The demo resident (cases, applications, entitlements, bookings, payments, chats)
is renamed with markers no other page could show; every pattern is filled with their identifiers
(bench/_faults_web.py, the same code bench/faults.py runs over HTTP) and asked for, through the whole
middleware stack, by nobody and by a person of each role in a team and division of their own. A leak is a
2xx answer showing a marker, or a 2xx inside /staff/ or /members/ for a role without that area; a server
error is a finding too. Every pattern with parameters is also POSTed to (empty form): the resident's rows
must not change.
"""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bench._faults_web import findings, prepare_matrix
from oxtom.accounts.middleware import MFA_OK_KEY
from oxtom.places.selectors import clear_geometry_cache

pytestmark = pytest.mark.django_db

# /healthz answers 503 by design while no worker is running (no worker runs beside this test).
EXPECTED_UNAVAILABLE = {"/healthz"}
# The roles in six parts, so the two test workers share the requests (about 13,000 GETs and 9,000 POSTs)
# and no part runs long: two halves took 209 s each at load 4, near the suite's 300 s hang limit (pyproject).
PARTS = 6


def _client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
        session = client.session
        session[MFA_OK_KEY] = True  # staff have passed two-factor, as they would have
        session.save()
    return client


# A part took 66-163 s at load 3-4 (3 Dec 2026); the limit is the hang detector's, raised for a loaded CI machine.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("part", range(PARTS))
def test_no_url_shows_or_changes_another_residents_records(migration_data, part):
    clear_geometry_cache()
    call_command("seed_demo", "--reports", "0", "--allow-demo-passwords", stdout=StringIO())
    matrix = prepare_matrix("90210042", per_pattern=1)  # digits: the run id ends the phone number
    # The resolver's every pattern, nearly all filled: a pattern left unfilled is one nobody probes.
    assert len(matrix.patterns) > 300
    assert len(matrix.unfilled) <= len(matrix.patterns) // 20, matrix.unfilled
    assert len(matrix.people) == len(matrix.roles) + 1 >= 10
    before = matrix.snapshot()
    leaks, errors = [], []
    askers = sorted(matrix.people.items(), key=lambda item: item[0])[part::PARTS]
    for code, user in askers:
        client = _client_for(user)
        for route, path in matrix.urls:
            response = client.get(path)
            body = response.content.decode(errors="replace") if not response.streaming else ""
            leaks += findings(matrix, code, path, response.status_code, body)
            if response.status_code >= 500 and not (response.status_code == 503 and path in EXPECTED_UNAVAILABLE):
                errors.append(f"{code} GET {path} {response.status_code}")
            if "<" in route:
                response = client.post(path, {})
                if response.status_code >= 500:
                    errors.append(f"{code} POST {path} {response.status_code}")
    after = matrix.snapshot()
    changed = sorted(key for key, digest in before.items() if after.get(key) != digest)
    print(f"{len(matrix.urls)} URLs of {len(matrix.patterns)} patterns as {len(askers)} of {len(matrix.people)} roles")
    assert leaks == [], "\n".join(leaks)
    assert errors == [], "\n".join(errors)
    assert changed == [], "\n".join(changed)
