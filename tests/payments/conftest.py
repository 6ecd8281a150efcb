"""Payments fixtures: a customer, something to pay for, and a payment made through the real service."""
from __future__ import annotations

import itertools

import pytest

from oxtom.payments.services import payment_create
from tests import factories as f

_keys = itertools.count(1)


@pytest.fixture
def customer(db):
    return f.CustomerFactory(first_name="Rose", last_name="Payer")


@pytest.fixture
def thing(db):
    """Something to pay for: any saved model will do (payments link by label and id)."""
    return f.TeamFactory(name="Parking permit application", slug=f"permit-{next(_keys)}")


@pytest.fixture
def make_payment(customer, thing):
    """make_payment(**overrides) -> PaymentStarted through payment_create."""

    def _make(**kwargs):
        params = dict(customer=customer, amount_pence=6500, description="Residents' parking permit",
                      for_object=thing, return_url="/apply/done/", by=None,
                      idempotency_key=f"test-key-{next(_keys)}")
        params.update(kwargs)
        return payment_create(**params)

    return _make
