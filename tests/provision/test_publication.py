"""The open data: each CSV's columns and redaction, and the OCDS package against the vendored 1.1.5 schema."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone
from referencing import Registry, Resource

from provision import imports, publication, services
from provision.models import REDACTED, ApprovalRole, Approver, CycleStage, DelegationBand, SpendKind
from tests.provision.test_imports import ap_file, ap_row

OCDS = Path(__file__).resolve().parents[2] / "data" / "standards" / "ocds-1.1.5"  # vendored: see its README


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def published(hub, make_supplier, make_contract, director):
    company = make_supplier("Cleaner Ltd", companies_house_number="01234567", is_sme=True,
                            sme_evidence="Fewer than 250 staff")
    person = make_supplier("Jo Bloggs", is_individual=True)
    charity = make_supplier("Helping Hands", charity_number="1123456", is_vcse=True, vcse_evidence="Charity")
    cleaning = make_contract("C-CLEAN", suppliers=[company], value=250_000_00, extension_options=1,
                             extension_months=12, max_value_change_percent=50, cpv_code="90911200")
    make_contract("C-SOLE", suppliers=[person], value=20_000_00)
    make_contract("C-SMALL", suppliers=[charity], value=4_000_00)  # under £5,000: not in the contracts register
    make_contract("C-TENDER", suppliers=[charity], value=80_000_00, reprocurement_stage=CycleStage.TENDER)
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    paid = last_month.replace(day=10)
    imports.spend_import(data=ap_file([
        ap_row(1, company, amount="1500.00", paid=paid), ap_row(2, person, amount="800.00", paid=paid),
        ap_row(3, company, amount="499.99", paid=paid), ap_row(4, charity, amount="9000.00", paid=paid),
    ]), file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    DelegationBand.objects.create(from_value_pence=0, steps=[ApprovalRole.SERVICE_DIRECTOR])
    Approver.objects.create(role=ApprovalRole.SERVICE_DIRECTOR, user=director)
    request = services.extension_request(contract=cleaning, new_value_pence=300_000_00, reason="Re-tender next year",
                                         expected_version=cleaning.version, by=hub)
    services.extension_decide(approval=request.approvals.get(), decision="approved", note="", by=director)
    return {"month": last_month.replace(day=1)}


@pytest.mark.django_db
def test_spend_over_500_has_the_transparency_code_columns_and_redacts_individuals(client, published):
    rows = _csv(client.get(f"/open-data/spend-over-500.csv?month={published['month']:%Y-%m}"))
    assert list(rows[0]) == publication.SPEND_COLUMNS
    assert sorted(r["transaction_number"] for r in rows) == ["T1", "T2", "T4"]  # 499.99 is not over £500
    by_number = {r["transaction_number"]: r for r in rows}
    assert by_number["T1"]["beneficiary"] == "Cleaner Ltd" and by_number["T1"]["beneficiary_registration"] == \
        "GB-COH-01234567" and by_number["T1"]["amount"] == "1500.00"
    assert by_number["T2"]["beneficiary"] == REDACTED and by_number["T2"]["beneficiary_registration"] == ""
    assert by_number["T4"]["beneficiary_registration"] == "GB-CHC-1123456"
    assert "Jo Bloggs" not in json.dumps(rows)


@pytest.mark.django_db
def test_contracts_and_tenders_registers(client, published):
    contracts = _csv(client.get("/open-data/contracts.csv"))
    assert list(contracts[0]) == publication.CONTRACT_COLUMNS
    assert [r["reference"] for r in contracts] == ["C-CLEAN", "C-SOLE", "C-TENDER"]
    sole = next(r for r in contracts if r["reference"] == "C-SOLE")
    assert sole["supplier_name"] == REDACTED
    clean = next(r for r in contracts if r["reference"] == "C-CLEAN")
    assert (clean["value"], clean["sme"], clean["supplier_companies_house_number"]) == ("300000.00", "yes", "01234567")
    tenders = _csv(client.get("/open-data/tenders.csv"))
    assert [t["reference"] for t in tenders] == ["C-TENDER-R"]


@pytest.mark.django_db
def test_a_bad_month_is_a_404_not_an_error(client, published):
    assert client.get("/open-data/spend-over-500.csv?month=2026-13").status_code == 404
    assert client.get("/open-data/procurement-card.csv?month=drop table").status_code == 404


@pytest.mark.django_db
def test_the_ocds_package_is_valid_against_the_1_1_5_schema(client, published):
    response = client.get("/open-data/ocds/releases.json")
    package = json.loads(b"".join(response.streaming_content))
    release_schema = json.loads((OCDS / "release-schema.json").read_text())
    package_schema = json.loads((OCDS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(
        "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
        Resource.from_contents(release_schema))
    validator = jsonschema.Draft4Validator(package_schema, registry=registry,
                                           format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    releases = {r["contracts"][0]["id"]: r for r in package["releases"]}
    assert set(releases) == {"C-CLEAN", "C-SOLE", "C-TENDER"}
    clean = releases["C-CLEAN"]
    assert clean["tag"] == ["award", "contract", "implementation", "contractAmendment"]
    assert clean["contracts"][0]["value"] == {"amount": 300000.0, "currency": "GBP"}
    assert [t["id"] for t in clean["contracts"][0]["implementation"]["transactions"]] == ["T1", "T3"]
    assert len(clean["contracts"][0]["amendments"]) == 1
    supplier = next(p for p in clean["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "01234567", "legalName": "Cleaner Ltd"}
    assert "Jo Bloggs" not in json.dumps(package)
    assert {"id": "supplier-" + str(releases["C-SOLE"]["parties"][1]["id"].split("-")[1]), "name": REDACTED,
            "roles": ["supplier", "payee"]} == releases["C-SOLE"]["parties"][1]


@pytest.mark.django_db
def test_open_data_pages_are_public_and_the_page_says_the_licence(client, published):
    page = client.get("/open-data/")
    assert page.status_code == 200
    assert b"Open Government Licence" in page.content and b"spend-over-500.csv?month=" in page.content
