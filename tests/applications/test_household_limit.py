"""The parking household limit holds however applications arrive: one after another before any is paid,
and two at the same moment (PostgreSQL, two threads; skipped on SQLite, failed under REQUIRE_SERVICES=1).
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from applications import services as s
from applications.models import Application, Entitlement
from applications.selectors import household_pending_count, household_permit_count
from oxtom.customers.models import Channel
from tests.conftest import require

from .conftest import PDF, PERMIT_ANSWERS


def _permit(service, customer, key, reg):
    return s.application_submit(service=service, customer=customer, channel=Channel.WEB, by=customer.user,
                                answers={**PERMIT_ANSWERS, "vehicle_registration": reg},
                                evidence=[("vehicle", PDF)], submission_key=key)


@pytest.mark.django_db
def test_unpaid_approvals_count_towards_the_limit_and_the_charge(svc, rose):
    # East Oxford (zone B) allows 3 permits a household at 55, 90 and 140 pounds.
    service = svc("parking-permit")
    first, second, third = (_permit(service, rose, f"seq-{i}", reg)
                            for i, reg in enumerate(("AB12 CDE", "CD12 EFG", "EF12 GHJ")))
    assert [a.status for a in (first, second, third)] == [Application.Status.AWAITING_PAYMENT] * 3
    assert [a.fee_pence for a in (first, second, third)] == [5500, 9000, 14000]
    fourth = _permit(service, rose, "seq-4", "GH12 JKL")
    assert fourth.status == Application.Status.REFUSED
    assert "already has 3 permits (counting 3 approved and waiting for payment)" in fourth.reasons[0]


@pytest.mark.django_db
def test_a_renewal_waiting_for_payment_keeps_its_place_only_once_the_term_has_ended(svc, rose):
    service = svc("parking-permit")
    for i, reg in enumerate(("AB12 CDE", "CD12 EFG", "EF12 GHJ")):
        application = _permit(service, rose, f"held-{i}", reg)
        Application.objects.filter(pk=application.pk).update(status=Application.Status.APPROVED)
        s.entitlement_issue(application=application, by=None)
    old = Entitlement.objects.order_by("id").first()
    renewal = Application.objects.create(
        reference="AP-RENEWTEST", service=service, customer=rose, kind=Application.Kind.RENEWAL,
        status=Application.Status.AWAITING_PAYMENT, fee_pence=5500, details=dict(old.details),
        previous_entitlement=old, submitted_at=timezone.now())
    key = old.details["address_key"]
    assert household_permit_count(service, key) == 3 and household_pending_count(service, key) == 0
    # The term ends before the renewal is paid: paying will add a permit back, so the place stays taken.
    Entitlement.objects.filter(pk=old.pk).update(status=Entitlement.Status.EXPIRED)
    assert household_permit_count(service, key) == 2 and household_pending_count(service, key) == 1
    fourth = _permit(service, rose, "after-expiry", "GH12 JKL")
    assert fourth.status == Application.Status.REFUSED
    assert "(counting 1 approved and waiting for payment)" in fourth.reasons[0]
    assert renewal.status == Application.Status.AWAITING_PAYMENT


@pytest.mark.django_db
def test_other_households_are_not_counted(svc, rose, resident_b):
    service = svc("parking-permit")
    for i, reg in enumerate(("AB12 CDE", "CD12 EFG", "EF12 GHJ")):
        _permit(service, rose, f"mine-{i}", reg)
    neighbour = resident_b.customer
    neighbour.address_line_1, neighbour.postcode = "14 Cowley Road", "OX4 1HP"
    neighbour.save()
    theirs = _permit(service, neighbour, "theirs", "JK12 LMN")
    assert theirs.status == Application.Status.AWAITING_PAYMENT and theirs.fee_pence == 5500


# serialized_rollback: the flush after a transactional test must not take the seeded catalogue from later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_applications_at_the_same_moment_cannot_both_take_the_last_place(svc, rose):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the concurrent household limit test needs PostgreSQL (set DATABASE_URL)")
    service = svc("parking-permit")
    _permit(service, rose, "before-1", "AB12 CDE")
    _permit(service, rose, "before-2", "CD12 EFG")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(i):
        try:
            start.wait()
            _permit(service, rose, f"race-{i}", f"RC{i}2 XYZ")
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    for _round in range(3):
        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        racers = Application.objects.filter(submission_key__startswith="race-")
        assert sorted(racers.values_list("status", flat=True)) == [Application.Status.AWAITING_PAYMENT,
                                                                    Application.Status.REFUSED]
        assert racers.get(status=Application.Status.AWAITING_PAYMENT).fee_pence == 14000
        Application.objects.filter(submission_key__startswith="race-").update(
            submission_key="", status=Application.Status.WITHDRAWN)
