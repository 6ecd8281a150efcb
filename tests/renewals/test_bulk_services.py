"""The owners' bulk services the renewal run calls (applications, customers, audit, notify).

Each writes a batch set-based with the guarantees ADR 0004 relies on: run
twice, nothing new; a row that moved meanwhile is left alone; a tombstoned
customer's entries follow the survivor.
"""
from __future__ import annotations

import datetime as dt

import pytest

from applications.bulk import (
    RenewalToPay, entitlement_end_many, entitlement_renew_many, renewal_application_create_many,
)
from applications.models import Application, Entitlement
from oxtom.core.audit import audit_record_many
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record_many
from oxtom.notify.models import OutboundMessage
from oxtom.notify.services import QueuedMessage, notification_queue_many
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_renewing_many_issues_each_term_once_and_supersedes_the_old(entitlement_factory, today,
                                                                    django_assert_max_num_queries):
    olds = [entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=10 + i)) for i in range(5)]
    olds = list(Entitlement.objects.filter(pk__in=[e.pk for e in olds]).select_related("service"))
    with django_assert_max_num_queries(4):  # numbers, INSERT, read back, one UPDATE: whatever the count
        renewed = entitlement_renew_many(entitlements=olds, by=None)
    assert set(renewed) == {e.pk for e in olds}
    for old in olds:
        old.refresh_from_db()
        new = renewed[old.pk]
        assert old.status == Entitlement.Status.SUPERSEDED and old.superseded_by_id == new.pk
        assert new.starts_on == old.expires_on + dt.timedelta(days=1) and new.status == Entitlement.Status.ACTIVE
        assert new.number.startswith(old.service.number_prefix) and old.version == 2
    again = entitlement_renew_many(entitlements=olds, by=None)  # a resumed run
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in renewed.items()}
    assert Entitlement.objects.count() == 10


def test_ending_many_moves_only_active_terms(entitlement_factory, today):
    active = entitlement_factory("bus-pass", expires_on=today - dt.timedelta(days=1))
    revoked = entitlement_factory("bus-pass", expires_on=today - dt.timedelta(days=1),
                                  status=Entitlement.Status.REVOKED)
    assert entitlement_end_many(entitlement_ids=[active.pk, revoked.pk], status=Entitlement.Status.LAPSED,
                                by=None) == 1
    assert entitlement_end_many(entitlement_ids=[active.pk], status=Entitlement.Status.LAPSED, by=None) == 0
    active.refresh_from_db(), revoked.refresh_from_db()
    assert (active.status, revoked.status) == (Entitlement.Status.LAPSED, Entitlement.Status.REVOKED)
    with pytest.raises(ValueError):
        entitlement_end_many(entitlement_ids=[active.pk], status=Entitlement.Status.ACTIVE, by=None)


def test_renewal_applications_are_made_once_per_key(entitlement_factory, today):
    old = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=5), fee_pence=4500)
    item = RenewalToPay(entitlement=old, channel="sms", submission_key=f"renewal:{old.pk}:x", fee_pence=4500,
                        reasons=["Renewal: you told us nothing has changed"])
    made = renewal_application_create_many(renewals=[item], by=None)
    again = renewal_application_create_many(renewals=[item], by=None)
    assert made == again and Application.objects.filter(kind=Application.Kind.RENEWAL).count() == 1
    application = Application.objects.get(pk=made[item.submission_key])
    assert application.status == Application.Status.AWAITING_PAYMENT and application.previous_entitlement == old
    assert application.details["starts_on"] == (old.expires_on + dt.timedelta(days=1)).isoformat()
    assert application.answers == old.application.answers and application.fee_pence == 4500


def test_timeline_entries_follow_a_merged_customer_and_refuse_unknown_fields(db):
    survivor = f.CustomerFactory()
    middle = f.CustomerFactory()
    gone = f.CustomerFactory()
    from django.utils import timezone

    Customer.objects.filter(pk=middle.pk).update(merged_into=survivor, merged_at=timezone.now())
    Customer.objects.filter(pk=gone.pk).update(merged_into=middle, merged_at=timezone.now())
    assert interaction_record_many([dict(customer_id=gone.pk, kind="entitlement.renewed", summary="x" * 600),
                                    dict(customer_id=survivor.pk, kind="entitlement.renewed", summary="ok")],
                                   by=None) == 2
    entries = Interaction.objects.filter(kind="entitlement.renewed")
    assert set(entries.values_list("customer_id", flat=True)) == {survivor.pk}
    assert max(len(s) for s in entries.values_list("summary", flat=True)) == 500
    with pytest.raises(ValueError, match="Unexpected"):
        interaction_record_many([dict(customer_id=survivor.pk, kind="k", summary="s", actor_id=1)], by=None)


def test_audit_events_in_bulk_carry_the_actor_and_refuse_unknown_fields(db):
    officer = f.UserFactory(roles=["officer"])
    assert audit_record_many([dict(action="create", target_type="applications.entitlement", target_id=7,
                                   summary="s" * 300, detail={"renews": 1})], by=officer) == 1
    event = AuditEvent.objects.get(target_type="applications.entitlement")
    assert (event.actor, event.target_id, len(event.summary), event.detail) == (officer, "7", 255, {"renews": 1})
    with pytest.raises(ValueError, match="Unexpected"):
        audit_record_many([dict(action="create", target_type="x", target_id=1, actor_id=5)], by=None)


def test_queued_in_bulk_once_per_key_with_one_audit_event(catalogue, enqueued, django_capture_on_commit_callbacks):
    customers = [f.CustomerFactory(email=f"r{i}@example.org", preferred_channel="email") for i in range(3)]
    items = [QueuedMessage(c, "generic-update", {"name": "R", "subject": "S", "message": "M", "reference": "X"},
                           f"bulk:{c.pk}") for c in customers]
    with django_capture_on_commit_callbacks(execute=True):
        chosen = notification_queue_many(items, by=None, summary="Test batch")
    assert set(chosen.values()) == {"email"} and OutboundMessage.objects.count() == 3
    assert AuditEvent.objects.filter(target_type="notify.outboundmessage").count() == 1 and len(enqueued) == 3
    assert notification_queue_many(items, by=None, summary="Test batch") == chosen  # nothing new
    assert OutboundMessage.objects.count() == 3
