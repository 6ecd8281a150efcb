"""Provision's figures in the performance framework: the computed values for known spend lines, the division
attribution (the supplier's division, small numbers suppressed), and the division pages showing the figure
in a constant number of queries."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from performance import services as performance
from performance.models import Value
from provision import imports, measures
from provision.models import SpendKind, Supplier
from tests.provision.test_imports import ap_file, ap_row

CODES = [m["code"] for m in measures.MEASURES + measures.DERIVED]


@pytest.fixture(autouse=True)
def _measure_rows(migration_data):
    """The Measure rows migration 0007 seeds, put back if a transactional test before this one flushed them."""


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _figures(month: dt.date) -> dict[str, tuple]:
    """County figures by code: (value, base)."""
    return {code: (value, base) for code, value, base in Value.objects.filter(
        measure__code__in=CODES, period__start=month, area_type="county").values_list("measure__code", "value", "base")}


def _compute(month: dt.date):
    return performance.compute_measures(months=[month], codes=CODES)


@pytest.mark.django_db
def test_every_provision_measure_has_its_row_and_its_computation():
    from performance import computations
    from performance.models import Measure

    rows = {m.code: m for m in Measure.objects.filter(code__in=CODES)}
    assert set(rows) == set(CODES)
    for spec in measures.MEASURES:
        assert spec["code"] in computations.REGISTRY
    assert rows["provision-sme-share"].is_derived and rows["provision-spend-with-division-suppliers"].is_public


@pytest.mark.django_db
def test_known_spend_lines_give_the_known_figures(hub, make_supplier, make_contract):
    month = _last_month()
    paid = month + dt.timedelta(days=9)
    today = timezone.localdate()
    sme = make_supplier("Local SME Ltd", postcode="OX1 1AA", is_sme=True, sme_evidence="Accounts")
    vcse = make_supplier("Local Charity", postcode="OX4 1AA", is_vcse=True, vcse_evidence="Registered charity")
    far = make_supplier("Faraway plc", postcode="RG1 8DB")
    oxon_like = make_supplier("No Postcode Ltd", postcode="")  # no postcode: not local
    make_contract("C-SME", suppliers=[sme], orders=["PO-A"])
    make_contract("C-OLD", suppliers=[far], start=today - dt.timedelta(days=900), end=today - dt.timedelta(days=400))
    rows = [
        ap_row(1, sme, amount="1000.00", paid=paid, invoice=paid - dt.timedelta(days=20), order="PO-A"),  # on, 30
        ap_row(2, vcse, amount="500.00", paid=paid, invoice=paid - dt.timedelta(days=40)),  # no contract, late
        ap_row(3, far, amount="2500.00", paid=paid, invoice=paid - dt.timedelta(days=10)),  # off contract, 30
        ap_row(4, sme, amount="500.00", paid=paid, invoice=paid - dt.timedelta(days=30)),  # on by supplier, 30
        ap_row(5, oxon_like, amount="100.00", paid=paid, invoice=paid - dt.timedelta(days=31)),  # no contract, late
        # Paid the month before: not in this month's figures.
        ap_row(6, sme, amount="9999.00", paid=month - dt.timedelta(days=3), invoice=month - dt.timedelta(days=5)),
    ]
    imports.spend_import(data=ap_file(rows), file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    result = _compute(month)
    assert not result.errors, result.errors
    got = _figures(month)
    assert got["provision-spend"] == (D("4600.00"), 5)
    assert got["provision-spend-on-contract"][0] == D("1500.00")
    assert got["provision-off-contract-spend"][0] == D("3100.00")
    assert got["provision-spend-sme"][0] == D("1500.00")
    assert got["provision-spend-vcse"][0] == D("500.00")
    assert got["provision-spend-local"][0] == D("2000.00")
    assert got["provision-invoices-paid"] == (D("5"), 5)
    assert got["provision-invoices-paid-within-30-days"][0] == D("3")
    assert got["provision-on-contract-percent"][0] == D("32.6087")  # 1,500 / 4,600
    assert got["provision-sme-share"][0] == D("32.6087")
    assert got["provision-vcse-share"][0] == D("10.8696")
    assert got["provision-local-share"][0] == D("43.4783")
    assert got["provision-paid-within-30-days-percent"][0] == D("60.0000")
    # The shares are county figures: no division has one.
    assert not Value.objects.filter(measure__code="provision-sme-share", area_type="division").exists()
    # A second run over the same spend changes nothing.
    before = dict(Value.objects.filter(measure__code__in=CODES).values_list("pk", "value"))
    _compute(month)
    assert dict(Value.objects.filter(measure__code__in=CODES).values_list("pk", "value")) == before


@pytest.fixture
def division_spend(hub, make_supplier, division_a, division_b):
    """Five suppliers located in division A (one paid twice), one in division B, one outside every division."""
    month = _last_month()
    paid = month + dt.timedelta(days=4)
    in_a = [make_supplier(f"A Supplier {i} Ltd") for i in range(5)]
    in_b = make_supplier("B Supplier Ltd")
    nowhere = make_supplier("Nowhere Ltd", postcode="M1 4BT")
    Supplier.objects.filter(pk__in=[s.pk for s in in_a]).update(division=division_a)
    Supplier.objects.filter(pk=in_b.pk).update(division=division_b)
    Supplier.objects.filter(pk=nowhere.pk).update(division=None)
    rows = [ap_row(i + 1, s, amount="100.00", paid=paid) for i, s in enumerate(in_a)]
    rows += [ap_row(10, in_a[0], amount="250.00", paid=paid), ap_row(11, in_b, amount="700.00", paid=paid),
             ap_row(12, nowhere, amount="5000.00", paid=paid)]
    imports.spend_import(data=ap_file(rows), file_name="ap-div.csv", kind=SpendKind.PAYABLE, by=hub)
    return month


def _division_values(month: dt.date) -> dict:
    return {key: (value, base) for key, value, base in Value.objects.filter(
        measure__code="provision-spend-with-division-suppliers", period__start=month).values_list(
        "area_key", "value", "base")}


@pytest.mark.django_db
def test_spend_counts_in_the_division_the_supplier_is_located_in(hub, make_supplier, division_spend, division_a,
                                                                 division_b):
    month = division_spend
    with CaptureQueriesContext(connection) as few:
        _compute(month)
    got = _division_values(month)
    assert got[f"d:{division_a.pk}"] == (D("750.00"), 5)  # five suppliers, one of them paid twice: counted once
    assert got[f"d:{division_b.pk}"] == (D("700.00"), 1)
    assert got["county"] == (D("1450.00"), 6)  # suppliers located in a division; "Nowhere Ltd" is not
    assert _figures(month)["provision-spend"][0] == D("6450.00")
    # The computation is grouped queries: more spend lines and suppliers cost no more queries.
    many = [make_supplier(f"More Supplier {i} Ltd") for i in range(25)]
    Supplier.objects.filter(pk__in=[s.pk for s in many]).update(division=division_b)
    paid = month + dt.timedelta(days=6)
    imports.spend_import(data=ap_file([ap_row(100 + i, s, amount="10.00", paid=paid) for i, s in enumerate(many)]),
                         file_name="ap-many.csv", kind=SpendKind.PAYABLE, by=hub)
    with CaptureQueriesContext(connection) as more:
        _compute(month)
    def spend_queries(ctx) -> int:
        return sum("provision_spendline" in q["sql"] for q in ctx.captured_queries)

    assert spend_queries(few) == spend_queries(more) == 3  # spend, distinct suppliers, invoices: once a run
    assert _division_values(month)[f"d:{division_b.pk}"] == (D(700 + 10 * len(many)).quantize(D("0.01")),
                                                               1 + len(many))


@pytest.mark.django_db
def test_the_division_pages_show_the_figure_and_hide_small_numbers_in_constant_queries(
        client, client_for, division_spend, division_a, division_b, councillor_of_division, hub):
    month = division_spend
    _compute(month)
    name = b"Spend with suppliers located in the division"
    page = client.get(f"/divisions/{division_a.slug}/")
    assert page.status_code == 200 and name in page.content and "£750".encode() in page.content
    other = client.get(f"/divisions/{division_b.slug}/").content.decode()
    row = other[other.index("Spend with suppliers located in the division"):][:3000]
    assert "Fewer than 5" in row and "£700" not in row  # one supplier: suppressed
    member = client_for(councillor_of_division).get("/members/division/")
    assert member.status_code == 200 and name in member.content and "£750".encode() in member.content

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/divisions/{division_a.slug}/").status_code == 200
        return len(queries)

    before = count()
    more = [Supplier.objects.get(name="A Supplier 0 Ltd")]
    paid = month + dt.timedelta(days=7)
    imports.spend_import(data=ap_file([ap_row(200 + i, more[0], amount="5.00", paid=paid) for i in range(30)]),
                         file_name="ap-more.csv", kind=SpendKind.PAYABLE, by=hub)
    performance.compute_measures(months=[(month - dt.timedelta(days=1)).replace(day=1), month], codes=CODES)
    assert count() == before


def test_the_demo_spend_gives_every_provision_figure_a_value(county_cover, hub, manager, director,
                                                             authoriser, client):
    """A fresh demo (the provision step, then the figures step's computation): every provision figure of the
    last complete month is above zero, and the division of the east Oxford suppliers shows its figure."""
    from provision.demo import seed_demo_provision

    approvers = {"service_director": director, "board": authoriser, "authoriser": authoriser}
    assert seed_demo_provision(officer=hub, approvers=approvers, contract_manager=manager) > 0
    month = _last_month()
    result = _compute(month)
    assert not result.errors and not result.unavailable, (result.errors, result.unavailable)
    got = _figures(month)
    assert set(got) == set(CODES)
    assert all(value and value > 0 for value, _ in got.values()), got
    value, base = _division_values(month)[f"d:{county_cover.pk}"]
    assert value > 0 and base >= 5
    page = client.get(f"/divisions/{county_cover.slug}/").content.decode()
    row = page[page.index("Spend with suppliers located in the division"):][:3000]
    assert "£" in row and "Fewer than 5" not in row
