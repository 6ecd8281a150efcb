"""Rose's story: a paid permit renewed by one text, the fee taken under her saved-card agreement.

Real services throughout, against the sandbox provider: the first payment sets the agreement up with a
card, a YES to the reminder takes the fee under it (after the reply commits), and a declined card, a
provider outage, a second YES and the permit ending each do what the resident would expect.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications.models import Application, Entitlement
from applications.renewals import services, tasks
from applications.renewals.models import RenewalInvitation
from applications.services import payment_agreements_release
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import AgreementStatus, Payment, PaymentAgreement, SandboxAgreement, SandboxCharge, Status
from oxtom.payments.providers import ProviderError, sandbox
from oxtom.payments.services import (
    PaymentError, agreement_cancel, agreement_create, payment_create, payment_refresh_status, payment_take_by_agreement,
    payments_sweep,
)
from tests import factories as f

from .test_services import messages, sms_from

pytestmark = pytest.mark.django_db
State = RenewalInvitation.State
DECLINES_LATER = sandbox.DECLINES_LATER


def _agreement(customer, *, card="4444333322221111", key="first") -> PaymentAgreement:
    """An agreement set up by a real first payment with `card` on the sandbox's card page."""
    agreement = agreement_create(customer=customer, description="Renewals of your residents' parking permit",
                                 by=None, idempotency_key=f"agreement:{customer.pk}:{key}")
    started = payment_create(customer=customer, amount_pence=5500, description="Residents' parking permit",
                             for_object=f.TeamFactory(slug=f"paid-for-{customer.pk}-{key}"), return_url="/account/",
                             by=None, idempotency_key=f"first:{customer.pk}:{key}", set_up_agreement=agreement)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), card)
    payment_refresh_status(payment=started.payment, by=None)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def rose_permit(entitlement_factory, today):
    permit = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=20), phone="+447700900400",
                                 preferred_channel="sms", fee_pence=5500,
                                 answers={"vehicle_registration": "RO53 ABC", "zone": "B"})
    return permit


@pytest.fixture
def tasks_run_inline(monkeypatch):
    """The task published after the YES commits runs here, in the test, as the worker would run it."""
    monkeypatch.setattr(tasks.pay_renewals_by_agreement, "delay", lambda ids: tasks.pay_renewals_by_agreement(ids))


def _reply_yes(permit, today, capture, n=1):
    services.renewals_run(today=today)
    with capture(execute=True):
        sms_from(permit.customer.phone, "YES", n=n)


def _with_agreement(permit, **kwargs) -> PaymentAgreement:
    agreement = _agreement(permit.customer, **kwargs)
    Entitlement.objects.filter(pk=permit.pk).update(payment_agreement=agreement)
    return agreement


# --- the agreement itself --------------------------------------------------------------------------------

def test_a_first_payment_sets_the_agreement_up_with_its_card(customer_factory=None):
    customer = f.CustomerFactory()
    agreement = _agreement(customer)
    assert agreement.status == AgreementStatus.ACTIVE
    assert (agreement.card_brand, agreement.card_last_four) == ("Visa", "1111")
    assert SandboxAgreement.objects.get(agreement_id=agreement.provider_agreement_id).status == AgreementStatus.ACTIVE
    assert customer.interactions.filter(kind="payment.agreement_active").count() == 1


def test_a_declined_first_payment_leaves_no_agreement_to_take_money_under():
    customer = f.CustomerFactory()
    agreement = _agreement(customer, card="4000000000000002")
    assert agreement.status == AgreementStatus.INACTIVE
    with pytest.raises(PaymentError, match="not active"):
        payment_take_by_agreement(agreement=agreement, amount_pence=5500, description="x",
                                  for_object=f.TeamFactory(slug="declined-first"), by=None, idempotency_key="k")
    assert not Payment.objects.filter(idempotency_key="k").exists()


def test_the_same_key_makes_one_agreement_and_another_payer_cannot_use_it():
    customer = f.CustomerFactory()
    one = agreement_create(customer=customer, description="Renewals", by=None, idempotency_key="same")
    two = agreement_create(customer=customer, description="Renewals", by=None, idempotency_key="same")
    assert one.pk == two.pk and PaymentAgreement.objects.count() == 1
    with pytest.raises(PaymentError):
        payment_create(customer=f.CustomerFactory(), amount_pence=100, description="x", return_url="/account/",
                       for_object=f.TeamFactory(slug="someone-else"), by=None, idempotency_key="other",
                       set_up_agreement=one)


# --- Rose's renewal by one text --------------------------------------------------------------------------

def test_yes_renews_a_paid_permit_with_the_saved_card_and_confirms_by_text(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks):
    agreement = _with_agreement(rose_permit)

    _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)

    invitation = RenewalInvitation.objects.select_related("application__payment").get(entitlement=rose_permit)
    payment = invitation.application.payment
    assert (payment.status, payment.amount_pence, payment.agreement_id) == (Status.SUCCESS, 5500, agreement.pk)
    rose_permit.refresh_from_db()
    new = rose_permit.superseded_by
    assert rose_permit.status == Entitlement.Status.SUPERSEDED and new.status == Entitlement.Status.ACTIVE
    assert new.payment_agreement_id == agreement.pk, "next year's renewal is paid the same way"
    confirmation = messages("entitlement-issued").get()
    assert confirmation.channel == "sms" and new.number in confirmation.body
    assert not messages("renewal-pay").exists(), "no payment link when the card paid"
    assert services.renewals_reconcile() == 1
    assert RenewalInvitation.objects.get(pk=invitation.pk).state == State.RENEWED


def test_a_second_yes_takes_no_second_payment(rose_permit, today, enqueued, tasks_run_inline,
                                               django_capture_on_commit_callbacks):
    _with_agreement(rose_permit)
    _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sms_from(rose_permit.customer.phone, "YES", n=2)
    application = Application.objects.get(previous_entitlement=rose_permit)
    assert Payment.objects.filter(for_type="applications.application", for_id=str(application.pk)).count() == 1
    assert Entitlement.objects.filter(customer=rose_permit.customer, status=Entitlement.Status.ACTIVE).count() == 1
    # The task running again (a redelivery) changes nothing either.
    assert tasks.pay_renewals_by_agreement([application.pk])["paid"] == 0
    assert Payment.objects.filter(for_id=str(application.pk), for_type="applications.application").count() == 1


def test_a_declined_saved_card_sends_a_payment_link_and_issues_nothing(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks):
    _with_agreement(rose_permit, card=DECLINES_LATER)

    _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)

    application = Application.objects.select_related("payment").get(previous_entitlement=rose_permit)
    assert application.payment.status == Status.FAILED and application.status == Application.Status.AWAITING_PAYMENT
    link = messages("renewal-pay").get()
    assert "/renew/" in link.body and "£55.00" in link.body
    rose_permit.refresh_from_db()
    assert rose_permit.status == Entitlement.Status.ACTIVE and rose_permit.superseded_by_id is None
    assert not messages("entitlement-issued").exists()
    assert RenewalInvitation.objects.get(entitlement=rose_permit).state == State.AWAITING_PAYMENT


def test_a_provider_outage_is_finished_by_the_sweeper_once(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks, monkeypatch):
    _with_agreement(rose_permit)

    def down(self, **kwargs):
        raise ProviderError("timed out")

    with monkeypatch.context() as m:
        m.setattr(sandbox.SandboxProvider, "take_with_agreement", down)
        _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)
    application = Application.objects.select_related("payment").get(previous_entitlement=rose_permit)
    assert application.payment.status == Status.CREATED and not application.payment.provider_payment_id
    assert not messages("renewal-pay").exists() and not messages("entitlement-issued").exists()

    payments_sweep(older_than=dt.timedelta(0))
    payments_sweep(older_than=dt.timedelta(0))

    application.payment.refresh_from_db()
    assert application.payment.status == Status.SUCCESS
    assert SandboxCharge.objects.filter(agreement_id__gt="").count() == 1, "charged once"
    assert messages("entitlement-issued").count() == 1


def test_a_missed_task_is_caught_up_by_the_beat_job(rose_permit, today, enqueued, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    _with_agreement(rose_permit)

    def broker_down(ids):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.pay_renewals_by_agreement, "delay", broker_down)
    _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)  # the reply stands; no error for Rose
    assert services.renewals_pay_pending_by_agreement(older_than=dt.timedelta(0)) == 1
    assert messages("entitlement-issued").count() == 1


def test_a_cancelled_agreement_falls_back_to_the_payment_link(
        rose_permit, today, enqueued, tasks_run_inline, django_capture_on_commit_callbacks):
    agreement = _with_agreement(rose_permit)
    assert agreement_cancel(agreement=agreement, by=None, reason="Rose stopped it")
    _reply_yes(rose_permit, today, django_capture_on_commit_callbacks)
    assert messages("renewal-pay").count() == 1
    assert not Payment.objects.filter(agreement=agreement, sets_up_agreement=False).exists()


def test_the_agreement_is_cancelled_when_the_permit_ends(rose_permit, today):
    agreement = _with_agreement(rose_permit)
    assert payment_agreements_release() == 0, "kept while the permit is in force"
    Entitlement.objects.filter(pk=rose_permit.pk).update(status=Entitlement.Status.REVOKED)
    assert payment_agreements_release() == 1
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CANCELLED and agreement.cancelled_reason
    assert SandboxAgreement.objects.get(agreement_id=agreement.provider_agreement_id).status == "cancelled"
    assert payment_agreements_release() == 0


# --- the resident's pages --------------------------------------------------------------------------------

def _resident_with_agreement():
    user = f.UserFactory(email="rose.agreement@example.org")
    customer = f.CustomerFactory(user=user)
    return user, customer, _agreement(customer)


def test_the_resident_sees_and_stops_their_agreement(client):
    user, customer, agreement = _resident_with_agreement()
    client.force_login(user)
    page = client.get(reverse("payments:agreements"))
    assert page.status_code == 200 and "Visa ending 1111" in page.content.decode()
    confirm = client.get(reverse("payments:agreement_cancel", kwargs={"reference": agreement.reference}))
    assert confirm.status_code == 200
    done = client.post(reverse("payments:agreement_cancel", kwargs={"reference": agreement.reference}), follow=True)
    assert "We will not take any more payments" in done.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CANCELLED
    again = client.post(reverse("payments:agreement_cancel", kwargs={"reference": agreement.reference}), follow=True)
    assert "already cancelled" in again.content.decode()


@pytest.mark.parametrize("reference", ["AGR-NOPE", "x" * 300, "<script>"])
def test_someone_elses_or_no_agreement_is_not_found(client, reference):
    _, _, agreement = _resident_with_agreement()
    other = f.UserFactory(email="someone.else@example.org")
    f.CustomerFactory(user=other)
    client.force_login(other)
    for ref in (agreement.reference, reference):
        url = reverse("payments:agreement_cancel", kwargs={"reference": ref})
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("payments:agreements"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
