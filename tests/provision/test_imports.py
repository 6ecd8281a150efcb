"""Spend imports: the whole file or nothing, a row report, idempotent, and each line matched to a contract."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from provision import imports, selectors
from provision.models import Match, SpendImport, SpendKind, SpendLine

AP = imports.COLUMNS[SpendKind.PAYABLE]
CARD = imports.COLUMNS[SpendKind.CARD]


def ap_file(rows: list[dict], columns=AP) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def ap_row(n: int, supplier, *, amount="1200.00", paid=None, invoice=None, centre="CC1", order=""):
    paid = paid or timezone.localdate() - dt.timedelta(days=10)
    return {"transaction_number": f"T{n}", "invoice_date": (invoice or paid - dt.timedelta(days=20)).isoformat(),
            "payment_date": paid.isoformat(), "supplier_id": supplier.finance_id, "supplier_name": supplier.name,
            "amount_net": amount, "irrecoverable_vat": "0.00", "cost_centre": centre, "directorate": "Resources",
            "expense_type": "Cleaning", "purchase_order": order}


@pytest.mark.django_db
def test_a_good_file_is_stored_whole_and_matched_by_each_rule(hub, make_supplier, make_contract):
    cleaner, plumber, printer = make_supplier("Cleaner Ltd"), make_supplier("Plumber"), make_supplier("Printer Ltd")
    former = make_supplier("Former Supplier Ltd")
    by_po = make_contract("PO-C", suppliers=[printer], orders=["PO-1"])
    by_centre = make_contract("CC-C", suppliers=[cleaner], cost_centres=["CC9"])
    other = make_contract("SUP-C", suppliers=[cleaner], end=timezone.localdate() + dt.timedelta(days=900))
    old_only = make_contract("OLD-C", suppliers=[former], start=timezone.localdate() - dt.timedelta(days=900),
                             end=timezone.localdate() - dt.timedelta(days=400))
    data = ap_file([ap_row(1, printer, order="PO-1"), ap_row(2, cleaner, centre="CC9"), ap_row(3, cleaner),
                    ap_row(4, plumber), ap_row(5, former, amount="£1,250.50")])
    report = imports.spend_import(data=data, file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    assert report.ok and report.stored == 5 and not report.already
    lines = {line.transaction_number: line for line in SpendLine.objects.all()}
    assert (lines["T1"].contract, lines["T1"].match) == (by_po, Match.PURCHASE_ORDER)
    assert (lines["T2"].contract, lines["T2"].match) == (by_centre, Match.SUPPLIER_COST_CENTRE)
    assert lines["T3"].match == Match.SUPPLIER and lines["T3"].contract in (by_centre, other)
    assert (lines["T4"].contract, lines["T4"].match) == (None, Match.NO_CONTRACT)
    # The former supplier's only contract has ended: its spend is off contract.
    assert (lines["T5"].contract, lines["T5"].match, lines["T5"].amount_net_pence) == (None, Match.OFF_CONTRACT, 125050)
    assert old_only.spend.count() == 0
    assert report.matched == {"po": 1, "supplier_cc": 1, "supplier": 1, "none": 1, "off": 1}


@pytest.mark.django_db
def test_one_bad_row_stores_nothing_and_every_problem_is_reported_by_row(hub, make_supplier):
    supplier = make_supplier()
    rows = [ap_row(1, supplier), ap_row(2, supplier, amount="twelve"), ap_row(3, supplier), ap_row(3, supplier)]
    rows[2]["payment_date"] = "31/02/2026"
    rows.append({**ap_row(9, supplier), "supplier_id": "NOPE"})
    rows.append({**ap_row(10, supplier), "cost_centre": ""})
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.spend_import(data=ap_file(rows), file_name="bad.csv", kind=SpendKind.PAYABLE, by=hub)
    problems = {p.row: p.message for p in rejected.value.report.problems}
    assert "Amount net must be an amount" in problems[3]
    assert "Payment date must be a date" in problems[4]
    assert "appears earlier in the file" in problems[5]
    assert "not in the supplier records" in problems[6]
    assert "Cost centre is missing" in problems[7]
    assert 2 not in problems
    assert SpendLine.objects.count() == 0 and SpendImport.objects.count() == 0


@pytest.mark.django_db
def test_the_same_file_twice_is_stored_once_and_a_later_file_cannot_repeat_a_transaction(hub, make_supplier):
    supplier = make_supplier()
    data = ap_file([ap_row(1, supplier), ap_row(2, supplier)])
    first = imports.spend_import(data=data, file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    again = imports.spend_import(data=data, file_name="ap-copy.csv", kind=SpendKind.PAYABLE, by=hub)
    assert again.already and again.batch == first.batch and again.stored == 0
    overlapping = ap_file([ap_row(2, supplier), ap_row(3, supplier)])
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.spend_import(data=overlapping, file_name="ap-2.csv", kind=SpendKind.PAYABLE, by=hub)
    assert [p.row for p in rejected.value.report.problems] == [2]
    assert "imported from an earlier file" in rejected.value.report.problems[0].message
    assert SpendLine.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    (b"   \n", "The file is empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    (",".join(AP).encode() + b"\n", "header but no rows"),
    (b"transaction_number,amount\nT1,5\n", "The columns must be"),
    (",".join(AP + ["amount_net"]).encode() + b"\n", "repeated amount_net"),
    (b"PK\x03\x04 not really a workbook", "could not be read"),
])
def test_a_broken_file_is_refused_with_one_clear_message(hub, data, message):
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.spend_import(data=data, file_name="x.csv", kind=SpendKind.PAYABLE, by=hub)
    assert message in rejected.value.report.problems[0].message
    assert SpendImport.objects.count() == 0


@pytest.mark.django_db
def test_oversized_and_hostile_values_are_refused_not_truncated(hub, make_supplier, monkeypatch):
    supplier = make_supplier()
    row = {**ap_row(1, supplier), "directorate": "x" * 101, "transaction_number": "=HYPERLINK(\"http://x\")" * 3}
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.spend_import(data=ap_file([row]), file_name="x.csv", kind=SpendKind.PAYABLE, by=hub)
    message = rejected.value.report.problems[0].message
    assert "Directorate is longer than 100" in message and "Transaction number is longer than 40" in message
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(imports.ImportRejected) as too_big:
        imports.spend_import(data=ap_file([ap_row(2, supplier)] * 3), file_name="x.csv", kind=SpendKind.PAYABLE,
                             by=hub)
    assert "smaller than 40MB" in too_big.value.report.problems[0].message


@pytest.mark.django_db
def test_an_excel_workbook_imports_like_a_csv(hub, make_supplier):
    supplier = make_supplier()
    frame = pd.DataFrame([ap_row(1, supplier), ap_row(2, supplier, amount="99.99")])
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    report = imports.spend_import(data=buffer.getvalue(), file_name="ap.xlsx", kind=SpendKind.PAYABLE, by=hub)
    assert report.stored == 2
    assert sorted(SpendLine.objects.values_list("amount_net_pence", flat=True)) == [9999, 120000]


@pytest.mark.django_db
def test_card_transactions_need_no_supplier_and_a_merchant_that_is_a_supplier_is_theirs(hub, make_supplier):
    caterer = make_supplier("Riverside Catering Co")
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    data = ap_file([
        {"transaction_number": "P1", "transaction_date": day, "merchant_name": "Stationery Direct",
         "merchant_category": "Office supplies", "amount_net": "12.40", "irrecoverable_vat": "", "cost_centre": "CC1",
         "directorate": "Resources", "expense_type": "Stationery"},
        {"transaction_number": "P2", "transaction_date": day, "merchant_name": "Riverside Catering Co",
         "merchant_category": "Catering", "amount_net": "80.00", "irrecoverable_vat": "1.20", "cost_centre": "CC1",
         "directorate": "Resources", "expense_type": "Catering"},
    ], columns=CARD)
    imports.spend_import(data=data, file_name="cards.csv", kind=SpendKind.CARD, by=hub)
    lines = {line.transaction_number: line for line in SpendLine.objects.all()}
    assert lines["P1"].supplier is None and lines["P1"].match == Match.NO_CONTRACT
    assert lines["P2"].supplier == caterer and lines["P2"].irrecoverable_vat_pence == 120


@pytest.mark.django_db
def test_only_the_hub_imports(manager, make_supplier):
    with pytest.raises(PermissionDenied):
        imports.spend_import(data=b"x", file_name="x.csv", kind=SpendKind.PAYABLE, by=manager)


@pytest.mark.django_db
def test_split_orders_under_the_quote_threshold_add_up_to_a_flag(hub, make_supplier):
    plumber = make_supplier("Plumber")
    today = timezone.localdate()
    rows = [ap_row(n, plumber, amount="2450.00", paid=today - dt.timedelta(days=30 * n)) for n in range(1, 4)]
    imports.spend_import(data=ap_file(rows), file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    flagged = selectors.cumulative_without_contract(on=today)
    assert [(r["name"], r["total"], r["lines"]) for r in flagged] == [("Plumber", 735000, 3)]
    assert flagged[0]["threshold"] == "Quotation threshold (£5,000)"
