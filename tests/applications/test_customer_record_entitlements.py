"""The staff customer record lists the customer's permits, badges and passes, linked to the application page.

Who sees what (applications/selectors.py: entitlements_on_record): an officer sees the ones whose application
page they may open, each linked; an adviser (who sees every record) sees them all, linked only where the
application page would let them in (never, for an adviser); an officer of a team that issues none of them sees
no section. A link is there exactly when the application page answers 200, and missing exactly when it 404s.
Constant queries; the view's audit event says how many were shown.
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import selectors
from applications.models import Application, Entitlement
from oxtom.core.models import AuditEvent
from tests import factories as f
from tests.casework.factories import CaseFactory

from .conftest import officer_of

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def issue(service, customer, *, status=Entitlement.Status.ACTIVE, case=None, expires_in=300) -> Entitlement:
    n = next(_numbers)
    today = timezone.localdate()
    application = Application.objects.create(
        reference=f"AP-T{n:05d}", service=service, customer=customer, status=Application.Status.ISSUED,
        submitted_at=timezone.now(), decided_at=timezone.now(), decided_automatically=case is None, case=case)
    return Entitlement.objects.create(
        number=f"{service.code[:2].upper()}-T{n:05d}", service=service, customer=customer, application=application,
        status=status, starts_on=today - dt.timedelta(days=30), expires_on=today + dt.timedelta(days=expires_in),
        issued_at=timezone.now())


@pytest.fixture
def holder(db):
    return f.CustomerFactory(first_name="Rose", last_name="Baker", email="rose.baker@example.org")


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


@pytest.fixture
def highways_officer(db):
    return officer_of("highways-north", "highways.officer@example.org")


@pytest.fixture
def held(svc, holder, parking_officer, badge_officer, highways_officer):
    """A parking permit (issued by the rules, no case), a blue badge decided on a case, an expired bus pass;
    a case for each officer's team, so each may open the record itself."""
    parking, badge, bus = svc("parking-permit"), svc("blue-badge"), svc("bus-pass")
    badge_case = CaseFactory(service=badge.case_service, customer=holder, reference="BB-2026-T00001")
    CaseFactory(service=parking.case_service, customer=holder, reference="PP-2026-T00001")
    highways = f.TeamFactory(slug="highways-north")
    from tests.casework.factories import ServiceFactory

    CaseFactory(service=ServiceFactory(code="rec-pothole", team=highways, reference_prefix="HW"), customer=holder)
    return {
        "permit": issue(parking, holder),
        "badge": issue(badge, holder, case=badge_case),
        "pass": issue(bus, holder, status=Entitlement.Status.EXPIRED, expires_in=-10),
    }


def record(client, user, customer):
    client.force_login(user)
    return client.get(reverse("customers:record", args=[customer.reference]))


def section(html: str) -> str:
    if 'id="entitlements"' not in html:
        return ""
    return html.split('id="entitlements"', 1)[1].split('id="timeline"', 1)[0]


def assess(entitlement) -> str:
    return reverse("applications:assess", args=[entitlement.application.reference])


def test_an_officer_sees_their_teams_permit_linked_and_nothing_of_other_teams(client, held, holder, parking_officer):
    response = record(client, parking_officer, holder)
    assert response.status_code == 200
    part = section(response.content.decode())
    permit = held["permit"]
    assert f'href="{assess(permit)}"' in part and permit.number in part
    assert "Residents&#x27; parking permit" in part and "Active" in part
    assert permit.expires_on.strftime("%-d %B %Y") in part
    assert held["badge"].number not in part and held["pass"].number not in part
    assert client.get(assess(permit)).status_code == 200


def test_the_badge_teams_officer_sees_the_badge_and_the_pass_but_not_the_permit(client, held, holder, badge_officer):
    part = section(record(client, badge_officer, holder).content.decode())
    assert f'href="{assess(held["badge"])}"' in part and f'href="{assess(held["pass"])}"' in part
    assert "Expired" in part and held["permit"].number not in part
    # Active first, then the rest.
    assert part.index(held["badge"].number) < part.index(held["pass"].number)


def test_an_adviser_sees_them_all_without_links_and_the_application_pages_are_404_to_them(client, held, holder,
                                                                                       adviser):
    part = section(record(client, adviser, holder).content.decode())
    for entitlement in held.values():
        assert entitlement.number in part and assess(entitlement) not in part
        assert client.get(assess(entitlement)).status_code == 404
    assert "Only the team that issues a permit, badge or pass can open its application." in part


def test_an_officer_whose_team_issues_none_of_them_sees_no_section(client, held, holder, highways_officer):
    response = record(client, highways_officer, holder)
    assert response.status_code == 200 and section(response.content.decode()) == ""
    for entitlement in held.values():
        assert entitlement.number not in response.content.decode()


@pytest.mark.parametrize("who", ["parking_officer", "badge_officer", "adviser", "highways_officer"])
def test_a_link_is_there_exactly_when_the_application_page_opens(request, client, held, holder, who):
    user = request.getfixturevalue(who)
    part = section(record(client, user, holder).content.decode())
    for entitlement in held.values():
        opens = client.get(assess(entitlement)).status_code
        assert opens in (200, 404)
        assert (f'href="{assess(entitlement)}"' in part) == (opens == 200), (who, entitlement.number)


def test_an_adviser_sees_none_said_plainly(client, holder, adviser, svc):
    part = section(record(client, adviser, holder).content.decode())
    assert "No permits, badges or passes." in part


def test_the_view_is_audited_with_what_the_section_showed(client, held, holder, parking_officer, adviser):
    record(client, parking_officer, holder)
    record(client, adviser, holder)
    events = AuditEvent.objects.filter(action="view", target_id=str(holder.pk)).order_by("id")
    summaries = [(e.actor, e.summary) for e in events]
    assert summaries == [(parking_officer, "Viewed customer record (permits, badges and passes shown: 1)"),
                         (adviser, "Viewed customer record (permits, badges and passes shown: 3)")]


def test_the_section_costs_the_same_queries_whatever_the_customer_holds(client, held, holder, svc, parking_officer,
                                                                        badge_officer, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user in (parking_officer, badge_officer):
        client.force_login(user)
        url = reverse("customers:record", args=[holder.reference])
        client.get(url)  # warm: sessions, the first-visit writes
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for _ in range(12):
            issue(svc("parking-permit"), holder, status=Entitlement.Status.EXPIRED, expires_in=-5)
            issue(svc("blue-badge"), holder, case=held["badge"].application.case)
            issue(svc("bus-pass"), holder)
        with django_assert_num_queries(len(few.captured_queries)):
            response = client.get(url)
        assert section(response.content.decode()).count('class="govuk-table__row"') > 12


def test_the_selector_costs_two_queries_for_any_number_of_rows(held, holder, svc, parking_officer, badge_officer,
                                                               django_assert_max_num_queries):
    for _ in range(10):
        issue(svc("blue-badge"), holder)
        issue(svc("parking-permit"), holder)
    for user in (parking_officer, badge_officer):
        fresh = type(user).objects.get(pk=user.pk)
        with django_assert_max_num_queries(4):  # rows; the team roles once; membership once per deciding team
            rows, more = selectors.entitlements_on_record(fresh, holder)
        assert rows and not more


def test_more_than_the_limit_says_where_to_find_the_rest(client, held, holder, adviser, monkeypatch):
    monkeypatch.setattr(selectors, "RECORD_ENTITLEMENTS_LIMIT", 2)
    part = section(record(client, adviser, holder).content.decode())
    assert part.count('class="govuk-table__row"') == 3  # header and two
    assert "Showing the first 2." in part and reverse("applications:index") in part
    event = AuditEvent.objects.filter(action="view", target_id=str(holder.pk)).latest("id")
    assert event.summary.endswith("shown: 2 or more)")


def test_a_merged_away_record_lists_nothing(client, held, holder, adviser):
    from oxtom.customers.models import Customer

    survivor = f.CustomerFactory(first_name="Rose", last_name="Baker")
    Customer.objects.filter(pk=holder.pk).update(merged_into=survivor, merged_at=timezone.now())
    holder.refresh_from_db()
    response = record(client, adviser, holder)
    assert response.status_code == 200 and section(response.content.decode()) == ""


def test_signed_out_residents_and_councillors_never_reach_the_section(client, held, holder, resident_a,
                                                                      councillor_of_division):
    url = reverse("customers:record", args=[holder.reference])
    assert client.get(url).status_code in (302, 403, 404)
    for user in (resident_a, councillor_of_division):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code in (403, 404) and held["permit"].number.encode() not in response.content


@pytest.mark.parametrize("reference", ["", "x" * 200, "<script>", "AP-T00001\x00", "../../etc"])
def test_bad_record_references_are_404_and_show_nothing(client, held, parking_officer, reference):
    client.force_login(parking_officer)
    response = client.get(f"/staff/customers/{reference}/")
    assert response.status_code in (400, 404)
    assert held["permit"].number.encode() not in response.content
