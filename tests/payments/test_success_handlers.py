"""register_payment_success_handler: run once when a payment reaches success, from whichever caller moved it."""
from __future__ import annotations

import datetime as dt

import pytest

from oxtom.core.models import AuditEvent
from oxtom.payments import services as payments
from oxtom.payments.models import SandboxCharge, Status
from oxtom.payments.providers import sandbox
from oxtom.payments.services import payment_refresh_status, payments_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(thing, monkeypatch):
    seen = []
    monkeypatch.setattr(payments, "_success_handlers", {})
    payments.register_payment_success_handler(thing._meta.label_lower, lambda p, by: seen.append((p.pk, p.status)))
    return seen


def _finish(payment, card):
    sandbox.pay(SandboxCharge.objects.get(payment_id=payment.provider_payment_id), card)


def test_handler_runs_once_on_success_however_often_the_status_is_checked(make_payment, calls):
    payment, _ = make_payment()
    _finish(payment, "4444333322221111")
    for _ in range(3):
        payment_refresh_status(payment=payment, by=None)
    assert calls == [(payment.pk, Status.SUCCESS)]


def test_the_sweeper_runs_it_for_payers_who_never_came_back(make_payment, calls):
    payment, _ = make_payment()
    _finish(payment, "4444333322221111")
    payments_sweep(older_than=dt.timedelta(0))
    payment_refresh_status(payment=payment, by=None)  # the payer's return page, afterwards
    assert calls == [(payment.pk, Status.SUCCESS)]


def test_failed_payments_do_not_run_it(make_payment, calls):
    payment, _ = make_payment()
    _finish(payment, "4000000000000002")
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.FAILED and calls == []


def test_other_types_do_not_run_it(make_payment, calls, customer):
    payment, _ = make_payment(for_object=customer)
    _finish(payment, "4444333322221111")
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.SUCCESS and calls == []


def test_registering_twice_keeps_one(thing, monkeypatch):
    monkeypatch.setattr(payments, "_success_handlers", {})

    def handler(payment, by):
        return None

    payments.register_payment_success_handler("X.Y", handler)
    payments.register_payment_success_handler("x.y", handler)
    assert payments._success_handlers == {"x.y": [handler]}


def test_a_failing_handler_leaves_the_payment_paid_and_is_audited(make_payment, thing, monkeypatch):
    monkeypatch.setattr(payments, "_success_handlers", {})

    def broken(payment, by):
        AuditEvent.objects.create(action="update", target_type="x", target_id="1", summary="half done")
        raise RuntimeError("boom")

    payments.register_payment_success_handler(thing._meta.label_lower, broken)
    payment, _ = make_payment()
    _finish(payment, "4444333322221111")
    payment_refresh_status(payment=payment, by=None)
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS
    # The handler's half-done work was rolled back to its savepoint; the failure is on the audit trail.
    assert not AuditEvent.objects.filter(summary="half done").exists()
    assert AuditEvent.objects.filter(target_id=str(payment.pk), summary__startswith="After-payment step failed").exists()
