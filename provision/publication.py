"""The council's transparency publications: spend over £500, procurement cards, contracts, tenders (CSV, as the
Local Government Transparency Code 2015 asks), and an Open Contracting Data Standard 1.1 release package.

Everything is generated row by row from the database (iterator with chunked prefetch), so a year of spend or
5,000 contracts is streamed, never built in memory. A sole trader's name and identifiers never appear:
"Redacted personal data" stands in.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterator

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from oxtom.core.links import absolute_url
from oxtom.core.money import decimal_pounds

from . import rules
from .models import REDACTED, Contract, ContractAmendment, CycleStage, ProcurementRoute, SpendKind, SpendLine, Supplier

LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CHUNK = 500

SPEND_COLUMNS = ["date", "department", "beneficiary", "beneficiary_registration", "summary_of_purpose",
                 "merchant_category", "amount", "irrecoverable_vat", "transaction_number"]
CARD_COLUMNS = ["date", "department", "merchant", "merchant_category", "summary_of_purpose", "amount",
                "irrecoverable_vat", "transaction_number"]
CONTRACT_COLUMNS = ["reference", "title", "department", "description", "supplier_name",
                    "supplier_companies_house_number", "supplier_charity_number", "value", "irrecoverable_vat",
                    "start_date", "end_date", "review_date", "procurement_process", "sme", "vcse"]
TENDER_COLUMNS = ["reference", "title", "department", "description", "estimated_value", "category", "cpv_code",
                  "stage"]




def council_name() -> str:
    return getattr(settings, "COUNCIL_NAME", "Oxfordshire County Council")


def _registration(supplier: Supplier | None) -> str:
    if supplier is None or supplier.is_individual:
        return ""
    if supplier.companies_house_number:
        return f"GB-COH-{supplier.companies_house_number}"
    if supplier.charity_number:
        return f"GB-CHC-{supplier.charity_number}"
    return ""


def _payee(line: SpendLine) -> str:
    return REDACTED if line.supplier is not None and line.supplier.is_individual else line.payee_name


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    return start, rules.add_months(start, 1) - dt.timedelta(days=1)


def spend_over_500_rows(month: dt.date) -> Iterator[list[str]]:
    start, end = month_bounds(month)
    yield SPEND_COLUMNS
    lines = (SpendLine.objects.filter(kind=SpendKind.PAYABLE, paid_on__gte=start, paid_on__lte=end,
                                      amount_net_pence__gt=rules.SPEND_PUBLICATION_THRESHOLD_PENCE)
             .select_related("supplier").order_by("paid_on", "id"))
    for line in lines.iterator(chunk_size=CHUNK):
        yield [line.paid_on.isoformat(), line.directorate, _payee(line), _registration(line.supplier),
               line.expense_type, line.merchant_category, decimal_pounds(line.amount_net_pence),
               decimal_pounds(line.irrecoverable_vat_pence), line.transaction_number]


def procurement_card_rows(month: dt.date) -> Iterator[list[str]]:
    start, end = month_bounds(month)
    yield CARD_COLUMNS
    lines = (SpendLine.objects.filter(kind=SpendKind.CARD, paid_on__gte=start, paid_on__lte=end)
             .select_related("supplier").order_by("paid_on", "id"))
    for line in lines.iterator(chunk_size=CHUNK):
        yield [line.paid_on.isoformat(), line.directorate, _payee(line), line.merchant_category, line.expense_type,
               decimal_pounds(line.amount_net_pence), decimal_pounds(line.irrecoverable_vat_pence), line.transaction_number]


def _published_contracts():
    return (Contract.objects.filter(awarded_value_pence__gt=rules.CONTRACT_PUBLICATION_THRESHOLD_PENCE)
            .select_related("category").prefetch_related("suppliers__aliases").order_by("reference"))


def contracts_rows() -> Iterator[list[str]]:
    yield CONTRACT_COLUMNS
    for contract in _published_contracts().iterator(chunk_size=CHUNK):
        suppliers = list(contract.suppliers.all())
        process = "Invitation to quote" if contract.route == ProcurementRoute.QUOTE else "Tender"
        yield [contract.reference, contract.title, contract.directorate, contract.description,
               "; ".join(s.public_name for s in suppliers),
               "; ".join("" if s.is_individual else s.companies_house_number for s in suppliers).strip("; "),
               "; ".join("" if s.is_individual else s.charity_number for s in suppliers).strip("; "),
               decimal_pounds(contract.current_value_pence), decimal_pounds(contract.irrecoverable_vat_pence),
               contract.start_date.isoformat(), contract.end_date.isoformat(),
               contract.review_date.isoformat() if contract.review_date else "", process,
               "; ".join("yes" if s.is_sme else "no" for s in suppliers),
               "; ".join("yes" if s.is_vcse else "no" for s in suppliers)]


def tenders_rows() -> Iterator[list[str]]:
    """Invitations to tender over £5,000: the re-procurements at their tender stage."""
    yield TENDER_COLUMNS
    tenders = (Contract.objects.filter(reprocurement_stage=CycleStage.TENDER,
                                       current_value_pence__gt=rules.CONTRACT_PUBLICATION_THRESHOLD_PENCE)
               .select_related("category").order_by("reference"))
    for contract in tenders.iterator(chunk_size=CHUNK):
        yield [f"{contract.reference}-R", f"Re-procurement: {contract.title}", contract.directorate,
               contract.description, decimal_pounds(contract.estimated_annual_value_pence or contract.current_value_pence),
               contract.category.name, contract.cpv_code, CycleStage(contract.reprocurement_stage).label]


# --- OCDS ------------------------------------------------------------------------------------------------

METHOD = {ProcurementRoute.OPEN: "open", ProcurementRoute.COMPETITIVE_FLEXIBLE: "selective",
          ProcurementRoute.DIRECT_AWARD: "direct", ProcurementRoute.FRAMEWORK: "limited",
          ProcurementRoute.QUOTE: "limited"}
BUYER_ID = "GB-GOR-E10000025"  # the council's organisation id (ONS code for Oxfordshire, as a GB-GOR identifier)


def ocid_prefix() -> str:
    return getattr(settings, "OCDS_OCID_PREFIX", "ocds-oxtom0")


def _moment(day: dt.date | dt.datetime) -> str:
    if isinstance(day, dt.datetime):
        return day.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{day.isoformat()}T00:00:00Z"


def _money(pence: int) -> dict:
    return {"amount": round(pence / 100, 2), "currency": "GBP"}


def _party(supplier: Supplier) -> dict:
    party: dict[str, Any] = {"id": f"supplier-{supplier.pk}", "name": supplier.public_name,
                             "roles": ["supplier", "payee"]}
    registration = _registration(supplier)
    if registration:
        scheme, _, number = registration.rpartition("-")
        party["identifier"] = {"scheme": scheme, "id": number, "legalName": supplier.name}
    if not supplier.is_individual:
        party["details"] = {"scale": "sme" if supplier.is_sme else "large"}
        # Duplicates merged into this supplier: their registrations still find it (provision/merging.py).
        own = registration
        extra = sorted({r for r in (_registration(alias) for alias in supplier.aliases.all()) if r and r != own})
        if extra:
            party["additionalIdentifiers"] = [{"scheme": r.rpartition("-")[0], "id": r.rpartition("-")[2]}
                                              for r in extra]
    return party


def contract_release(contract: Contract, *, on: dt.date) -> dict:
    suppliers = list(contract.suppliers.all())
    amendments = list(contract.amendments.all())
    spend = list(contract.spend.all())
    refs = [{"id": f"supplier-{s.pk}", "name": s.public_name} for s in suppliers]
    buyer = {"id": BUYER_ID, "name": council_name()}
    tags = ["award", "contract"] + (["implementation"] if spend else []) + (
        ["contractAmendment"] if amendments else [])
    items = [{"id": "1", "description": contract.title}]
    if contract.cpv_code:
        items[0]["classification"] = {"scheme": "CPV", "id": contract.cpv_code}
    release = {
        "ocid": f"{ocid_prefix()}-{contract.reference}",
        "id": f"{contract.reference}-{contract.modified_at:%Y%m%d%H%M%S}",
        "date": _moment(contract.modified_at),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": [{**buyer, "roles": ["buyer", "procuringEntity", "payer"]}] + [_party(s) for s in suppliers],
        "buyer": buyer,
        "tender": {"id": f"{contract.reference}-tender", "title": contract.title, "status": "complete",
                   "procurementMethod": METHOD.get(contract.route, "open"),
                   "procurementMethodDetails": ProcurementRoute(contract.route).label, "items": items},
        "awards": [{"id": f"{contract.reference}-award", "status": "active", "suppliers": refs,
                    "value": _money(contract.awarded_value_pence),
                    "contractPeriod": {"startDate": _moment(contract.start_date),
                                       "endDate": _moment(contract.original_end_date)}}],
        "contracts": [{
            "id": contract.reference, "awardID": f"{contract.reference}-award", "title": contract.title,
            "description": contract.description or contract.title,
            "status": "terminated" if contract.end_date < on else "active",
            "period": {"startDate": _moment(contract.start_date), "endDate": _moment(contract.end_date),
                       "maxExtentDate": _moment(contract.max_end_date)},
            "value": _money(contract.current_value_pence),
            "items": items,
        }],
    }
    if spend:
        release["contracts"][0]["implementation"] = {"transactions": [
            {"id": line.transaction_number, "date": _moment(line.paid_on), "value": _money(line.amount_net_pence),
             "payer": buyer,
             "payee": ({"id": f"supplier-{line.supplier_id}", "name": line.supplier.public_name}
                       if line.supplier_id else {"id": "payee-unmatched", "name": REDACTED})}
            for line in spend]}
    if amendments:
        release["contracts"][0]["amendments"] = [
            {"id": f"{contract.reference}-amendment-{a.pk}", "date": _moment(a.made_at), "rationale": a.reason,
             "description": f"{a.get_kind_display()}: " + "; ".join(
                 f"{term.lower()} {before} to {after}" for term, before, after in a.change_lines(published=True))}
            for a in amendments]
    return release


def ocds_package_chunks(*, on: dt.date | None = None) -> Iterator[str]:
    """The release package as JSON text, one release at a time."""
    on = on or timezone.localdate()
    head = {"uri": absolute_url("/open-data/ocds/releases.json"), "version": "1.1",
            "publishedDate": _moment(timezone.now()), "publisher": {"name": council_name()},
            "license": LICENCE_URL, "publicationPolicy": absolute_url("/open-data/")}
    text = json.dumps(head, ensure_ascii=False)
    yield text[:-1] + ', "releases": ['
    contracts = _published_contracts().prefetch_related(
        Prefetch("amendments", queryset=ContractAmendment.objects.order_by("made_at", "id")),
        Prefetch("spend", queryset=SpendLine.objects.select_related("supplier").order_by("paid_on", "id")))
    first = True
    for contract in contracts.iterator(chunk_size=100):
        yield ("" if first else ",") + json.dumps(contract_release(contract, on=on), ensure_ascii=False)
        first = False
    yield "]}"
