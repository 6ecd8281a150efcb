"""Run twice, stop part-way, crash mid-batch: the same invitations and messages, never a duplicate."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from applications.models import Entitlement
from applications.renewals import services
from applications.renewals.models import RenewalInvitation
from oxtom.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_many(entitlement_factory, today):
    def make(n: int = 25):
        codes = ["bus-pass", "parking-permit", "blue-badge"]
        return [entitlement_factory(codes[i % 3], expires_on=today + dt.timedelta(days=5 + i % 20),
                                    fee_pence=6500 if i % 3 == 1 else 0,
                                    preferred_channel="sms" if i % 2 else "email") for i in range(n)]

    return make


def snapshot():
    invitations = sorted(RenewalInvitation.objects.values_list("entitlement_id", "state", "reminders_sent"))
    keys = Counter(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    return invitations, keys


def assert_no_duplicates():
    ents = Counter(RenewalInvitation.objects.values_list("entitlement_id", flat=True))
    assert max(ents.values(), default=1) == 1
    keys = Counter(OutboundMessage.objects.values_list("idempotency_key", flat=True))
    assert max(keys.values(), default=1) == 1


def test_running_twice_gives_the_same_result(due_many, today, enqueued):
    ents = due_many(25)
    first = services.renewals_run(today=today, batch_size=7)
    after_first = snapshot()
    second = services.renewals_run(today=today, batch_size=7)
    assert first.invited == 25 and second.invited == 0 and second.reminded == 0
    assert snapshot() == after_first
    assert len(after_first[0]) == len(ents)
    assert_no_duplicates()


def test_stopped_after_some_batches_then_resumed_equals_one_full_run(due_many, today, enqueued):
    due_many(25)
    partial = services.renewals_run(today=today, batch_size=4, max_batches=3)
    assert 0 < partial.invited < 25
    rest = services.renewals_run(today=today, batch_size=4)
    assert partial.invited + rest.invited == 25
    invitations, keys = snapshot()
    assert len(invitations) == 25
    assert sum(1 for k in keys if k.endswith(":invite")) == 25
    assert_no_duplicates()


def test_crash_inside_a_batch_rolls_the_whole_batch_back(due_many, today, enqueued, monkeypatch):
    due_many(12)
    manager = RenewalInvitation.objects
    real = manager.bulk_create
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        created = real(*args, **kwargs)
        if calls["n"] == 2:
            # Killed with the batch's messages and invitations written but not committed.
            assert OutboundMessage.objects.count() == RenewalInvitation.objects.count() > 3
            raise SystemExit("worker killed")
        return created

    monkeypatch.setattr(manager, "bulk_create", crash_on_second_batch)
    with pytest.raises(SystemExit):
        services.renewals_run(today=today, batch_size=3)
    done = RenewalInvitation.objects.count()
    assert done == 3, "the first batch committed, the crashed one left nothing behind"
    assert OutboundMessage.objects.count() == 3

    monkeypatch.setattr(manager, "bulk_create", real)
    services.renewals_run(today=today, batch_size=3)
    assert RenewalInvitation.objects.count() == 12
    assert OutboundMessage.objects.filter(template_code="renewal-invite").count() == 12
    assert_no_duplicates()


def test_whole_cycle_twice_per_day_no_duplicates(due_many, today, enqueued):
    ents = due_many(15)
    for offset in range(0, 30):
        day = today + dt.timedelta(days=offset)
        services.renewals_run(today=day, batch_size=4)
        services.renewals_run(today=day, batch_size=4)
    assert_no_duplicates()
    states = Counter(RenewalInvitation.objects.values_list("state", flat=True))
    assert states == {"lapsed": 15}
    assert Entitlement.objects.filter(pk__in=[e.pk for e in ents], status="lapsed").count() == 15
    reminders = OutboundMessage.objects.filter(template_code="renewal-reminder").count()
    assert reminders <= 2 * 15
    assert OutboundMessage.objects.filter(template_code="renewal-lapsed").count() == 15


def test_replies_recorded_then_applied_by_two_runs_renew_once(due_many, today, enqueued):
    due_many(12)
    services.renewals_run(today=today)
    RenewalInvitation.objects.update(reply="yes", reply_channel="sms", replied_at=timezone.now())
    services.renewals_run(today=today, batch_size=5, max_batches=1)
    services.renewals_run(today=today, batch_size=5)
    services.renewals_run(today=today, batch_size=5)
    states = Counter(RenewalInvitation.objects.values_list("state", flat=True))
    assert states == {"renewed": 4, "awaiting_payment": 4, "reapplying": 4}
    assert Entitlement.objects.filter(status="superseded").count() == 4
    assert_no_duplicates()
