"""The REST API for partner systems: keys, scopes, each endpoint, errors as problem details, bad input."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from api.models import ApiCall, ApiKey, Scope
from api.services import api_client_deactivate, api_key_revoke, api_key_rotate
from oxtom.cases.models import CaseEvent
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage
from portal.models import ReportStatus, StreetReport

from .conftest import Caller

pytestmark = pytest.mark.django_db


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    return body


# --- keys --------------------------------------------------------------------------------------------

def test_no_key_bad_key_and_revoked_key_are_401(enforcement, permit):
    url = "/api/v1/entitlements/check/?registration=AB12CDE&zone=B"
    assert enforcement.get(url).status_code == 200
    assert problem(Caller("").http.get(url), 401)
    assert problem(Caller("oxt_" + "x" * 43).get(url), 401)
    assert problem(enforcement.http.get(url, HTTP_AUTHORIZATION="Bearer"), 401)
    assert problem(enforcement.http.get(url, HTTP_AUTHORIZATION="Bearer a b"), 401)
    # Revoked mid-use: the very next call is refused.
    api_key_revoke(client=enforcement.client, prefix=enforcement.client.keys.get().prefix, by=None)
    body = problem(enforcement.get(url), 401)
    assert "revoked" in body["detail"]


def test_keys_are_stored_hashed_and_rotate(enforcement, permit):
    row = enforcement.client.keys.get()
    assert enforcement.key not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
    new_key = api_key_rotate(client=enforcement.client, by=None)
    url = "/api/v1/entitlements/check/?registration=AB12CDE&zone=B"
    assert enforcement.get(url).status_code == 200 and Caller(new_key).get(url).status_code == 200
    with pytest.raises(Exception, match="two keys"):
        api_key_rotate(client=enforcement.client, by=None)
    api_key_revoke(client=enforcement.client, prefix=row.prefix, by=None)
    assert enforcement.get(url).status_code == 401 and Caller(new_key).get(url).status_code == 200
    api_client_deactivate(client=enforcement.client, by=None)
    assert Caller(new_key).get(url).status_code == 401
    assert ApiKey.objects.filter(client=enforcement.client, revoked_at__isnull=True).count() == 0


def test_every_call_is_logged_with_client_and_scope_but_no_query(enforcement, permit):
    enforcement.get("/api/v1/entitlements/check/?registration=AB12CDE&zone=B")
    call = ApiCall.objects.get()
    assert (call.client, call.scope, call.status, call.path) == (
        enforcement.client, Scope.ENTITLEMENTS_CHECK, 200, "/api/v1/entitlements/check/")
    assert "AB12" not in call.path


# --- scopes: the matrix ----------------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/entitlements/check/?registration=AB12CDE&zone=B", Scope.ENTITLEMENTS_CHECK),
    ("get", "/api/v1/cases/", Scope.CASES_READ),
    ("get", "/api/v1/customers/lookup/?phone=07700900123", Scope.CUSTOMERS_LOOKUP),
]


@pytest.mark.parametrize("method,url,scope", ENDPOINTS)
def test_scope_matrix(make_caller, team, permit, method, url, scope):
    others = [s for s in Scope.values if s != scope]
    without = make_caller("without-scope", others, team=team)
    problem(getattr(without, method)(url), 403)
    with_scope = make_caller("with-scope", [scope], team=team)
    assert getattr(with_scope, method)(url).status_code == 200


def test_update_needs_cases_update(reader, report_in_team):
    case = report_in_team.case
    body = problem(reader.post(f"/api/v1/cases/{case.reference}/updates/", {"version": case.version,
                                                                          "public_note": "Hello"}), 403)
    assert "cases:update" in body["detail"]
    assert not CaseEvent.objects.filter(case=case, kind="public_update").exists()


# --- entitlements:check -----------------------------------------------------------------------------------

def test_entitlement_check_yes_no_and_nothing_personal(enforcement, permit):
    body = enforcement.get("/api/v1/entitlements/check/", {"registration": "ab12 cde", "zone": "b"}).json()
    assert body == {"registration": "AB12 CDE", "zone": "B", "date": timezone.localdate().isoformat(),
                    "valid": True, "permit_type": permit.service.name, "permit_number": "RP-TEST01",
                    "valid_from": permit.starts_on.isoformat(), "valid_until": permit.expires_on.isoformat()}
    text = enforcement.get("/api/v1/entitlements/check/", {"registration": "AB12CDE", "zone": "B"}).content.decode()
    assert "Alice" not in text and "Cowley" not in text and "OX4" not in text
    assert enforcement.get("/api/v1/entitlements/check/", {"registration": "AB12CDE", "zone": "C"}).json()["valid"] is False
    assert enforcement.get("/api/v1/entitlements/check/", {"registration": "XY12ZZZ", "zone": "B"}).json()["valid"] is False
    later = (permit.expires_on + dt.timedelta(days=1)).isoformat()
    assert enforcement.get("/api/v1/entitlements/check/", {"registration": "AB12CDE", "zone": "B",
                                                          "date": later}).json()["valid"] is False
    permit.status = "revoked"
    permit.save()
    assert enforcement.get("/api/v1/entitlements/check/", {"registration": "AB12CDE", "zone": "B"}).json()["valid"] is False


@pytest.mark.parametrize("params,field", [
    ({"zone": "B"}, "registration"),
    ({"registration": "AB12CDE"}, "zone"),
    ({"registration": "NOT A REG!", "zone": "B"}, "registration"),
    ({"registration": "A" * 5000, "zone": "B"}, "registration"),
    ({"registration": "AB12CDE", "zone": "B", "date": "2026-02-30"}, "date"),
    ({"registration": "AB12\x00CDE", "zone": "B"}, "registration"),
    ({"registration": "<script>alert(1)</script>", "zone": "B"}, "registration"),
])
def test_entitlement_check_bad_input(enforcement, permit, params, field):
    body = problem(enforcement.get("/api/v1/entitlements/check/", params), 400)
    assert field in body["errors"]
    assert "<script>" not in str(body)


# --- cases ---------------------------------------------------------------------------------------------

def test_cases_list_is_the_teams_only_and_keyset_paged(contractor, report_in_team, make_report, other_team,
                                                      django_assert_max_num_queries):
    from tests.casework.factories import CaseFactory, ServiceFactory

    elsewhere = CaseFactory(service=ServiceFactory(team=other_team), team=other_team)
    for _ in range(4):
        make_report()
    seen, url = [], "/api/v1/cases/?page_size=2"
    while url:
        with django_assert_max_num_queries(8):
            page = contractor.get(url).json()
        seen += [c["reference"] for c in page["results"]]
        url = page["next"]
    assert len(seen) == 5 == len(set(seen)) and elsewhere.reference not in seen
    assert report_in_team.case.reference in seen
    first = contractor.get("/api/v1/cases/?page_size=1").json()["results"][0]
    assert set(first) >= {"reference", "status", "report_status", "version", "due_on"}
    assert "customer" not in first
    problem(contractor.get(f"/api/v1/cases/{elsewhere.reference}/"), 404)
    problem(contractor.get("/api/v1/cases/NO-SUCH/"), 404)
    problem(contractor.get("/api/v1/cases/?cursor=garbage"), 400)
    problem(contractor.get("/api/v1/cases/?page_size=0"), 400)
    problem(contractor.get("/api/v1/cases/?status=nonsense"), 400)


def test_list_costs_the_same_queries_for_more_cases(contractor, make_report, django_assert_num_queries):
    make_report()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contractor.get("/api/v1/cases/")  # the key's "last used" is written at most once a minute: not counted
    with CaptureQueriesContext(connection) as one:
        contractor.get("/api/v1/cases/")
    for _ in range(5):
        make_report()
    with CaptureQueriesContext(connection) as six:
        contractor.get("/api/v1/cases/")
    assert len(six) == len(one)


def test_contractor_marks_a_repair_done_through_the_report_service(contractor, report_in_team):
    case = report_in_team.case
    url = f"/api/v1/cases/{case.reference}/updates/"
    response = contractor.post(url, {"version": case.version, "status": "in_progress"})
    assert response.status_code == 200, response.content
    after = response.json()
    assert after["report_status"] == "in_progress" and after["version"] > case.version
    response = contractor.post(url, {"version": after["version"], "status": "fixed",
                                     "public_note": "Pothole filled and made safe."})
    assert response.status_code == 200, response.content
    report = StreetReport.objects.get(pk=report_in_team.pk)
    assert report.public_status == ReportStatus.FIXED
    # Told to the reporter through the outbox; audited as the client's own sign-in.
    assert OutboundMessage.objects.filter(customer=case.customer).exists()
    assert AuditEvent.objects.filter(actor=contractor.client.user, target_id=str(case.pk)).exists()
    # The same request again is stale: refused, nothing changes twice.
    again = contractor.post(url, {"version": after["version"], "status": "fixed", "public_note": "Again"})
    problem(again, 409)
    assert not CaseEvent.objects.filter(case=case, text="Again").exists()


def test_public_note_on_any_case_and_refusals(contractor, report_in_team):
    case = report_in_team.case
    url = f"/api/v1/cases/{case.reference}/updates/"
    ok = contractor.post(url, {"version": case.version, "public_note": "We will visit on Monday."})
    assert ok.status_code == 200, ok.content
    assert CaseEvent.objects.filter(case=case, kind="public_update", text="We will visit on Monday.").count() == 1
    problem(contractor.post(url, {"version": case.version, "status": "duplicate"}), 400)
    body = problem(contractor.post(url, {"version": case.version, "status": "scheduled"}), 422)
    assert "scheduled_on" in body["errors"]
    problem(contractor.post(url, {"version": case.version}), 400)
    problem(contractor.post(url, {"version": case.version, "public_note": "x" * 2001}), 400)
    problem(contractor.post(url, {"version": "three", "public_note": "x"}), 400)
    problem(contractor.post(url, [1, 2, 3]), 400)
    problem(contractor.post(url, raw="{not json"), 400)
    problem(contractor.post(url, raw="a=b", content_type="application/x-www-form-urlencoded"), 415)
    problem(contractor.post(url, raw="{" + '"public_note": "' + "x" * 20000 + '"}'), 413)
    assert CaseEvent.objects.filter(case=case, kind="public_update").count() == 1


def test_update_to_another_teams_case_is_404(contractor, other_team):
    from tests.casework.factories import CaseFactory, ServiceFactory

    elsewhere = CaseFactory(service=ServiceFactory(team=other_team), team=other_team)
    problem(contractor.post(f"/api/v1/cases/{elsewhere.reference}/updates/",
                            {"version": elsewhere.version, "public_note": "hi"}), 404)
    assert not CaseEvent.objects.filter(case=elsewhere).exists()


# --- customers:lookup -------------------------------------------------------------------------------------

def test_lookup_by_phone_returns_references_only_and_is_audited(telephony, resident_a, resident_b):
    from oxtom.customers.models import Customer

    Customer.objects.filter(pk=resident_a.customer.pk).update(phone="+447700900123")
    Customer.objects.filter(pk=resident_b.customer.pk).update(phone="+447700900123")
    body = telephony.get("/api/v1/customers/lookup/", {"phone": "07700 900123"}).json()
    refs = sorted(m["reference"] for m in body["matches"])
    assert refs == sorted([resident_a.customer.reference, resident_b.customer.reference])
    assert all(m["url"].endswith(f"/staff/customers/{m['reference']}/") for m in body["matches"])
    assert "Alice" not in str(body) and "example.org" not in str(body)
    assert AuditEvent.objects.filter(action="view", actor=telephony.client.user).count() == 2
    assert telephony.get("/api/v1/customers/lookup/", {"phone": "07700900999"}).json() == {"matches": []}
    for bad in ("", "not a phone", "1" * 40, "'; DROP TABLE customers; --"):
        problem(telephony.get("/api/v1/customers/lookup/", {"phone": bad}), 400)


# --- public collections ------------------------------------------------------------------------------

def test_street_reports_public_no_key_and_nothing_personal(report_in_team, make_report):
    from django.test import Client

    response = Client().get("/api/v1/street-reports/")
    assert response.status_code == 200
    body = response.json()
    assert [r["service_request_id"] for r in body["results"]] == [report_in_team.case.reference]
    text = response.content.decode()
    assert "Alice" not in text and "OX16 1AA" not in text and "example.org" not in text
    problem(Client().get("/api/v1/street-reports/", HTTP_AUTHORIZATION="Bearer oxt_nope_nope_nope_nope_nope"), 401)


def test_division_measures_public(division_a):
    from django.test import Client

    from oxtom.places.models import Division

    Division.objects.filter(pk=division_a.pk)
    problem(Client().get("/api/v1/divisions/no-such-division/measures/"), 404)


# --- throttling -------------------------------------------------------------------------------------------

def test_each_client_has_its_own_limit(make_caller, permit):
    slow = make_caller("slow-client", [Scope.ENTITLEMENTS_CHECK], rate=3)
    fast = make_caller("fast-client", [Scope.ENTITLEMENTS_CHECK], rate=100)
    url = "/api/v1/entitlements/check/?registration=AB12CDE&zone=B"
    assert [slow.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = slow.get(url)
    problem(limited, 429)
    assert int(limited["Retry-After"]) >= 1
    assert fast.get(url).status_code == 200


# --- schema and docs ------------------------------------------------------------------------------------

def test_schema_and_docs_page(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/entitlements/check/", "/api/v1/cases/", "/api/v1/cases/{reference}/",
            "/api/v1/cases/{reference}/updates/", "/api/v1/customers/lookup/", "/api/v1/street-reports/",
            "/api/v1/divisions/{slug}/measures/"} <= set(paths)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "entitlements:check" in text and "cases/<wbr>{reference}/<wbr>updates/" in text
    assert "cdn" not in text.lower() and "None" not in text


def test_demo_partner_systems_and_their_published_keys(team, permit):
    from api.demo import DEMO_CLIENTS, seed_demo_api_clients

    assert seed_demo_api_clients() == 3 and seed_demo_api_clients() == 0
    enforcement_key = next(key for name, _s, _t, key in DEMO_CLIENTS if name == "enforcement-handhelds")
    body = Caller(enforcement_key).get("/api/v1/entitlements/check/?registration=AB12CDE&zone=B").json()
    assert body["valid"] is True
    contractor_key = next(key for name, _s, _t, key in DEMO_CLIENTS if name == "highways-contractor")
    assert Caller(contractor_key).get("/api/v1/cases/").status_code == 200
    problem(Caller(contractor_key).get("/api/v1/customers/lookup/?phone=07700900123"), 403)
