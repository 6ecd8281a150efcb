"""Refunds of a permit renewed by one text: the money due back comes from the payment that paid for the term
in force (the agreement payment the YES took for the renewed term), pro rata over that term, at most that
payment less earlier refunds of it; never from the first term's payment. A term no payment paid for (free,
waiting for payment, renewed free under its first application) has nothing due and opens no refund case.
Real services against the sandbox provider; the officer's page refunds the right payment. Runs on SQLite and,
with DATABASE_URL, on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services as s
from applications.bulk import entitlement_renew_many
from applications.ending import entitlement_cancel, entitlement_revoke
from applications.models import Application, Entitlement
from applications.refunds import refund_due, refund_due_for, refund_if_ended_today, term_payment
from applications.renewals import tasks
from applications.renewals.models import RenewalInvitation
from applications.renewals.services import renewal_accept, renewals_run
from oxtom.cases.models import Case
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Refund, SandboxCharge, Status
from oxtom.payments.providers import sandbox
from oxtom.payments.services import payment_refresh_status, payment_refund

from .conftest import officer_of
from .test_refused_change import _permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


def _paid_with_agreement(svc, rose) -> Entitlement:
    """Rose's first permit, paid on the card page with "use this card to pay for renewals" ticked."""
    application = _permit(svc("parking-permit"), rose, "first")
    started = s.application_payment_start(application=application, return_url="/apply/done/", by=None,
                                          set_up_agreement=True)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), "4444333322221111")
    payment_refresh_status(payment=started.payment, by=None)
    return Entitlement.objects.select_related("application__payment").get(application=application)


@pytest.fixture
def renewed(svc, rose, monkeypatch, django_capture_on_commit_callbacks):
    """(first term, renewed term): a year on, Rose replies YES and the fee is taken under the agreement."""
    first = _paid_with_agreement(svc, rose)
    assert first.payment_agreement_id is not None
    today = timezone.localdate()
    Entitlement.objects.filter(pk=first.pk).update(starts_on=today - dt.timedelta(days=345),
                                                   expires_on=today + dt.timedelta(days=20))
    # The worker's task, run here when the YES commits, as the worker would.
    monkeypatch.setattr(tasks.pay_renewals_by_agreement, "delay", lambda ids: tasks.pay_renewals_by_agreement(ids))
    renewals_run(today=today)
    invitation = RenewalInvitation.objects.get(entitlement=first)
    with django_capture_on_commit_callbacks(execute=True):
        renewal_accept(invitation=invitation, channel="sms", by=None)
    first.refresh_from_db()
    new = Entitlement.objects.select_related("application__payment").get(pk=first.superseded_by_id)
    paid = new.application.payment
    assert new.application.kind == Application.Kind.RENEWAL and paid.agreement_id == first.payment_agreement_id
    assert paid.status == Status.SUCCESS and paid.pk != first.application.payment_id
    return first, new


def _in_force_for(entitlement: Entitlement, days: int) -> Entitlement:
    """Move a term to have started `days` ago (a year long), as if renewed then."""
    starts = timezone.localdate() - dt.timedelta(days=days)
    Entitlement.objects.filter(pk=entitlement.pk).update(
        starts_on=starts, expires_on=starts.replace(year=starts.year + 1) - dt.timedelta(days=1))
    entitlement.refresh_from_db()
    return entitlement


def _pro_rata(entitlement: Entitlement, pence: int) -> int:
    today = timezone.localdate()
    return pence * (entitlement.expires_on - today).days // ((entitlement.expires_on - entitlement.starts_on).days + 1)


def test_a_renewed_term_ended_early_refunds_the_agreement_payment_pro_rata(renewed, rose):
    first, new = renewed
    first_payment, renewal_payment = first.application.payment, new.application.payment
    new = _in_force_for(new, 100)
    assert refund_if_ended_today(new) == _pro_rata(new, renewal_payment.amount_pence)

    ended = entitlement_cancel(entitlement=new, by=rose.user)

    due = refund_due_for(ended)
    assert due.payment.pk == renewal_payment.pk, "the renewed term's own payment, not the first term's"
    assert due.suggested_pence == _pro_rata(ended, renewal_payment.amount_pence)
    assert due.available_pence == renewal_payment.amount_pence
    # The refund case is on the renewal application, whose page refunds it.
    case = Case.objects.get(title__startswith="Refund due")
    assert new.application.reference in str(case.answers) and refund_due(new.application).payment == renewal_payment
    body = OutboundMessage.objects.get(idempotency_key=f"entitlement:{ended.pk}:ended").body
    assert f"A refund of {due.suggested_display}" in body
    first_payment.refresh_from_db()
    assert first_payment.refunded_pence == 0


def test_a_renewed_term_ended_before_it_starts_refunds_all_of_its_payment_and_none_of_the_first(renewed, rose,
                                                                                                  parking_officer):
    first, new = renewed
    assert new.starts_on > timezone.localdate()  # renewed 20 days early: the new term starts after the old
    ended = entitlement_revoke(entitlement=new, reason="The vehicle was sold", by=parking_officer)
    due = refund_due_for(ended)
    assert due.payment == new.application.payment and due.suggested_pence == new.application.payment.amount_pence
    assert term_payment(first) is not None and term_payment(first).payment == first.application.payment


def test_the_refund_is_capped_at_the_renewal_payment_less_its_own_earlier_refunds(renewed, rose):
    first, new = renewed
    renewal_payment, first_payment = new.application.payment, first.application.payment
    # A goodwill refund earlier on each payment: only the renewal payment's counts against this refund.
    payment_refund(payment=first_payment, amount_pence=3000, reason="Goodwill on the first year", by=None,
                   idempotency_key="first-goodwill")
    payment_refund(payment=renewal_payment, amount_pence=renewal_payment.amount_pence - 700,
                   reason="Goodwill on the second year", by=None, idempotency_key="renewal-goodwill")
    new = _in_force_for(new, 30)
    ended = entitlement_cancel(entitlement=new, by=rose.user)
    due = refund_due_for(ended)
    assert due.payment == renewal_payment and due.available_pence == 700 and due.suggested_pence == 700


def test_the_officer_refunds_the_renewal_payment_from_the_renewal_applications_page(client, renewed, rose,
                                                                                   parking_officer):
    first, new = renewed
    new = _in_force_for(new, 60)
    ended = entitlement_cancel(entitlement=new, by=rose.user)
    due = refund_due_for(ended)
    client.force_login(parking_officer)
    page = client.get(reverse("applications:assess", args=[new.application.reference])).content.decode()
    assert "Refund due" in page and due.suggested_display in page
    done = client.post(reverse("applications:refund", args=[new.application.reference]),
                       {"amount": f"{due.suggested_pence / 100:.2f}", "reason": "Cancelled by the holder",
                        "submission_key": "r" * 24})
    assert done.status_code == 302
    renewal_payment, first_payment = new.application.payment, first.application.payment
    renewal_payment.refresh_from_db()
    first_payment.refresh_from_db()
    assert renewal_payment.refunded_pence == due.suggested_pence and first_payment.refunded_pence == 0
    assert Refund.objects.get().payment_id == renewal_payment.pk
    assert SandboxCharge.objects.get(payment_id=renewal_payment.provider_payment_id).refunded == due.suggested_pence
    told = OutboundMessage.objects.get(template_code="refund-made")
    assert new.number in told.body and due.suggested_display in told.body


def test_a_term_whose_renewal_was_not_paid_opens_no_refund(renewed, rose):
    _, new = renewed
    # As if the term were issued while its renewal still waited for payment: no payment paid for it.
    Application.objects.filter(pk=new.application_id).update(status=Application.Status.AWAITING_PAYMENT)
    new = Entitlement.objects.select_related("application__payment").get(pk=new.pk)
    assert term_payment(new) is None and refund_if_ended_today(new) == 0
    ended = entitlement_cancel(entitlement=new, by=rose.user)
    assert refund_due_for(ended) is None
    assert not Case.objects.filter(title__startswith="Refund due").exists()
    assert "refund" not in OutboundMessage.objects.get(idempotency_key=f"entitlement:{ended.pk}:ended").body.lower()


def test_a_term_renewed_free_under_the_first_application_refunds_nothing_of_the_first_payment(svc, rose):
    first = _paid_with_agreement(svc, rose)
    first.service = svc("parking-permit")
    new = entitlement_renew_many(entitlements=[first], by=None)[first.pk]
    assert new.application_id == first.application_id  # shares the application that paid for the first term
    new = Entitlement.objects.select_related("application__payment").get(pk=new.pk)
    assert term_payment(new) is None
    ended = entitlement_cancel(entitlement=new, by=rose.user)
    assert refund_due_for(ended) is None and not Case.objects.filter(title__startswith="Refund due").exists()


def test_a_replacement_is_refunded_from_the_payment_for_the_term_it_replaced(svc, rose):
    from .test_refused_change import _change

    first = _paid_with_agreement(svc, rose)
    first = _in_force_for(first, 120)
    change = _change(first, rose, vehicle_registration="XY12 ZZZ")
    if change.status == Application.Status.AWAITING_PAYMENT:  # a replacement fee, paid on the card page
        started = s.application_payment_start(application=change, return_url="/apply/done/", by=None)
        sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), "4444333322221111")
        payment_refresh_status(payment=started.payment, by=None)
    first.refresh_from_db()
    replacement = Entitlement.objects.select_related("application__payment").get(pk=first.superseded_by_id)
    assert replacement.application.kind == Application.Kind.CHANGE and replacement.expires_on == first.expires_on
    ended = entitlement_cancel(entitlement=replacement, by=rose.user)
    due = refund_due_for(ended)
    paid = first.application.payment
    assert due.payment == paid, "the permit's own payment paid for the term the replacement runs on"
    # Pro rata over the whole term that payment bought (from the first term's start), not the replacement's part.
    assert due.suggested_pence == _pro_rata(first, paid.amount_pence)
