"""Refunds, the services: a paid permit ended early (cancelled by its holder, revoked by an officer, or ended
by a refused move) has its unused days refunded, by the rule in applications/refunds.py, once, through the
payments provider, and a provider failure leaves it due with nothing recorded as paid."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from applications import services as s
from applications.ending import entitlement_cancel, entitlement_revoke
from applications.models import Entitlement
from applications.refunds import (application_refund, refund_due, refund_due_for, refund_refusal, resident_refund,
                                  unused_pence)
from applications.services import ApplicationError
from oxtom.cases.models import Case, Status as CaseStatus
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Channel
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Refund, SandboxCharge
from oxtom.payments.providers import ProviderError, ProviderRejected, sandbox
from oxtom.payments.services import PaymentError, payment_refund
from tests import factories as f

from .conftest import BADGE_REFER, PDF, officer_of, png
from .test_refused_change import _change, _issued

pytestmark = pytest.mark.django_db
MOVE_AWAY = {"address_line_1": "3 Far Lane", "postcode": "OX10 0AA"}


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


@pytest.fixture
def permit(svc, rose):
    return _issued(svc, rose)


@pytest.fixture
def cancelled(permit, rose):
    ended = entitlement_cancel(entitlement=permit, by=rose.user)
    ended.application.refresh_from_db()
    return ended


def _term(starts: dt.date, days: int, ended: dt.date | None) -> Entitlement:
    details = {"ended_on": ended.isoformat()} if ended else {}
    return Entitlement(starts_on=starts, expires_on=starts + dt.timedelta(days=days - 1), details=details)


# --- the amount rule ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ended_after_days, expected", [
    (-3, 36500),   # ended before it started: every day unused, all of it back
    (0, 36400),    # ended on its first day: that day was had, 364 of 365 back
    (100, 26400),  # 264 unused days
    (364, 0),      # ended on its last day: nothing unused
    (400, 0),      # "ended" after it would have expired anyway
])
def test_the_pro_rata_rule(ended_after_days, expected):
    start = dt.date(2026, 1, 1)
    assert unused_pence(_term(start, 365, start + dt.timedelta(days=ended_after_days)), 36500) == expected


def test_the_rule_rounds_down_to_the_penny():
    start = dt.date(2026, 1, 1)
    # 6500p * 200/365 = 3561.64...: the council never refunds a fraction of a penny more than is due.
    assert unused_pence(_term(start, 365, start + dt.timedelta(days=164)), 6500) == 3561


# --- cancelling and revoking make a refund due --------------------------------------------------------

def test_a_holder_cancelling_a_paid_permit_makes_a_refund_due_in_the_teams_queue(cancelled, rose):
    assert cancelled.status == Entitlement.Status.CANCELLED
    assert cancelled.details["ended_on"] == timezone.localdate().isoformat()
    application = cancelled.application
    due = refund_due(application)
    paid = application.payment.amount_pence
    expected = paid * (cancelled.expires_on - timezone.localdate()).days // (
        (cancelled.expires_on - cancelled.starts_on).days + 1)
    assert due is not None and due.suggested_pence == expected and due.available_pence == paid
    # A case in the parking team's queue, made by the case engine.
    case = application.case
    assert case is not None and case.team.slug == "parking-services" and case.status != CaseStatus.CLOSED
    assert case.title.startswith("Refund due:")
    # The holder is told the amount is being processed, not to contact us.
    body = OutboundMessage.objects.get(idempotency_key=f"entitlement:{cancelled.pk}:ended").body
    assert f"A refund of {due.suggested_display}" in body and "being processed" in body
    assert "contact us" not in body.lower()
    assert resident_refund(cancelled) == {"due": due.suggested_display}
    assert AuditEvent.objects.filter(target_id=str(cancelled.pk), summary__endswith="cancelled").count() == 1


def test_cancelling_twice_makes_one_case_and_one_message(cancelled, rose):
    again = entitlement_cancel(entitlement=cancelled, by=rose.user)
    assert again.status == Entitlement.Status.CANCELLED
    assert OutboundMessage.objects.filter(idempotency_key__startswith=f"entitlement:{cancelled.pk}:ended").count() == 1
    assert cancelled.application.case.customer.cases.filter(title__startswith="Refund due").count() == 1


def test_what_has_ended_otherwise_cannot_be_cancelled(permit, rose, parking_officer):
    entitlement_revoke(entitlement=permit, reason="Vehicle not kept at the address", by=parking_officer)
    with pytest.raises(ApplicationError, match="revoked already"):
        entitlement_cancel(entitlement=permit, by=rose.user)


def test_an_officer_revoking_says_why_and_makes_a_refund_due(permit, rose, parking_officer, officer_in_team):
    with pytest.raises(ApplicationError, match="Say why"):
        entitlement_revoke(entitlement=permit, reason="   ", by=parking_officer)
    with pytest.raises(ApplicationError, match="500 characters"):
        entitlement_revoke(entitlement=permit, reason="x" * 501, by=parking_officer)
    with pytest.raises(PermissionDenied):  # a highways officer
        entitlement_revoke(entitlement=permit, reason="Not yours", by=officer_in_team)
    with pytest.raises(PermissionDenied):  # the holder cannot revoke (they cancel)
        entitlement_revoke(entitlement=permit, reason="Mine", by=rose.user)
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE
    ended = entitlement_revoke(entitlement=permit, reason="The vehicle is not kept at the address", by=parking_officer)
    assert ended.status == Entitlement.Status.REVOKED
    assert refund_due(ended.application) is not None
    body = OutboundMessage.objects.get(idempotency_key=f"entitlement:{ended.pk}:ended").body
    assert "The vehicle is not kept at the address" in body and "is being processed" in body


def test_a_free_pass_cancelled_makes_no_refund_or_case(svc, rose):
    application = s.application_submit(service=svc("bus-pass"), customer=rose, answers={}, channel=Channel.WEB,
                                       by=rose.user, evidence=[("photo", png()), ("identity", PDF)],
                                       submission_key="pass-1")
    ended = entitlement_cancel(entitlement=Entitlement.objects.get(application=application), by=rose.user)
    application.refresh_from_db()
    assert refund_due_for(ended) is None and resident_refund(ended) is None
    # No refund case (a QA-sampled approval may have its own closed case; nothing new is opened).
    assert application.case is None or not application.case.title.startswith("Refund due")
    assert not Case.objects.filter(title__startswith="Refund due").exists()
    body = OutboundMessage.objects.get(idempotency_key=f"entitlement:{ended.pk}:ended").body
    assert "refund" not in body.lower()


# --- the refund -------------------------------------------------------------------------------------

def test_the_officer_refunds_once_through_the_provider_and_the_holder_is_told(cancelled, parking_officer):
    application = cancelled.application
    due = refund_due(application)
    refund = application_refund(application=application, amount_pence=due.suggested_pence, reason="Cancelled",
                                by=parking_officer, idempotency_key="r-1")
    assert refund.status == Refund.RefundStatus.SUCCESS
    payment = due.payment
    payment.refresh_from_db()
    assert payment.refunded_pence == due.suggested_pence
    assert SandboxCharge.objects.get(payment_id=payment.provider_payment_id).refunded == due.suggested_pence
    cancelled.refresh_from_db()
    assert cancelled.details["refund_id"] == refund.pk
    told = OutboundMessage.objects.get(idempotency_key=f"refund:{refund.pk}:told")
    assert told.template_code == "refund-made"
    assert due.suggested_display in told.body and cancelled.number in told.body
    application.case.refresh_from_db()
    assert application.case.status == CaseStatus.CLOSED
    assert resident_refund(cancelled)["refunded"] == due.suggested_display
    assert AuditEvent.objects.filter(summary__startswith=f"Refunded {due.suggested_display}").count() == 1
    # The same request again (a double submit that got past the form key): one refund.
    with pytest.raises(PaymentError, match="already been refunded"):
        application_refund(application=application, amount_pence=due.suggested_pence, reason="Cancelled",
                           by=parking_officer, idempotency_key="r-1")
    with pytest.raises(PaymentError, match="already been refunded"):
        application_refund(application=application, amount_pence=100, reason="Again", by=parking_officer,
                           idempotency_key="r-2")
    assert Refund.objects.count() == 1 and refund_refusal(application) == "This has already been refunded."


def test_never_more_than_was_paid_less_earlier_refunds(cancelled, parking_officer):
    application = cancelled.application
    due = refund_due(application)
    payment_refund(payment=due.payment, amount_pence=due.payment.amount_pence - 500, reason="An earlier goodwill refund",
                   by=None)
    due = refund_due(application)
    assert due.available_pence == 500 and due.suggested_pence == min(500, due.suggested_pence)
    with pytest.raises(PaymentError, match="at most £5.00"):
        application_refund(application=application, amount_pence=501, reason="Too much", by=parking_officer,
                           idempotency_key="r-3")
    assert Refund.objects.filter(status=Refund.RefundStatus.SUCCESS).count() == 1  # the goodwill one only


def test_a_provider_refusal_leaves_it_due_with_nothing_paid_or_told(cancelled, parking_officer, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise ProviderRejected("P0604")

    monkeypatch.setattr(sandbox.SandboxProvider, "refund", refuse)
    application = cancelled.application
    with pytest.raises(PaymentError, match="refused the refund, so nothing has been refunded"):
        application_refund(application=application, amount_pence=1000, reason="Cancelled", by=parking_officer,
                           idempotency_key="r-4")
    due = refund_due(application)
    assert due is not None and due.payment.refunded_pence == 0 and due.pending is None
    assert not OutboundMessage.objects.filter(idempotency_key__startswith="refund:").exists()
    application.case.refresh_from_db()
    assert application.case.status != CaseStatus.CLOSED
    monkeypatch.undo()  # the provider is back: the refund can be made with a fresh request
    refund = application_refund(application=application, amount_pence=1000, reason="Cancelled", by=parking_officer,
                                idempotency_key="r-5")
    assert refund.status == Refund.RefundStatus.SUCCESS


def test_a_provider_outage_leaves_it_due_and_trying_again_pays_once(cancelled, parking_officer, monkeypatch):
    monkeypatch.setattr(sandbox.SandboxProvider, "refund",
                        lambda self, *a, **k: (_ for _ in ()).throw(ProviderError("timeout")))
    application = cancelled.application
    with pytest.raises(PaymentError, match="did not answer"):
        application_refund(application=application, amount_pence=1200, reason="Cancelled", by=parking_officer,
                           idempotency_key="r-6")
    due = refund_due(application)
    assert due is not None and due.payment.refunded_pence == 0 and due.pending.amount_pence == 1200
    assert not OutboundMessage.objects.filter(idempotency_key__startswith="refund:").exists()
    monkeypatch.undo()
    # From a new page (a new key) a different amount is refused while the first waits...
    with pytest.raises(PaymentError, match="waiting for the payments provider"):
        application_refund(application=application, amount_pence=999, reason="Cancelled", by=parking_officer,
                           idempotency_key="r-7")
    # ...and the same amount sends the first again, under its own key: one refund, paid once.
    refund = application_refund(application=application, amount_pence=1200, reason="Cancelled", by=parking_officer,
                                idempotency_key="r-8")
    assert refund.idempotency_key == "r-6" and refund.status == Refund.RefundStatus.SUCCESS
    due.payment.refresh_from_db()
    assert due.payment.refunded_pence == 1200 and Refund.objects.count() == 1
    assert SandboxCharge.objects.get(payment_id=due.payment.provider_payment_id).refunded == 1200


def test_who_may_refund(cancelled, officer_in_team, rose, administrator):
    application = cancelled.application
    args = {"application": application, "amount_pence": 100, "reason": "x"}
    for who in (officer_in_team, rose.user):
        with pytest.raises(PermissionDenied):
            application_refund(by=who, idempotency_key=f"w-{who.pk}", **args)
    # Works the parking team's cases, but holds no role that may send money back.
    worker = f.UserFactory(email="complaints.in.parking@example.org", roles=[])
    f.TeamMembershipFactory(team=application.case.team, user=worker, team_role="complaints_officer")
    with pytest.raises(PermissionDenied):
        application_refund(by=worker, idempotency_key="w-worker", **args)
    assert Refund.objects.count() == 0
    assert application_refund(by=administrator, idempotency_key="w-admin", **args).status == "success"


def test_an_unpaid_application_is_refused_clearly(svc, rose, badge_officer):
    application = s.application_submit(service=svc("blue-badge"), customer=rose, answers={
        **BADGE_REFER, "holder_date_of_birth": "1951-05-17"}, channel=Channel.WEB, by=rose.user,
        evidence=[("photo", png()), ("medical", PDF)], submission_key="badge-unpaid")
    assert application.case is not None
    with pytest.raises(PaymentError, match="never paid for"):
        application_refund(application=application, amount_pence=100, reason="x", by=badge_officer,
                           idempotency_key="u-1")


def test_a_refused_move_still_refunds_from_the_change_application(permit, rose, parking_officer):
    change = _change(permit, rose, **MOVE_AWAY)
    body = OutboundMessage.objects.get(idempotency_key=f"application:{change.pk}:decision:refused").body
    assert "We will refund the unused part of its charge" in body and "contact us quoting" not in body
    due = refund_due(change)
    assert due is not None and due.entitlement == permit
    refund = application_refund(application=change, amount_pence=3000, reason="Moved out of the zone",
                                by=parking_officer, idempotency_key="m-1")
    assert refund.status == "success" and refund_due(change) is None
