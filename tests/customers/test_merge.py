"""Merging duplicate customer records: the allow-list guard, moving every related row, tombstones."""
from __future__ import annotations

import datetime as dt
import decimal
import uuid
from itertools import count

import pytest
from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.customers import merge
from oxtom.customers.models import Channel, Consent, Customer, Interaction
from oxtom.customers.services import MergeRefusedError, consent_record, customer_merge, interaction_record
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db
_serial = count(1)


@pytest.fixture
def leader():
    return f.UserFactory(roles=["team_leader"])


# --- a generic row maker, so a new model pointing at Customer is covered without editing this file ---


def _value_for(field: models.Field, depth: int):
    n = next(_serial)
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, (models.ForeignKey, models.OneToOneField)):
        return make_row(field.related_model, depth=depth + 1)
    if isinstance(field, models.EmailField):
        return f"row{n}@example.org"
    if isinstance(field, (models.CharField, models.TextField, models.SlugField)):
        return f"x{n}"[: field.max_length or 20]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return n
    if isinstance(field, models.DecimalField):
        return decimal.Decimal("1.00")
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.TimeField):
        return dt.time(6 + (n % 960) // 60, n % 60)  # later fields later: a row that closes after it opens
    if isinstance(field, models.DateField):
        return dt.date(2026, 1, 1)
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.DurationField):
        return dt.timedelta(days=1)
    raise NotImplementedError(f"make_row can't fill {field!r}: add a case for it here")


def make_row(model: type[models.Model], depth: int = 0, **given):
    """A saved row of `model` with every required field filled with a plausible value."""
    if model is Customer:
        return make_customer()
    if model is apps.get_model("accounts", "User"):
        return f.UserFactory()
    if depth > 4:
        raise RuntimeError(f"Too deep making a {model.__name__}")
    values = dict(given)
    if model is apps.get_model("casework", "Case"):
        values.setdefault("customer", make_customer())  # a case has a customer or a requesting colleague (a check)
    for field in model._meta.concrete_fields:
        if field.name in values or field.primary_key or field.null or field.has_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if field.blank and isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            continue
        values[field.name] = _value_for(field, depth)
    return model._base_manager.create(**values)


def _attach(rel, customer):
    """Make one row of the relation's model pointing at `customer`."""
    if rel.many_to_many:
        owner = make_row(rel.related_model)
        getattr(owner, rel.field.name).add(customer)
        return owner
    return make_row(rel.related_model, **{rel.field.name: customer})


def _rows_pointing_at(rel, customer) -> int:
    return rel.related_model._base_manager.filter(**{rel.field.name: customer}).count()


# --- the guard ------------------------------------------------------------------------------


def test_every_relation_to_customer_is_in_the_allow_list():
    """Fails when an app adds a relation to Customer without saying what merge does with it."""
    assert merge.unregistered_relations() == []


def test_merge_refuses_loudly_when_a_relation_is_not_registered(leader):
    source, survivor = make_customer(), make_customer()
    interaction_record(customer=source, kind="contact.logged", summary="Rang about a pothole")
    saved = merge.registered_moves()[("customers.interaction", "customer")]
    merge.unregister("customers.interaction", "customer")
    try:
        with pytest.raises(merge.MergeRegistryError, match="customers.interaction.customer"):
            customer_merge(source=source, survivor=survivor, by=leader)
    finally:
        merge.register_move("customers.interaction", "customer", mover=saved.mover)
    source.refresh_from_db()
    assert source.merged_into_id is None
    assert source.interactions.count() == 1
    assert not AuditEvent.objects.filter(action="merge").exists()


def test_the_startup_check_names_unregistered_relations():
    from oxtom.customers.apps import check_merge_registry

    merge.unregister("customers.consent", "customer")
    try:
        warnings = check_merge_registry()
    finally:
        merge.register_move("customers.consent", "customer")
    assert [w.id for w in warnings] == ["customers.W001"]
    assert "customers.consent.customer" in warnings[0].msg
    assert check_merge_registry() == []


def test_keep_rules_need_a_reason():
    with pytest.raises(ValueError):
        merge.register_keep("customers.consent", "customer", reason="")


# --- moving everything ------------------------------------------------------------------------


def _has_table(model) -> bool:
    return model._meta.db_table in connection.introspection.table_names()


def test_merge_leaves_no_row_in_any_model_pointing_at_the_tombstone(leader):
    """Creates a row in EVERY model with a relation to Customer, merges, and checks where each went."""
    source, survivor = make_customer(), make_customer()
    relations = merge.relations_to_customer()
    missing_tables = [rel.related_model._meta.label for rel in relations if not _has_table(rel.related_model)]
    assert not missing_tables, f"No table for {missing_tables}: make the app's migrations"
    for rel in relations:
        if rel.related_model is Customer and rel.field.name == "merged_into":
            older = make_customer()
            Customer.objects.filter(pk=older.pk).update(merged_into=source, merged_at=timezone.now())
        else:
            _attach(rel, source)
        assert _rows_pointing_at(rel, source) == 1, rel
    keeps = merge.registered_keeps()

    customer_merge(source=source, survivor=survivor, by=leader)

    for rel in relations:
        label = f"{merge.rel_key(rel)[0]}.{rel.field.name}"
        if merge.rel_key(rel) in keeps:
            assert _rows_pointing_at(rel, source) == 1, f"{label} should stay on the tombstone"
        elif rel.related_model is Customer and rel.field.name == "merged_into":
            # The only row left pointing at the source is... none: older tombstones point at the survivor.
            assert Customer.objects.filter(merged_into=source).count() == 0, label
        else:
            assert _rows_pointing_at(rel, source) == 0, f"{label} left a row on the tombstone"
            assert _rows_pointing_at(rel, survivor) >= 1, f"{label} row didn't reach the survivor"


def test_merge_moves_timeline_and_consents_and_leaves_a_tombstone(leader):
    source = make_customer(first_name="Mary", last_name="Smyth", phone="+447700900111", email="m@example.org")
    survivor = make_customer(first_name="Mary", last_name="Smith", phone="", email="mary@example.org",
                             date_of_birth=dt.date(1970, 5, 4), interests=["roads"])
    Customer.objects.filter(pk=source.pk).update(interests=["schools"], reasonable_adjustments="Large print")
    interaction_record(customer=source, kind="contact.logged", summary="Rang about a pothole")
    consent_record(customer=source, purpose="research", granted=True, wording="Research?", channel=Channel.WEB, by=None)
    source.refresh_from_db()

    result = customer_merge(source=source, survivor=survivor, by=leader)

    assert result.pk == survivor.pk
    source.refresh_from_db()
    survivor.refresh_from_db()
    assert source.merged_into == survivor and source.merged_at is not None and source.is_tombstone
    # Personal fields kept on the tombstone for the audit trail.
    assert (source.first_name, source.last_name, source.email) == ("Mary", "Smyth", "m@example.org")
    assert not source.interactions.exists() and not source.consents.exists()
    assert survivor.interactions.filter(kind="contact.logged").exists()
    assert survivor.interactions.filter(kind="customer.merged", actor=leader).exists()
    assert Consent.objects.get().customer == survivor
    # Blanks on the survivor are filled from the source; the survivor's own values win.
    assert survivor.phone == "+447700900111" and survivor.email == "mary@example.org"
    assert survivor.reasonable_adjustments == "Large print"
    assert survivor.interests == ["roads", "schools"]
    merges = AuditEvent.objects.filter(action="merge")
    assert {e.target_id for e in merges} == {str(source.pk), str(survivor.pk)}
    assert merges.get(target_id=str(survivor.pk)).detail["moved"]["customers.interaction.customer"] == 2  # the contact and the consent entry
    assert Customer.objects.active().filter(pk=source.pk).count() == 0


def test_later_timeline_entries_for_the_tombstone_go_to_the_survivor(leader):
    source, survivor = make_customer(), make_customer()
    customer_merge(source=source, survivor=survivor, by=leader)
    entry = interaction_record(customer=Customer.objects.get(pk=source.pk), kind="x", summary="Late event")
    assert entry.customer_id == survivor.pk


def test_merge_moves_the_online_account_when_the_survivor_has_none(leader):
    user = f.UserFactory()
    source, survivor = make_customer(user=user), make_customer()
    customer_merge(source=source, survivor=survivor, by=leader)
    source.refresh_from_db()
    survivor.refresh_from_db()
    assert survivor.user == user and source.user is None
    user.refresh_from_db()
    assert user.customer == survivor


def test_merge_is_refused_when_both_have_online_accounts(leader):
    source, survivor = make_customer(user=f.UserFactory()), make_customer(user=f.UserFactory())
    interaction_record(customer=source, kind="x", summary="Before")
    with pytest.raises(MergeRefusedError, match="Both records have an online account"):
        customer_merge(source=source, survivor=survivor, by=leader)
    _assert_unchanged(source, survivor)


def _assert_unchanged(*customers):
    for customer in customers:
        fresh = Customer.objects.get(pk=customer.pk)
        assert (fresh.merged_into_id, fresh.merged_at, fresh.user_id) == (
            customer.merged_into_id, customer.merged_at, customer.user_id)
    assert not AuditEvent.objects.filter(action="merge").exists()


def test_merging_a_record_into_itself_is_refused_and_changes_nothing(leader):
    customer = make_customer()
    interaction_record(customer=customer, kind="x", summary="Before")
    with pytest.raises(MergeRefusedError, match="into itself"):
        customer_merge(source=customer, survivor=customer, by=leader)
    _assert_unchanged(customer)
    assert customer.interactions.count() == 1 and not customer.interactions.filter(kind="customer.merged").exists()


def test_merging_into_a_tombstone_is_refused_and_changes_nothing(leader):
    live, tombstone, final = make_customer(), make_customer(), make_customer()
    customer_merge(source=tombstone, survivor=final, by=leader)
    AuditEvent.objects.all().delete()
    interaction_record(customer=live, kind="x", summary="Before")
    tombstone.refresh_from_db()
    with pytest.raises(MergeRefusedError, match="Merge into that record instead"):
        customer_merge(source=live, survivor=tombstone, by=leader)
    live.refresh_from_db()
    assert live.merged_into_id is None and live.interactions.count() == 1
    assert not AuditEvent.objects.exists()


def test_merging_from_a_tombstone_is_refused_and_changes_nothing(leader):
    tombstone, first_survivor, other = make_customer(), make_customer(), make_customer()
    customer_merge(source=tombstone, survivor=first_survivor, by=leader)
    AuditEvent.objects.all().delete()
    tombstone.refresh_from_db()
    with pytest.raises(MergeRefusedError, match="already merged"):
        customer_merge(source=tombstone, survivor=other, by=leader)
    tombstone.refresh_from_db()
    assert tombstone.merged_into_id == first_survivor.pk
    assert not AuditEvent.objects.exists()


def test_merging_with_stale_objects_still_sees_the_tombstone(leader):
    """The service re-reads both rows under a lock, so a stale in-memory object can't fool it."""
    source, survivor, other = make_customer(), make_customer(), make_customer()
    stale_source = Customer.objects.get(pk=source.pk)
    customer_merge(source=source, survivor=survivor, by=leader)
    with pytest.raises(MergeRefusedError):
        customer_merge(source=stale_source, survivor=other, by=leader)
    assert Customer.objects.get(pk=source.pk).merged_into_id == survivor.pk


def test_chains_stay_one_hop(leader):
    a, b, c = make_customer(), make_customer(), make_customer()
    customer_merge(source=a, survivor=b, by=leader)
    customer_merge(source=b, survivor=c, by=leader)
    assert Customer.objects.get(pk=a.pk).merged_into_id == c.pk


def test_a_custom_mover_is_used(leader):
    calls = []
    saved = merge.registered_moves()[("customers.consent", "customer")]

    def mover(source, survivor):
        calls.append((source.pk, survivor.pk))
        return Consent.objects.filter(customer=source).update(customer=survivor)

    merge.register_move("customers.consent", "customer", mover=mover)
    try:
        source, survivor = make_customer(), make_customer()
        customer_merge(source=source, survivor=survivor, by=leader)
    finally:
        merge.register_move("customers.consent", "customer", mover=saved.mover)
    assert calls == [(source.pk, survivor.pk)]


def test_interaction_model_is_covered():
    assert ("customers.interaction", "customer") in merge.registered_moves()
    assert Interaction._meta.get_field("customer").related_model is Customer
