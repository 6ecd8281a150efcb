"""Pages with personal data are never kept by a browser or proxy cache (one middleware, every signed-in page)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role, path", [
    ("officer_in_team", "/staff/"),
    ("officer_in_team", "/staff/queues/"),
    ("resident_a", "/account/"),
    ("councillor_of_division", "/members/"),
    ("adviser", "/staff/assist/"),
])
def test_signed_in_pages_say_no_store(request, client_for, role, path):
    response = client_for(request.getfixturevalue(role)).get(path, follow=True)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_fresh_session_set_by_this_response_is_no_store_too(client, db):
    # Starting a report (a draft in a new session) is personal from the first page.
    response = client.post("/report/new/")
    assert "sessionid" in response.cookies
    assert "no-store" in response["Cache-Control"]


def test_public_pages_to_visitors_without_a_session_stay_cacheable(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
