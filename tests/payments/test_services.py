"""payment_create / payment_refresh_status / payment_refund / payments_sweep against the sandbox provider."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from oxtom.customers.services import customer_merge
from oxtom.payments import services
from oxtom.payments.models import Payment, Refund, SandboxCharge, Status
from oxtom.payments.providers import ProviderError, sandbox
from oxtom.payments.services import PaymentError, payment_refresh_status, payment_refund, payments_sweep
from tests import factories as f

pytestmark = pytest.mark.django_db


def _audits(payment):
    return AuditEvent.objects.filter(target_type="payments.payment", target_id=str(payment.pk))


def _pay(payment, card="4444333322221111"):
    charge = SandboxCharge.objects.get(payment_id=payment.provider_payment_id)
    sandbox.pay(charge, card)
    return payment_refresh_status(payment=payment, by=None)


def test_create_records_payment_and_points_at_the_hosted_page(make_payment, customer, thing):
    payment, next_url = make_payment()
    assert payment.status == Status.CREATED
    assert payment.provider == "sandbox"
    assert next_url == f"/pay/sandbox/{payment.provider_payment_id}/"
    assert payment.reference.startswith("PAY") and customer.last_name not in payment.reference
    assert (payment.for_type, payment.for_id) == ("accounts.team", str(thing.pk))
    assert payment.amount_pence == 6500 and payment.moto is False
    assert _audits(payment).filter(action="create").count() == 1
    assert customer.interactions.filter(kind="payment.created", subject_reference=payment.reference).count() == 1


def test_same_idempotency_key_gives_the_same_payment(make_payment):
    first, url1 = make_payment(idempotency_key="permit:1:fee")
    second, url2 = make_payment(idempotency_key="permit:1:fee")
    assert first.pk == second.pk and url1 == url2
    assert Payment.objects.count() == 1 and SandboxCharge.objects.count() == 1


def test_same_key_for_a_different_amount_is_refused(make_payment):
    make_payment(idempotency_key="permit:1:fee")
    with pytest.raises(PaymentError, match="different payment"):
        make_payment(idempotency_key="permit:1:fee", amount_pence=100)
    assert Payment.objects.count() == 1


def test_moto_flag_is_recorded_and_sent_to_the_provider(make_payment, adviser):
    payment, _ = make_payment(moto=True, by=adviser)
    assert payment.moto is True
    assert SandboxCharge.objects.get(payment_id=payment.provider_payment_id).moto is True
    entry = Interaction.objects.get(kind="payment.created", subject_reference=payment.reference)
    assert entry.channel == "phone" and entry.on_behalf_of and entry.actor == adviser


@pytest.mark.parametrize("overrides,message", [
    ({"amount_pence": 0}, "between 1p"),
    ({"amount_pence": -500}, "between 1p"),
    ({"amount_pence": 10_000_001}, "between 1p"),
    ({"amount_pence": 65.0}, "whole number"),
    ({"amount_pence": "6500"}, "whole number"),
    ({"amount_pence": True}, "whole number"),
    ({"description": ""}, "Description"),
    ({"description": "x" * 256}, "Description"),
    ({"return_url": "https://evil.example/"}, "path on this site"),
    ({"return_url": "//evil.example/"}, "path on this site"),
    ({"return_url": "javascript:alert(1)"}, "path on this site"),
    ({"return_url": "/\\evil.example"}, "path on this site"),
    ({"idempotency_key": ""}, "idempotency key"),
    ({"idempotency_key": "k" * 101}, "idempotency key"),
])
def test_bad_requests_are_refused_and_nothing_is_saved(make_payment, overrides, message):
    with pytest.raises(PaymentError, match=message):
        make_payment(**overrides)
    assert Payment.objects.count() == 0 and SandboxCharge.objects.count() == 0


def test_unsaved_object_is_refused(make_payment):
    with pytest.raises(PaymentError, match="Save what"):
        make_payment(for_object=f.TeamFactory.build())


def test_a_merged_away_customer_pays_as_the_survivor(make_payment, customer):
    survivor = f.CustomerFactory()
    customer_merge(source=customer, survivor=survivor, by=None)
    customer.refresh_from_db()
    payment, _ = make_payment(customer=customer)
    assert payment.customer == survivor


def test_merge_moves_payments_to_the_survivor(make_payment, customer):
    payment, _ = make_payment()
    survivor = f.CustomerFactory()
    customer_merge(source=customer, survivor=survivor, by=None)
    payment.refresh_from_db()
    assert payment.customer == survivor


def test_successful_card_is_recorded_once_however_often_we_check(make_payment, customer):
    payment, _ = make_payment()
    _pay(payment)
    assert payment.status == Status.SUCCESS and payment.finished_at is not None
    assert payment.card_last_four == "1111" and payment.card_brand == "Visa"
    for _ in range(3):
        payment_refresh_status(payment=payment, by=None)
    assert _audits(payment).filter(summary__contains="-> success").count() == 1
    assert customer.interactions.filter(kind="payment.success").count() == 1


@pytest.mark.parametrize("card,status,code", [
    ("4000000000000002", Status.FAILED, "P0010"),
    ("4000000000000069", Status.FAILED, "P0010"),
    ("4000000000000119", Status.ERROR, "P0050"),
])
def test_declined_cards_fail_with_govuk_pay_codes(make_payment, customer, card, status, code):
    payment, _ = make_payment()
    _pay(payment, card)
    assert payment.status == status and payment.failure_code == code
    assert customer.interactions.filter(kind=f"payment.{status}").count() == 1


def test_refresh_before_the_payer_does_anything_changes_nothing(make_payment):
    payment, _ = make_payment()
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.CREATED
    assert _audits(payment).filter(action="update").count() == 0


def test_started_is_recorded_when_the_payer_opens_the_page(make_payment):
    payment, _ = make_payment()
    sandbox.mark_started(SandboxCharge.objects.get(payment_id=payment.provider_payment_id))
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.STARTED


def test_a_finished_payment_never_moves_again(make_payment):
    payment, _ = make_payment()
    _pay(payment)
    # Even if the provider later said something else, a finished payment is final.
    assert services._apply(payment, status=Status.FAILED, code="X", message="", by=None) is False
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS


def test_provider_amount_mismatch_is_an_error_not_a_success(make_payment):
    payment, _ = make_payment()
    charge = SandboxCharge.objects.get(payment_id=payment.provider_payment_id)
    sandbox.pay(charge, "4444333322221111")
    SandboxCharge.objects.filter(pk=charge.pk).update(amount=1)
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.ERROR


def test_provider_outage_on_create_leaves_a_retryable_payment(make_payment, monkeypatch):
    def down(self, **kwargs):
        raise ProviderError("connection refused")

    monkeypatch.setattr(sandbox.SandboxProvider, "create", down)
    with pytest.raises(PaymentError, match="not available"):
        make_payment(idempotency_key="retry-me")
    payment = Payment.objects.get()
    assert payment.status == Status.CREATED and payment.provider_payment_id == ""
    monkeypatch.undo()
    again, next_url = make_payment(idempotency_key="retry-me")
    assert again.pk == payment.pk and again.provider_payment_id and next_url


def test_provider_outage_on_refresh_changes_nothing(make_payment, monkeypatch):
    payment, _ = make_payment()

    def down(self, payment_id):
        raise ProviderError("timeout")

    monkeypatch.setattr(sandbox.SandboxProvider, "get", down)
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.CREATED


# --- refunds -------------------------------------------------------------------------------


def test_full_and_partial_refunds(make_payment, customer, officer_in_team):
    payment, _ = make_payment()
    _pay(payment)
    first = payment_refund(payment=payment, amount_pence=1500, reason="Permit cancelled early", by=officer_in_team)
    assert first.status == Refund.RefundStatus.SUCCESS
    payment.refresh_from_db()
    assert payment.refunded_pence == 1500 and payment.refund_available_pence == 5000
    payment_refund(payment=payment, amount_pence=5000, reason="Rest of it", by=officer_in_team)
    payment.refresh_from_db()
    assert payment.refunded_pence == 6500
    assert customer.interactions.filter(kind="payment.refunded").count() == 2
    with pytest.raises(PaymentError, match="at most £0.00"):
        payment_refund(payment=payment, amount_pence=1, reason="Again", by=officer_in_team)


def test_refund_more_than_paid_is_refused(make_payment):
    payment, _ = make_payment()
    _pay(payment)
    with pytest.raises(PaymentError, match="at most £65.00"):
        payment_refund(payment=payment, amount_pence=6501, reason="Too much", by=None)
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("card", ["4000000000000002", None])
def test_only_successful_payments_can_be_refunded(make_payment, card):
    payment, _ = make_payment()
    if card:
        _pay(payment, card)
    with pytest.raises(PaymentError, match="went through"):
        payment_refund(payment=payment, amount_pence=100, reason="Nope", by=None)


@pytest.mark.parametrize("amount,reason,message", [
    (0, "r", "at least 1p"), (-1, "r", "at least 1p"), (1.5, "r", "whole number"), (100, "  ", "Say why"),
])
def test_bad_refund_requests(make_payment, amount, reason, message):
    payment, _ = make_payment()
    _pay(payment)
    with pytest.raises(PaymentError, match=message):
        payment_refund(payment=payment, amount_pence=amount, reason=reason, by=None)


def test_refund_with_the_same_key_refunds_once(make_payment):
    payment, _ = make_payment()
    _pay(payment)
    one = payment_refund(payment=payment, amount_pence=500, reason="Double click", by=None, idempotency_key="r1")
    two = payment_refund(payment=payment, amount_pence=500, reason="Double click", by=None, idempotency_key="r1")
    assert one.pk == two.pk
    payment.refresh_from_db()
    assert payment.refunded_pence == 500
    assert SandboxCharge.objects.get(payment_id=payment.provider_payment_id).refunded == 500


# --- the sweeper -----------------------------------------------------------------------------


def test_sweeper_finishes_payments_whose_payer_never_came_back(make_payment):
    abandoned, _ = make_payment()
    paid_but_not_returned, _ = make_payment()
    recent, _ = make_payment()
    SandboxCharge.objects.filter(payment_id=paid_but_not_returned.provider_payment_id).update(
        status=Status.SUCCESS, last_digits_card_number="1111")
    old = timezone.now() - timedelta(minutes=91)
    Payment.objects.filter(pk__in=[abandoned.pk, paid_but_not_returned.pk]).update(created_at=old)
    SandboxCharge.objects.filter(payment_id=abandoned.provider_payment_id).update(created_date=old)

    counts = payments_sweep()
    assert counts == {"checked": 2, "finished": 2, "expired_unsent": 0}
    for p in (abandoned, paid_but_not_returned, recent):
        p.refresh_from_db()
    assert abandoned.status == Status.FAILED and abandoned.failure_code == "P0020"
    assert paid_but_not_returned.status == Status.SUCCESS
    assert recent.status == Status.CREATED
    assert payments_sweep() == {"checked": 0, "finished": 0, "expired_unsent": 0}  # nothing left: idempotent


def test_sweeper_fails_payments_that_never_reached_the_provider(make_payment, monkeypatch):
    monkeypatch.setattr(sandbox.SandboxProvider, "create", lambda self, **kw: (_ for _ in ()).throw(ProviderError("x")))
    with pytest.raises(PaymentError):
        make_payment()
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=91))
    assert payments_sweep()["expired_unsent"] == 1
    assert Payment.objects.get().status == Status.FAILED


def test_sweep_task_runs_the_sweeper(make_payment):
    from oxtom.payments.tasks import sweep_payments

    assert sweep_payments() == {"checked": 0, "finished": 0, "expired_unsent": 0}
