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


@pytest.fixture(autouse=True)
def message_templates(db):
    """A wider search emails the data protection lead (staff-alert template, seeded by migration;
    seeded again here since transactional tests elsewhere flush migration data)."""
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


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


# --- the timeline, acted-for views, the data protection lead --------------------------------------

@pytest.fixture
def mixed_timeline(team, other_team, customer, team_case):
    """A customer with a case in the officer's team, a special-category blue badge case in another
    team, a message about it, and a contact that belongs to no case."""
    from oxtom.customers.services import interaction_record

    badge_service = ServiceFactory(code="lp-badge", name="Blue badge", team=other_team, reference_prefix="BB")
    badge = CaseFactory(service=badge_service, customer=customer, special_category=True)
    interaction_record(customer=customer, kind="case.created", summary="Pothole reported on Cowley Road",
                       subject=team_case)
    interaction_record(customer=customer, kind="case.created",
                       summary="Blue badge application: mobility assessment needed", subject=badge)
    interaction_record(customer=customer, kind="contact.logged", summary="Called about their PIP award")
    return team_case, badge


def test_an_officer_sees_only_the_timeline_entries_of_cases_they_may_see(client_for, customer, mixed_timeline,
                                                                        officer_in_team, adviser):
    url = reverse("customers:record", args=[customer.reference])
    officer = client_for(officer_in_team).get(url).content.decode()
    assert "Pothole reported on Cowley Road" in officer
    assert "Blue badge" not in officer and "mobility" not in officer and "PIP award" not in officer
    assert "Only the entries about cases you work on are shown" in officer
    whole = client_for(adviser).get(url).content.decode()
    assert "Pothole reported" in whole and "Blue badge application" in whole and "PIP award" in whole
    assert "Only the entries about cases you work on are shown" not in whole


def test_the_case_page_shows_the_same_filtered_timeline(client_for, customer, mixed_timeline, officer_in_team):
    team_case, _ = mixed_timeline
    page = client_for(officer_in_team).get(reverse("casework:case", args=[team_case.reference])).content.decode()
    assert "Pothole reported on Cowley Road" in page and "Blue badge application" not in page


def test_the_filtered_timeline_costs_the_same_queries_however_long(customer, team, team_case, officer_in_team,
                                                                  django_assert_num_queries):
    from oxtom.customers.selectors import interactions_page
    from oxtom.customers.services import interaction_record

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            interactions_page(customer, user=officer_in_team)
        return len(ctx.captured_queries)

    few = count()
    for n in range(30):
        interaction_record(customer=customer, kind="case.updated", summary=f"Update {n}", subject=team_case)
    assert count() == few


def test_an_advisers_views_while_acting_for_a_customer_are_audited(client_for, adviser, customer):
    client = client_for(adviser)
    client.post(reverse("assist:session_start", args=[customer.reference]),
                {"channel": "phone", "customer_present": "yes"})
    before = AuditEvent.objects.filter(detail__acting_for=True).count()
    assert client.get("/account/details/").status_code == 200
    event = AuditEvent.objects.filter(detail__acting_for=True).latest("occurred_at")
    assert AuditEvent.objects.filter(detail__acting_for=True).count() == before + 1
    assert (event.actor, event.target_id, event.detail["path"]) == (adviser, str(customer.pk), "/account/details/")
    assert "acting for the customer" in event.summary
    # Staff pages audit themselves; public pages show nobody's data: neither adds an acting-for view.
    client.get("/staff/")
    client.get("/")
    assert AuditEvent.objects.filter(detail__acting_for=True).count() == before + 1


def test_a_residents_own_views_are_not_audited_as_acting_for(client_for, resident_a):
    client_for(resident_a).get("/account/details/")
    assert not AuditEvent.objects.filter(detail__acting_for=True).exists()


def test_the_data_protection_lead_is_told_of_each_wider_search_through_the_outbox(
        client_for, customer, officer_outside_team, settings):
    from oxtom.notify.models import OutboundMessage

    settings.DATA_PROTECTION_LEAD_EMAIL = "dpo@oxfordshire.example"
    client = client_for(officer_outside_team)
    reason = "Caller reports a fly-tip with no case yet"
    client.post(reverse("customers:search"), {"q": "sam.taylor@example.org", "reason": reason})
    event = AuditEvent.objects.get(summary="Wider customer search (with a reason)")
    [message] = OutboundMessage.objects.filter(recipient="dpo@oxfordshire.example")
    assert message.customer is None and message.channel == "email" and message.status == "pending"
    assert message.idempotency_key == f"wider-search:{event.pk}"
    assert message.subject == "A wider customer search was used"
    assert reason in message.body and officer_outside_team.email in message.body and "1 record" in message.body
    assert customer.reference not in message.body and "sam.taylor" not in message.body  # no customer data by email
    # A short reason refused: no search, no message.
    client.post(reverse("customers:search"), {"q": "sam.taylor@example.org", "reason": "because"})
    assert OutboundMessage.objects.filter(recipient="dpo@oxfordshire.example").count() == 1
