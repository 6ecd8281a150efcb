"""Each role reaches only what it should (docs/CONVENTIONS.md §3).

One row per area: the expected answer for every role fixture. 200 = shown,
"login" = sent to sign in, 403 = area refused. Records belonging to someone
else are covered per app and answer 404.
"""
from __future__ import annotations

import pytest

ROLES = [
    "anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team",
    "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator",
]

STAFF = {"adviser", "officer_in_team", "officer_outside_team", "team_leader", "administrator"}
MEMBERS = {"councillor_of_division", "councillor_elsewhere"}
SIGNED_IN = set(ROLES) - {"anonymous"}


def expected(allowed: set[str], role: str):
    if role == "anonymous":
        return "login"
    return 200 if role in allowed else 403


AREAS = {
    "/account/": SIGNED_IN,
    "/account/details/": SIGNED_IN,
    "/staff/": STAFF,
    "/staff/customers/": STAFF,  # every staff role here holds customer.view
    "/members/": MEMBERS,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(AREAS))
def test_area_access(request, db, client_for, path, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = client_for(user).get(path)
    want = expected(AREAS[path], role)
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want, f"{role} on {path}"


def test_public_pages_need_no_sign_in(client, db):
    for path in ("/", "/accessibility/", "/cookies/"):
        assert client.get(path).status_code == 200, path
