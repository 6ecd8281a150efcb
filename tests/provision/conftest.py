"""Provision fixtures: the hub's officer, suppliers and contracts made through the services."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from provision import services
from provision.models import ApprovalRole, Approver, Category, DelegationBand, ProcurementRoute
from tests import factories as f


@pytest.fixture
def hub(db):
    return f.UserFactory(email="hub@example.org", roles=["provision_officer"])


@pytest.fixture
def director(db):
    return f.UserFactory(email="director@example.org", roles=["team_leader"])


@pytest.fixture
def authoriser(db):
    return f.UserFactory(email="authoriser@example.org", roles=["administrator"])


@pytest.fixture
def manager(db):
    return f.UserFactory(email="manager@example.org", roles=["officer"])


@pytest.fixture
def category(db):
    # Seeded by migration 0002 (9 + 3 months of runway); made here too if a transactional test before
    # this one in the worker left the table empty.
    category, _ = Category.objects.get_or_create(slug="property-facilities", defaults={
        "pillar": "ei", "name": "Property and facilities", "lead_time_months": 9, "mobilisation_months": 3})
    return category


@pytest.fixture
def make_supplier(hub):
    counter = {"n": 0}

    def _make(name: str = "", **details):
        counter["n"] += 1
        n = counter["n"]
        details.setdefault("finance_id", f"F{n:04d}")
        return services.supplier_create(name=name or f"Supplier {n} Ltd", email=f"s{n}@example.org",
                                        postcode=details.pop("postcode", "OX1 1AA"), by=hub, **details)

    return _make


@pytest.fixture
def make_contract(hub, category, make_supplier):
    def _make(reference: str = "C-1", *, suppliers=None, start=None, end=None, value=100_000_00, **extra):
        today = timezone.localdate()
        data = {"reference": reference, "title": f"Contract {reference}", "category": extra.pop("category", category),
                "directorate": extra.pop("directorate", "Resources"), "route": extra.pop("route", ProcurementRoute.OPEN),
                "awarded_value_pence": value, "start_date": start or today - dt.timedelta(days=400),
                "end_date": end or today + dt.timedelta(days=600), **extra}
        orders = data.pop("orders", [])
        return services.contract_create(data=data, suppliers=suppliers or [make_supplier()], kpis=[("On time", "95%")],
                                        purchase_orders=orders, by=hub)

    return _make


@pytest.fixture
def matrix(db, director, authoriser):
    """Service director alone below £100,000; then the delegated authoriser too."""
    DelegationBand.objects.create(category=None, from_value_pence=0, steps=[ApprovalRole.SERVICE_DIRECTOR])
    DelegationBand.objects.create(category=None, from_value_pence=100_000_00,
                                  steps=[ApprovalRole.SERVICE_DIRECTOR, ApprovalRole.AUTHORISER])
    Approver.objects.create(role=ApprovalRole.SERVICE_DIRECTOR, user=director)
    Approver.objects.create(role=ApprovalRole.AUTHORISER, user=authoriser)
