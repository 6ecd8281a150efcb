"""The hub's pages: who sees what, the extension journey through the delegation matrix, bad input, query counts."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.notify.models import OutboundMessage
from provision import services
from provision.models import Contract, ContractAmendment, ExtensionRequest, Supplier

HUB_URLS = ["/staff/provision/", "/staff/provision/contracts/new/", "/staff/provision/suppliers/",
            "/staff/provision/suppliers/new/", "/staff/provision/suppliers/look-alike/",
            "/staff/provision/spend/import/", "/staff/provision/spend/off-contract/",
            "/staff/provision/spend/payments/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", HUB_URLS)
def test_hub_pages_are_for_the_hub_only(client_for, hub, manager, resident_a, url):
    assert client_for(hub).get(url).status_code == 200
    assert client_for(manager).get(url).status_code == 403
    assert client_for(resident_a).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_contract_manager_sees_their_own_contracts_and_no_one_elses(client_for, hub, manager, make_contract,
                                                                      officer_outside_team):
    mine = make_contract("MINE-1", contract_manager=manager)
    make_contract("THEIRS-1")
    page = client_for(manager).get("/staff/provision/contracts/")
    assert page.status_code == 200 and b"MINE-1" in page.content and b"THEIRS-1" not in page.content
    assert client_for(manager).get(f"/staff/provision/contracts/{mine.reference}/").status_code == 200
    assert client_for(manager).get("/staff/provision/contracts/THEIRS-1/").status_code == 404
    assert client_for(officer_outside_team).get(f"/staff/provision/contracts/{mine.reference}/").status_code == 404
    # A contract manager reads the contract but cannot record decisions or extensions.
    assert client_for(manager).post(f"/staff/provision/contracts/{mine.reference}/decision/",
                                    {"decision": "stop", "note": "x", "version": 1}).status_code == 403
    home = client_for(manager).get("/staff/")
    assert b"Contracts you manage" in home.content and b"MINE-1" in home.content


@pytest.mark.django_db
def test_the_dashboard_and_contract_list_take_the_same_queries_for_3_or_30_contracts(client_for, hub, make_contract,
                                                                                     make_supplier):
    client = client_for(hub)
    for n in range(3):
        make_contract(f"Q-{n}")
    client.get("/staff/provision/")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as dashboard:
            assert client.get("/staff/provision/").status_code == 200
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/staff/provision/contracts/").status_code == 200
        counts.append((len(dashboard), len(listing)))
        for n in range(27):
            make_contract(f"R-{len(counts)}-{n}", suppliers=[make_supplier(), make_supplier()])
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_contract_list_pages_by_end_date_with_a_keyset_cursor(client_for, hub, make_contract, monkeypatch):
    from provision import selectors

    monkeypatch.setattr(selectors, "CONTRACTS_PER_PAGE", 2)
    today = timezone.localdate()
    for n in range(5):
        make_contract(f"K-{n}", end=today + dt.timedelta(days=100 + n))
    first = client_for(hub).get("/staff/provision/contracts/")
    assert b"K-0" in first.content and b"K-1" in first.content and b"K-2" not in first.content
    cursor = first.context["cursor"]
    second = client_for(hub).get(f"/staff/provision/contracts/?after={cursor}")
    assert b"K-2" in second.content and b"K-3" in second.content and b"K-0" not in second.content
    assert client_for(hub).get("/staff/provision/contracts/?after=nonsense.x").status_code == 200


@pytest.mark.django_db
def test_the_extension_goes_through_every_approval_in_turn_before_the_contract_changes(
        client_for, hub, director, authoriser, matrix, make_contract):
    contract = make_contract("EXT-1", value=400_000_00, extension_options=1, extension_months=12,
                             max_value_change_percent=25)
    end = contract.end_date
    response = client_for(hub).post(f"/staff/provision/contracts/{contract.reference}/extend/",
                                    {"new_value": "450,000", "reason": "Keeps the service running", "version": 1})
    assert response.status_code == 302
    request = ExtensionRequest.objects.get()
    assert [a.role for a in request.approvals.all()] == ["service_director", "authoriser"]
    alerts = OutboundMessage.objects.filter(idempotency_key__startswith="provision:approval:")
    assert list(alerts.values_list("recipient", flat=True)) == ["director@example.org"]
    # The authoriser cannot sign before the director: their step is not waiting for them yet.
    second = request.approvals.get(step=2)
    assert client_for(authoriser).get(f"/staff/provision/approvals/{second.pk}/").status_code == 404
    first = request.approvals.get(step=1)
    page = client_for(director).post(f"/staff/provision/approvals/{first.pk}/", {"decision": "approved"})
    assert page.status_code == 302
    contract.refresh_from_db()
    assert contract.end_date == end and contract.current_value_pence == 400_000_00  # not yet
    assert alerts.filter(recipient="authoriser@example.org").exists()
    client_for(authoriser).post(f"/staff/provision/approvals/{second.pk}/", {"decision": "approved"})
    contract.refresh_from_db()
    assert contract.current_value_pence == 450_000_00 and contract.extensions_used == 1
    assert contract.end_date > end and contract.end_decision == "extend"
    amendment = ContractAmendment.objects.get()
    assert (amendment.previous_end_date, amendment.new_end_date) == (end, contract.end_date)
    request.refresh_from_db()
    assert request.status == "approved"
    # No options left: the page says so and a second request is refused.
    page = client_for(hub).get(f"/staff/provision/contracts/{contract.reference}/")
    assert b"cannot be extended" in page.content
    refused = client_for(hub).post(f"/staff/provision/contracts/{contract.reference}/extend/",
                                   {"new_value": "450000", "reason": "Again", "version": contract.version})
    assert refused.status_code == 400 and b"no extension options left" in refused.content


@pytest.mark.django_db
@pytest.mark.parametrize("value, message", [
    ("600000", "more than the 25%"), ("300000", "cannot lower"), ("", "Enter the contract value after"),
    ("lots", "must be an amount in pounds"), ("99999999999999", "less than £10 billion"),
])
def test_an_extension_outside_what_the_contract_allows_is_refused_with_the_reason(client_for, hub, matrix,
                                                                                  make_contract, value, message):
    contract = make_contract("EXT-2", value=400_000_00, extension_options=1, extension_months=12,
                             max_value_change_percent=25)
    response = client_for(hub).post(f"/staff/provision/contracts/{contract.reference}/extend/",
                                    {"new_value": value, "reason": "Because", "version": 1})
    assert response.status_code == 400 and message.encode() in response.content
    assert ExtensionRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_person_who_asked_cannot_approve_and_a_refusal_needs_a_reason(client_for, hub, director, matrix,
                                                                         make_contract):
    from provision.models import ApprovalRole, Approver

    Approver.objects.create(role=ApprovalRole.SERVICE_DIRECTOR, user=hub)
    contract = make_contract("EXT-3", value=50_000_00, extension_options=1, extension_months=6,
                             max_value_change_percent=10)
    request = services.extension_request(contract=contract, new_value_pence=50_000_00, reason="Why not",
                                         expected_version=1, by=hub)
    step = request.approvals.get()
    own = client_for(hub).post(f"/staff/provision/approvals/{step.pk}/", {"decision": "approved"})
    assert own.status_code == 200 and b"someone else must approve it" in own.content
    no_reason = client_for(director).post(f"/staff/provision/approvals/{step.pk}/", {"decision": "refused"})
    assert b"Say why the extension is refused" in no_reason.content
    client_for(director).post(f"/staff/provision/approvals/{step.pk}/", {"decision": "refused", "note": "Re-tender"})
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.status == "refused" and contract.extensions_used == 0


@pytest.mark.django_db
def test_a_stale_decision_form_is_refused_and_loses_nothing(client_for, hub, make_contract):
    contract = make_contract("STALE-1")
    url = f"/staff/provision/contracts/{contract.reference}/decision/"
    first = client_for(hub).post(url, {"decision": "retender", "stage": "prepare", "note": "Market is healthy",
                                       "version": 1})
    assert first.status_code == 302
    stale = client_for(hub).post(url, {"decision": "stop", "stage": "", "note": "Stop it", "version": 1})
    assert stale.status_code == 400 and b"Someone else changed this contract" in stale.content
    contract.refresh_from_db()
    assert (contract.end_decision, contract.reprocurement_stage) == ("retender", "prepare")


@pytest.mark.django_db
def test_adding_a_supplier_makes_an_organisation_customer_and_refuses_a_repeat(client_for, hub):
    data = {"name": "Acme Cleaning Ltd", "finance_id": "S900", "email": "accounts@acme.example",
            "postcode": "OX4 1AB", "companies_house_number": "01234567", "is_sme": "on", "sme_evidence": "Accounts"}
    assert client_for(hub).post("/staff/provision/suppliers/new/", data).status_code == 302
    supplier = Supplier.objects.get()
    assert supplier.customer.kind == "organisation" and supplier.customer.organisation_name == "Acme Cleaning Ltd"
    assert supplier.is_local and supplier.is_sme
    again = client_for(hub).post("/staff/provision/suppliers/new/", data)
    assert again.status_code == 200 and b"already exists" in again.content
    bad = client_for(hub).post("/staff/provision/suppliers/new/", {**data, "finance_id": "S901",
                                                                   "companies_house_number": "<script>"})
    assert b"Companies House number must be 8 characters" in bad.content and b"<script>" not in bad.content
    assert Supplier.objects.count() == 1


@pytest.mark.django_db
def test_a_contract_over_5m_needs_three_kpis_or_a_reason(client_for, hub, make_supplier, category):
    supplier = make_supplier()
    data = {"reference": "BIG-1", "title": "Big", "category": category.pk, "directorate": "Resources",
            "suppliers": [supplier.pk], "route": "open", "awarded_value_pence": "6,000,000", "start_date_day": "1",
            "start_date_month": "4", "start_date_year": "2026", "end_date_day": "31", "end_date_month": "3",
            "end_date_year": "2030", "extension_options": "0", "extension_months": "0", "kpis": "On time: 95%"}
    refused = client_for(hub).post("/staff/provision/contracts/new/", data)
    assert b"needs at least three KPIs" in refused.content and not Contract.objects.exists()
    ok = client_for(hub).post("/staff/provision/contracts/new/", {**data, "kpis": "A: 1\nB: 2\nC: 3"})
    assert ok.status_code == 302 and Contract.objects.get().kpis.count() == 3
    backwards = client_for(hub).post("/staff/provision/contracts/new/", {**data, "reference": "BIG-2",
                                                                         "end_date_year": "2025", "kpis": "A: 1\nB: 2\nC: 3"})
    assert b"end date must be the same as or after" in backwards.content


@pytest.mark.django_db
def test_runway_alerts_go_once_per_milestone_to_the_hub_and_the_manager(hub, manager, make_contract):
    from oxtom.accounts.models import Team, TeamMembership

    team, _ = Team.objects.get_or_create(slug="provision", defaults={"name": "Provision"})
    TeamMembership.objects.get_or_create(team=team, user=hub)
    today = timezone.localdate()
    contract = make_contract("RUN-1", end=today + dt.timedelta(days=150), contract_manager=manager)  # 12-month runway
    assert services.runway_alerts_send(on=today) == 1
    assert services.runway_alerts_send(on=today) == 0
    keys = set(OutboundMessage.objects.filter(idempotency_key__startswith="provision:runway:")
               .values_list("recipient", flat=True))
    assert keys == {"hub@example.org", "manager@example.org"}
    contract.refresh_from_db()
    assert contract.runway_alerts_sent == 2  # 150 of ~365 days left: past halfway, two milestones in one alert
    assert services.runway_alerts_send(on=today + dt.timedelta(days=70)) == 1
    contract.refresh_from_db()
    assert contract.runway_alerts_sent == 3


@pytest.mark.django_db
def test_a_contract_manager_reviews_their_contract_rating_every_kpi(client_for, manager, hub, make_contract,
                                                                    officer_outside_team):
    contract = make_contract("REV-1", contract_manager=manager)
    kpi = contract.kpis.get()
    url = f"/staff/provision/contracts/{contract.reference}/review/"
    assert client_for(officer_outside_team).get(url).status_code == 404
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    data = {"period_end_day": last_month.day, "period_end_month": last_month.month, "period_end_year": last_month.year,
            "overall": "requires_improvement", "summary": "Missed cleans in the libraries",
            f"kpi_{kpi.pk}_result": "91%", f"kpi_{kpi.pk}_rating": "requires_improvement"}
    no_action = client_for(manager).post(url, data)
    assert b"Agree at least one improvement action" in no_action.content
    unrated = client_for(manager).post(url, {**data, f"kpi_{kpi.pk}_rating": "", "actions": "Fix: 2027-01-31"})
    assert b"Rate On time" in unrated.content
    bad_action = client_for(manager).post(url, {**data, "actions": "Fix it soon"})
    assert b"Action line 1 must be" in bad_action.content
    ok = client_for(manager).post(url, {**data, "actions": "Weekly spot checks in libraries: 2027-01-31"})
    assert ok.status_code == 302
    review = contract.reviews.get()
    assert review.overall == "requires_improvement" and review.kpi_ratings.get().result == "91%"
    assert review.improvement_actions == [{"action": "Weekly spot checks in libraries", "due": "2027-01-31"}]
    again = client_for(manager).post(url, {**data, "actions": "Again: 2027-02-01"})
    assert b"already been reviewed" in again.content and contract.reviews.count() == 1
    page = client_for(hub).get(f"/staff/provision/contracts/{contract.reference}/")
    assert b"Requires improvement" in page.content and b"Weekly spot checks" in page.content


@pytest.mark.django_db
def test_a_contract_review_is_a_case_in_the_hub_queue_requested_by_the_officer(client_for, hub, make_contract):
    from oxtom.accounts.models import Team, TeamMembership
    from oxtom.cases.models import Case

    team = Team.objects.get(slug="provision")
    TeamMembership.objects.update_or_create(team=team, user=hub, defaults={"team_role": "officer"})
    contract = make_contract("CLEAN-1")
    url = f"/staff/provision/contracts/{contract.reference}/review-case/"
    first = client_for(hub).post(url)
    case = Case.objects.get(service__code="contract-review")
    assert first.status_code == 302 and first["Location"] == f"/staff/cases/{case.reference}/"
    assert (case.requested_by, case.customer, case.team) == (hub, None, team)
    again = client_for(hub).post(url)
    assert again["Location"] == first["Location"] and Case.objects.filter(service__code="contract-review").count() == 1
    page = client_for(hub).get(first["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Open the contract" in text and "CLEAN-1: Contract CLEAN-1" in text and "Performance reviews" in text
    assert "{'contract'" not in text and "end_date" not in text
