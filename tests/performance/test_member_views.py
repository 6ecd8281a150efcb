"""Councillors' division view and briefing: role matrix, own division only, casework detail, constant queries."""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.casework.factories import CaseFactory

from .factories import MeasureFactory, value
from .test_public_views import months

PATHS = ["/members/division/", "/members/division/briefing/"]
ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "team_leader", "councillor_of_division",
         "councillor_elsewhere", "administrator", "analyst"]
ALLOWED = {"councillor_of_division", "councillor_elsewhere"}


@pytest.fixture
def data(division_a, division_b, team):
    periods = months(3)
    public = MeasureFactory(code="received", name="Cases received", unit="count", source="computed")
    private = MeasureFactory(code="phone", name="Contacts by telephone", unit="count", source="computed",
                             is_public=False)
    for period in periods:
        value(public, period, D("12"), division=division_a)
        value(private, period, D("40"), division=division_a)
        value(public, period, D("2"), division=division_b)
    CaseFactory(division=division_a, reference="HW-2026-A0001", title="Pothole on Bridge Street")
    CaseFactory(division=division_b, reference="HW-2026-B0001", title="Blocked drain")
    return periods


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, data, path, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = client_for(user).get(path)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (200 if role in ALLOWED else 403), role


def test_councillor_sees_their_own_division_only(client_for, data, councillor_of_division, division_a):
    html = client_for(councillor_of_division).get("/members/division/").content.decode()
    assert division_a.name in html
    assert "HW-2026-A0001" in html and "HW-2026-B0001" not in html
    assert "Contacts by telephone" in html  # members see measures not on the public page
    assert "Open cases: 1" in html


def test_other_councillor_sees_theirs(client_for, data, councillor_elsewhere, division_b):
    html = client_for(councillor_elsewhere).get("/members/division/").content.decode()
    assert division_b.name in html and "HW-2026-A0001" not in html and "HW-2026-B0001" in html
    assert "Fewer than 5" in html  # 2 cases received: still suppressed


def test_enquiries_are_listed(client_for, data, councillor_of_division, division_a):
    CaseFactory(division=division_a, reference="HW-2026-E0001", raised_by=councillor_of_division)
    html = client_for(councillor_of_division).get("/members/division/").content.decode()
    assert "HW-2026-E0001" in html


def test_councillor_without_a_division(client_for, db):
    user = f.UserFactory(roles=["councillor"], member_division=None)
    for path in PATHS:
        response = client_for(user).get(path)
        assert response.status_code == 200 and 'id="no-division"' in response.content.decode()


def test_briefing_is_one_printable_page(client_for, data, councillor_of_division):
    html = client_for(councillor_of_division).get("/members/division/briefing/").content.decode()
    assert "performance/print.css" in html and "js/performance-print.js" in html
    assert 'id="briefing-figures"' in html and "Cases received" in html
    assert "use your browser&#x27;s print option" in html or "use your browser's print option" in html
    assert "<svg" not in html  # figures only: fits one page
    # a handout for residents: published measures with figures only
    assert "Contacts by telephone" not in html
    MeasureFactory(code="no-figures-yet", name="Measure without figures", source="computed")
    html = client_for(councillor_of_division).get("/members/division/briefing/").content.decode()
    assert "Measure without figures" not in html


def test_query_counts_are_constant(client_for, data, councillor_of_division, division_a):
    client = client_for(councillor_of_division)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    from django.core.cache import cache

    before = [count(p) for p in PATHS]
    cached = [count(p) for p in PATHS]
    for i in range(6):
        m = MeasureFactory(code=f"more-{i}", source="computed")
        for period in data:
            value(m, period, D("50"), division=division_a, base=30)
    for i in range(5):
        CaseFactory(division=division_a)
    assert [count(p) for p in PATHS] == cached
    cache.clear()  # as the renewed generation would on commit, which this test never reaches
    assert [count(p) for p in PATHS] == before
    assert [count(p) for p in PATHS] == cached
    assert all(c < b for c, b in zip(cached, before))
