"""Least privilege on the customer record: officers and leaders see the customers behind their teams' cases;
a wider search needs a recorded reason (audited, granted for an hour); advisers keep the whole view."""
from __future__ import annotations

import pytest
from django.urls import reverse

from oxtom.core.models import AuditEvent
from oxtom.customers.models import CustomerAccessGrant
from oxtom.customers.selectors import customers_for_user
from tests.casework.factories import CaseFactory, ServiceFactory
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return make_customer(first_name="Sam", last_name="Taylor", email="sam.taylor@example.org", postcode="OX4 1AA")


@pytest.fixture
def team_case(team, customer):
    service = ServiceFactory(code="lp-pothole", name="Report a pothole", team=team, reference_prefix="HW")
    return CaseFactory(service=service, customer=customer)


@pytest.mark.parametrize("who, expected", [
    ("officer_in_team", 200), ("team_leader", 200), ("officer_outside_team", 404), ("adviser", 200),
    ("administrator", 200),
])
def test_only_the_customers_behind_ones_teams_cases(request, client_for, customer, team_case, who, expected):
    response = client_for(request.getfixturevalue(who)).get(reverse("customers:record", args=[customer.reference]))
    assert response.status_code == expected
    if expected == 404:
        assert b"sam.taylor@example.org" not in response.content


def test_search_finds_only_visible_records_without_a_reason(client_for, customer, team_case, officer_outside_team,
                                                           officer_in_team):
    outside = client_for(officer_outside_team).post(reverse("customers:search"), {"q": "sam.taylor@example.org"})
    assert outside.status_code == 200 and customer.reference not in outside.content.decode()
    inside = client_for(officer_in_team).post(reverse("customers:search"), {"q": "sam.taylor@example.org"})
    assert customer.reference in inside.content.decode()


def test_a_wider_search_needs_a_reason_is_audited_and_opens_the_records_for_an_hour(
        client_for, customer, officer_outside_team):
    client = client_for(officer_outside_team)
    short = client.post(reverse("customers:search"), {"q": "sam.taylor@example.org", "reason": "because"})
    assert "in 10 characters or more" in short.content.decode() and customer.reference not in short.content.decode()
    assert not CustomerAccessGrant.objects.exists()
    reason = "Caller reports a fly-tip with no case yet"
    found = client.post(reverse("customers:search"), {"q": "sam.taylor@example.org", "reason": reason})
    assert customer.reference in found.content.decode()
    event = AuditEvent.objects.get(summary="Wider customer search (with a reason)")
    assert event.actor == officer_outside_team and event.detail["reason"] == reason
    assert event.detail["wider_search"] is True and event.detail["references"] == [customer.reference]
    assert client.get(reverse("customers:record", args=[customer.reference])).status_code == 200
    # The grant lapses.
    from django.utils import timezone

    CustomerAccessGrant.objects.update(expires_at=timezone.now())
    assert client.get(reverse("customers:record", args=[customer.reference])).status_code == 404


def test_advisers_search_needs_no_reason(client_for, customer, adviser):
    page = client_for(adviser).get(reverse("customers:search")).content.decode()
    assert "Why do you need to search all customer records?" not in page
    found = client_for(adviser).post(reverse("customers:search"), {"q": "sam.taylor@example.org"})
    assert customer.reference in found.content.decode()


def test_the_scope_is_one_query_whatever_the_number_of_cases(team, officer_in_team, django_assert_max_num_queries):
    service = ServiceFactory(code="lp-many", name="Many", team=team, reference_prefix="HW")
    for n in range(5):
        CaseFactory(service=service, customer=make_customer(first_name="P", last_name=f"Person{n}",
                                                            email=f"p{n}@example.org"))
    with django_assert_max_num_queries(3):
        assert len(list(customers_for_user(officer_in_team))) == 5
