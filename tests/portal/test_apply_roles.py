"""Who sees what on the "Apply for it" pages: only the customer (or an adviser acting for them), 404 for others."""
from __future__ import annotations

import pytest

from applications.models import Application

from .test_apply_account import issue
from .test_apply_support import PERMIT_OK, answer_questions

# A bus pass needs a home in the county: the postcode centroids and a division covering them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]

OTHERS = ["resident_b", "adviser", "officer_in_team", "officer_outside_team", "team_leader",
          "councillor_of_division", "councillor_elsewhere"]


@pytest.fixture
def permit(resident_a):
    return issue(resident_a.customer)


def _urls(permit):
    reference = permit.application.reference
    return [f"/apply/applications/{reference}/", f"/apply/applications/{reference}/reconsider/",
            f"/account/entitlements/{permit.number}/", f"/account/entitlements/{permit.number}/change/",
            f"/account/entitlements/{permit.number}/print.pdf"]


def test_the_customer_sees_their_own(client_for, resident_a, permit):
    client = client_for(resident_a)
    for url in _urls(permit):
        assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("role", OTHERS)
def test_everyone_else_gets_404(request, client_for, permit, role):
    client = client_for(request.getfixturevalue(role))
    for url in _urls(permit):
        assert client.get(url).status_code == 404, (role, url)
    assert client.post(f"/apply/applications/{permit.application.reference}/pay/").status_code == 404
    assert permit.number not in client.get("/account/entitlements/").content.decode()


def test_anonymous_is_sent_to_sign_in(client_for, permit):
    client = client_for(None)
    for url in _urls(permit) + ["/account/entitlements/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    # The eligibility check itself needs no account.
    assert client.get("/apply/parking-permit/").status_code == 200


def test_adviser_acting_for_one_customer_cannot_open_anothers(client, adviser, resident_a, resident_b):
    theirs = issue(resident_b.customer)
    client.force_login(adviser)
    client.post(f"/staff/assist/customers/{resident_a.customer.reference}/session/",
                {"channel": "phone", "customer_present": "yes"})
    # Inside a session another customer's record gets the session's refusal page (oxtom/customers/middleware.py),
    # the same as a missing one: never their data.
    for url in (f"/apply/applications/{theirs.application.reference}/", f"/account/entitlements/{theirs.number}/",
                f"/account/entitlements/{theirs.number}/print.pdf"):
        response = client.get(url)
        assert response.status_code in (403, 404) and "AB12 CDE" not in response.content.decode(), url
    assert theirs.number not in client.get("/account/entitlements/").content.decode()


def test_application_page_costs_a_constant_number_of_queries(client, resident_a, django_assert_max_num_queries):
    client.force_login(resident_a)
    permit = issue(resident_a.customer)
    with django_assert_max_num_queries(7):
        html = client.get(f"/apply/applications/{permit.application.reference}/").content.decode()
    assert permit.number in html


def test_tampered_evidence_kind_is_refused(client):
    from .test_apply_support import BADGE_AUTOMATIC, jpeg, pdf

    answer_questions(client, "blue-badge", BADGE_AUTOMATIC)
    response = client.post("/apply/blue-badge/evidence/", {"file_0": jpeg(), "file_1": pdf(), "kind_1": "photo"})
    assert response.status_code == 200 and "Select what the document is" in response.content.decode()
    assert client.session["apply_draft"]["evidence"] == {}
    assert not Application.objects.exists()


def test_posting_answers_to_questions_not_on_the_page_changes_nothing(client):
    client.post("/apply/parking-permit/new/")
    client.post("/apply/parking-permit/questions/1/", {**PERMIT_OK, "lives_at_address": "no", "fee_pence": "1"})
    assert client.session["apply_draft"]["answers"] == {"address_line_1": "1 High Street", "postcode": "OX1 1AA"}
