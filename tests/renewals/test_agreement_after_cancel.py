"""A renewal fee under the saved-card agreement that settles after the holder stopped: never a new term.

Rose texts YES; the fee under her agreement does not settle at once (the provider times out, or takes the
payment as "submitted" and settles it later). Before it settles she cancels the permit (or an officer revokes
it, or she stops the saved card). When the payment then settles, whichever path learns of it first (the
payments sweeper, a GOV.UK Pay webhook), no term may be issued: the whole fee goes back to her card through the
provider, automatically and audited, and she is told so. A payment that never reached the provider is not
taken at all once the agreement is cancelled. Real services against the sandbox provider.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid

import pytest
from django.utils import timezone

from applications.ending import entitlement_cancel, entitlement_revoke
from applications.models import Application, Entitlement
from applications.renewals import tasks
from applications.renewals.models import RenewalInvitation
from oxtom.core.models import AuditEvent
from oxtom.payments.models import Payment, Refund, SandboxAgreement, SandboxCharge, Status
from oxtom.payments.providers import ProviderError, sandbox
from oxtom.payments.services import agreement_cancel, payments_sweep
from oxtom.payments.webhooks import sign

from .test_agreements import _with_agreement, rose_permit, tasks_run_inline  # noqa: F401 - fixtures
from .test_services import messages, sms_from

pytestmark = pytest.mark.django_db
SECRET = "renewal-webhook-secret"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.GOVUK_PAY_WEBHOOK_SECRET = SECRET


def _yes(permit, today, capture):
    from applications.renewals import services

    services.renewals_run(today=today)
    with capture(execute=True):
        sms_from(permit.customer.phone, "YES")


def _provider_down(monkeypatch):
    def down(self, **kwargs):
        raise ProviderError("timed out")

    monkeypatch.setattr(sandbox.SandboxProvider, "take_with_agreement", down)


def _provider_settles_later(monkeypatch):
    """The provider accepts the agreement payment as submitted; it settles later (a webhook tells us)."""
    def submitted(self, *, amount, reference, description, agreement_id, idempotency_key):
        charge, _ = SandboxCharge.objects.get_or_create(idempotency_key=idempotency_key, defaults=dict(
            payment_id=secrets.token_hex(13), amount=amount, reference=reference, description=description,
            return_url="", moto=False, created_date=timezone.now(), agreement_id=agreement_id,
            status=Status.SUBMITTED, card_brand="Visa", last_digits_card_number="1111"))
        return sandbox._as_payment(charge)

    monkeypatch.setattr(sandbox.SandboxProvider, "take_with_agreement", submitted)


def _settle_at_provider(payment):
    SandboxCharge.objects.filter(payment_id=payment.provider_payment_id).update(status=Status.SUCCESS)


def _webhook(client, payment, message_id=None):
    body = json.dumps({"webhook_message_id": message_id or str(uuid.uuid4()), "resource_type": "payment",
                       "resource_id": payment.provider_payment_id, "event_type": "card_payment_succeeded",
                       "resource": {"payment_id": payment.provider_payment_id}}).encode()
    return client.post("/pay/webhooks/govuk-pay/", body, content_type="application/json",
                       HTTP_PAY_SIGNATURE=sign(body, SECRET))


def _renewal(permit) -> Application:
    return Application.objects.select_related("payment").get(previous_entitlement=permit,
                                                             kind=Application.Kind.RENEWAL)


def _no_new_term(permit):
    permit.refresh_from_db()
    assert permit.superseded_by_id is None
    assert not Entitlement.objects.filter(customer=permit.customer).exclude(pk=permit.pk).exists(), \
        "no term issued after the holder stopped"
    assert not messages("entitlement-issued").exists()


def _refunded_in_full(payment, *, once=True):
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS, "the provider did take it"
    refunds = Refund.objects.filter(payment=payment)
    assert [(r.status, r.amount_pence) for r in refunds] == [(Refund.RefundStatus.SUCCESS, payment.amount_pence)]
    assert payment.refunded_pence == payment.amount_pence
    assert SandboxCharge.objects.get(payment_id=payment.provider_payment_id).refunded == payment.amount_pence
    assert AuditEvent.objects.filter(target_id=str(payment.pk), summary__startswith="Refunded £55.00").count() == 1
    told = messages("renewal-refunded")
    assert told.count() == 1 and "£55.00" in told.get().body
    return told.get()


# --- the sweeper settles it ---------------------------------------------------------------------------------

def test_a_fee_the_sweeper_settles_after_the_holder_cancelled_is_refunded_and_issues_nothing(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    _with_agreement(rose_permit)
    with monkeypatch.context() as m:
        _provider_down(m)
        _yes(rose_permit, today, django_capture_on_commit_callbacks)
    payment = _renewal(rose_permit).payment
    assert payment.status == Status.CREATED and not payment.provider_payment_id

    with django_capture_on_commit_callbacks(execute=True):
        entitlement_cancel(entitlement=rose_permit, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        payments_sweep(older_than=dt.timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        payments_sweep(older_than=dt.timedelta(0))  # a second sweep changes nothing

    _no_new_term(rose_permit)
    told = _refunded_in_full(payment)
    assert "cancelled" in told.body and told.channel == "sms"
    assert _renewal(rose_permit).status == Application.Status.WITHDRAWN
    assert not messages("renewal-pay").exists(), "no payment link for a permit the holder cancelled"
    assert RenewalInvitation.objects.get(entitlement=rose_permit).state == RenewalInvitation.State.LAPSED


def test_cancelling_before_the_fee_is_taken_takes_nothing(
        rose_permit, today, enqueued, django_capture_on_commit_callbacks, monkeypatch):
    """The YES is recorded but the task that takes the fee has not run yet: cancelling stops it for good."""
    _with_agreement(rose_permit)
    monkeypatch.setattr(tasks.pay_renewals_by_agreement, "delay", lambda ids: None)  # the worker is behind
    _yes(rose_permit, today, django_capture_on_commit_callbacks)
    application = _renewal(rose_permit)
    with django_capture_on_commit_callbacks(execute=True):
        entitlement_cancel(entitlement=rose_permit, by=None)
    assert tasks.pay_renewals_by_agreement([application.pk])["paid"] == 0  # the task finally runs
    from applications.renewals.services import renewals_pay_pending_by_agreement

    assert renewals_pay_pending_by_agreement(older_than=dt.timedelta(0)) == 0
    assert not Payment.objects.filter(for_id=str(application.pk), for_type="applications.application").exists()
    assert not SandboxCharge.objects.filter(agreement_id__gt="").exists(), "nothing charged"
    _no_new_term(rose_permit)
    assert not messages("renewal-pay").exists()


# --- a webhook settles it -----------------------------------------------------------------------------------

def test_a_fee_a_webhook_settles_after_an_officer_revoked_the_permit_is_refunded(
        client, rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    from tests.applications.conftest import officer_of

    _with_agreement(rose_permit)
    _provider_settles_later(monkeypatch)
    _yes(rose_permit, today, django_capture_on_commit_callbacks)
    payment = _renewal(rose_permit).payment
    assert payment.status == Status.SUBMITTED
    officer = officer_of("parking-services", "revoking.officer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        entitlement_revoke(entitlement=rose_permit, reason="Vehicle no longer registered here", by=officer)

    _settle_at_provider(payment)
    with django_capture_on_commit_callbacks(execute=True):
        response = _webhook(client, payment, message_id="settles-1")
    assert response.status_code == 200 and response.json() == {"outcome": "moved"}
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(client, payment, message_id="settles-1").json()["outcome"] == "duplicate"
        assert _webhook(client, payment).json()["outcome"] == "unchanged"
        payments_sweep(older_than=dt.timedelta(0))

    _no_new_term(rose_permit)
    told = _refunded_in_full(payment)
    assert "ended" in told.body
    assert Entitlement.objects.get(pk=rose_permit.pk).status == Entitlement.Status.REVOKED


def test_a_fee_that_settles_after_the_saved_card_was_stopped_is_refunded_and_a_link_sent(
        client, rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    """Stopping the saved card withdraws consent to be charged with it: the fee goes back, the permit stays
    in force, and Rose can still renew by paying through the usual link."""
    agreement = _with_agreement(rose_permit)
    _provider_settles_later(monkeypatch)
    _yes(rose_permit, today, django_capture_on_commit_callbacks)
    payment = _renewal(rose_permit).payment
    assert agreement_cancel(agreement=agreement, by=None, reason="The payer cancelled it in their account")

    _settle_at_provider(payment)
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(client, payment).json()["outcome"] == "moved"

    _no_new_term(rose_permit)
    told = _refunded_in_full(payment)
    assert "saved card" in told.body
    rose_permit.refresh_from_db()
    assert rose_permit.status == Entitlement.Status.ACTIVE
    application = _renewal(rose_permit)
    assert application.status == Application.Status.AWAITING_PAYMENT and application.payment_id is None
    assert messages("renewal-pay").count() == 1, "she can still renew by paying the link"


def test_a_fee_never_sent_is_not_taken_once_the_saved_card_was_stopped_even_if_the_provider_missed_it(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    agreement = _with_agreement(rose_permit)
    with monkeypatch.context() as m:
        _provider_down(m)
        _yes(rose_permit, today, django_capture_on_commit_callbacks)
    payment = _renewal(rose_permit).payment
    with monkeypatch.context() as m:
        m.setattr(sandbox.SandboxProvider, "cancel_agreement",
                  lambda self, agreement_id: (_ for _ in ()).throw(ProviderError("down")))
        assert agreement_cancel(agreement=agreement, by=None, reason="The payer cancelled it in their account")
    assert SandboxAgreement.objects.get(agreement_id=agreement.provider_agreement_id).status == "active"

    with django_capture_on_commit_callbacks(execute=True):
        payments_sweep(older_than=dt.timedelta(0))

    payment.refresh_from_db()
    assert payment.status == Status.CANCELLED and not payment.provider_payment_id
    assert not SandboxCharge.objects.filter(agreement_id__gt="").exists(), "never charged"
    _no_new_term(rose_permit)
    assert messages("renewal-pay").count() == 1


# --- the refund itself fails once -----------------------------------------------------------------------

def test_a_refund_the_provider_cannot_make_now_is_made_once_by_the_beat_job(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    _with_agreement(rose_permit)
    with monkeypatch.context() as m:
        _provider_down(m)
        _yes(rose_permit, today, django_capture_on_commit_callbacks)
    payment = _renewal(rose_permit).payment
    with django_capture_on_commit_callbacks(execute=True):
        entitlement_cancel(entitlement=rose_permit, by=None)
    with monkeypatch.context() as m:
        m.setattr(sandbox.SandboxProvider, "refund",
                  lambda self, *a, **k: (_ for _ in ()).throw(ProviderError("refunds down")))
        with django_capture_on_commit_callbacks(execute=True):
            payments_sweep(older_than=dt.timedelta(0))
    payment.refresh_from_db()
    assert payment.refunded_pence == 0 and not messages("renewal-refunded").exists()
    assert Refund.objects.filter(payment=payment, status=Refund.RefundStatus.SUBMITTED).count() == 1, \
        "the refund owed is a row before the provider is asked"

    from applications.tasks import reconcile_paid

    assert reconcile_paid()["refunded"] == 1
    assert reconcile_paid()["refunded"] == 0
    _no_new_term(rose_permit)
    _refunded_in_full(payment)


def test_an_ordinary_renewal_still_issues(rose_permit, today, enqueued, tasks_run_inline,
                                          django_capture_on_commit_callbacks):
    _with_agreement(rose_permit)
    _yes(rose_permit, today, django_capture_on_commit_callbacks)
    rose_permit.refresh_from_db()
    assert rose_permit.superseded_by_id is not None and not Refund.objects.exists()
    assert not messages("renewal-refunded").exists()
