"""customer_create / customer_update / consent_record / customer_bulk_create / customer_ensure_for_user."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from oxtom.core.models import AuditEvent
from oxtom.customers import services
from oxtom.customers.models import Channel, Consent, Customer, Interaction
from oxtom.customers.selectors import consents_in_force
from oxtom.customers.services import (
    CustomerMergedError,
    PossibleDuplicateError,
    consent_record,
    customer_bulk_create,
    customer_create,
    customer_ensure_for_user,
    customer_merge,
    customer_update,
)
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "  Mary ", "last_name": "Smyth", "email": "Mary.Smyth@Example.org",
    "phone": "01865 792422", "postcode": "ox1 1ds", "address_line_1": "1 High Street", "town": "Oxford",
    "date_of_birth": dt.date(1970, 5, 4), "preferred_channel": "email",
}


@pytest.fixture
def adviser_user():
    return f.UserFactory(roles=["adviser"])


def test_create_normalises_sets_search_keys_and_records_audit_and_timeline(adviser_user):
    customer = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    customer.refresh_from_db()
    assert customer.reference.startswith("CU") and len(customer.reference) == 10
    assert (customer.first_name, customer.email, customer.phone, customer.postcode) == (
        "Mary", "mary.smyth@example.org", "+441865792422", "OX1 1DS")
    assert (customer.search_last_name, customer.phonetic_last_name) == ("smyth", "smt")
    assert customer.created_by == adviser_user
    audit = AuditEvent.objects.get(target_type="customers.customer", target_id=str(customer.pk))
    assert audit.action == "create" and audit.actor == adviser_user
    interaction = customer.interactions.get()
    assert interaction.kind == "customer.created" and interaction.channel == Channel.PHONE


@pytest.mark.parametrize("bad, field", [
    ({"first_name": "<script>alert('x')</script>"}, "first_name"),
    ({"last_name": "Robert'); DROP TABLE customers;--"}, "last_name"),
    ({"postcode": "NOT A POSTCODE"}, "postcode"),
    ({"phone": "999"}, "phone"),
    ({"email": "mary@"}, "email"),
    ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
    ({"last_name": "x" * 5000}, "last_name"),
    ({"reasonable_adjustments": "<img src=x onerror=alert(1)>"}, "reasonable_adjustments"),
    ({"interests": ["hacking"]}, "interests"),
])
def test_create_refuses_bad_input_and_saves_nothing(adviser_user, bad, field):
    with pytest.raises(ValidationError) as exc:
        customer_create(data={**VALID, **bad}, by=adviser_user, channel=Channel.PHONE)
    assert field in exc.value.message_dict
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists() and not Interaction.objects.exists()


def test_organisations_need_a_name_and_are_searched_by_it(adviser_user):
    with pytest.raises(ValidationError) as exc:
        customer_create(data={"kind": "organisation", "email": "info@acme.example"}, by=adviser_user, channel="email")
    assert exc.value.message_dict["organisation_name"] == ["Enter the organisation name"]
    org = customer_create(data={"kind": "organisation", "organisation_name": "Acme Plumbing Ltd",
                                "email": "info@acme.example"}, by=adviser_user, channel="email")
    assert org.display_name == "Acme Plumbing Ltd" and org.search_last_name == "acmeplumbingltd"


@pytest.mark.parametrize("change", [
    {"email": "MARY.SMYTH@example.org", "phone": "", "postcode": "OX2 6GG"},  # same email, any case
    {"email": "", "phone": "+44 1865 792422", "postcode": "OX2 6GG"},  # same phone
    {"email": "", "phone": "", "first_name": "mary", "last_name": "SMYTH"},  # name + dob + postcode
])
def test_likely_duplicates_are_refused_until_confirmed(adviser_user, change):
    first = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    data = {**VALID, **change, "preferred_channel": "post"}
    with pytest.raises(PossibleDuplicateError) as exc:
        customer_create(data=data, by=adviser_user, channel=Channel.PHONE)
    assert [c.pk for c in exc.value.matches] == [first.pk]
    assert Customer.objects.count() == 1
    second = customer_create(data=data, by=adviser_user, channel=Channel.PHONE, allow_duplicate=True)
    assert second.pk != first.pk
    assert AuditEvent.objects.get(target_id=str(second.pk)).detail["confirmed_despite_duplicates"] is True


def test_same_name_alone_is_not_a_duplicate(adviser_user):
    customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    other = {**VALID, "email": "other@example.org", "phone": "", "postcode": "OX4 1AA"}
    assert customer_create(data=other, by=adviser_user, channel=Channel.PHONE)


def test_update_records_what_changed_and_refreshes_search_keys(adviser_user):
    customer = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    customer_update(customer=customer, data={"last_name": "McDonald", "postcode": "ox2 6gg"},
                    by=adviser_user, channel=Channel.FACE_TO_FACE)
    customer.refresh_from_db()
    assert (customer.last_name, customer.postcode, customer.search_last_name, customer.phonetic_last_name) == (
        "McDonald", "OX2 6GG", "mcdonald", "mkdnld")
    audit = AuditEvent.objects.filter(action="update").get()
    assert audit.detail["fields"] == ["last_name", "postcode"]
    assert audit.detail["before"]["postcode"] == "OX1 1DS" and audit.detail["after"]["postcode"] == "OX2 6GG"
    assert customer.interactions.filter(kind="customer.updated", channel=Channel.FACE_TO_FACE).exists()


def test_update_with_the_same_values_records_nothing(adviser_user):
    customer = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    customer_update(customer=customer, data={"postcode": "OX1 1DS", "first_name": "Mary"}, by=adviser_user,
                    channel=Channel.PHONE)
    assert not AuditEvent.objects.filter(action="update").exists()


def test_invalid_update_changes_nothing(adviser_user):
    customer = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    with pytest.raises(ValidationError):
        customer_update(customer=customer, data={"town": "Banbury", "postcode": "<script>"}, by=adviser_user,
                        channel=Channel.PHONE)
    customer.refresh_from_db()
    assert (customer.town, customer.postcode) == ("Oxford", "OX1 1DS")
    assert not AuditEvent.objects.filter(action="update").exists()


def test_update_checks_the_resulting_record_as_a_whole(adviser_user):
    customer = customer_create(data=VALID, by=adviser_user, channel=Channel.PHONE)
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=customer, data={"email": ""}, by=adviser_user, channel=Channel.PHONE)
    assert "email" in exc.value.message_dict


def test_update_refuses_a_tombstone(adviser_user):
    source, survivor = make_customer(), make_customer()
    customer_merge(source=source, survivor=survivor, by=f.UserFactory(roles=["team_leader"]))
    with pytest.raises(CustomerMergedError, match=survivor.reference):
        customer_update(customer=source, data={"town": "Witney"}, by=adviser_user, channel=Channel.PHONE)
    source.refresh_from_db()
    assert source.town == ""


def test_consent_history_is_kept_and_the_latest_wins(adviser_user):
    customer = make_customer()
    wording = "Can we email you council news? You can stop at any time."
    t0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)
    consent_record(customer=customer, purpose="newsletter", granted=True, wording=wording,
                   channel=Channel.PHONE, by=adviser_user, recorded_at=t0)
    consent_record(customer=customer, purpose="newsletter", granted=False, wording=wording,
                   channel=Channel.WEB, by=None, recorded_at=t0 + dt.timedelta(days=3))
    consent_record(customer=customer, purpose="research", granted=True, wording="Research?",
                   channel=Channel.WEB, by=None, recorded_at=t0 + dt.timedelta(days=1))
    assert Consent.objects.filter(customer=customer).count() == 3
    in_force = {c.purpose: c.granted for c in consents_in_force(customer)}
    assert in_force == {"newsletter": False, "research": True}
    first = Consent.objects.filter(customer=customer).order_by("recorded_at").first()
    assert first.recorded_by == adviser_user and first.wording == wording
    assert customer.interactions.filter(kind="consent.withdrawn").exists()


def test_repeating_the_decision_in_force_adds_nothing():
    customer = make_customer()
    for _ in range(2):
        consent_record(customer=customer, purpose="research", granted=True, wording="Research?",
                       channel=Channel.WEB, by=None)
    assert Consent.objects.count() == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"purpose": "sell_data"}, "purpose"), ({"wording": "  "}, "wording"),
    ({"wording": "x" * 2001}, "wording"), ({"channel": "carrier_pigeon"}, "channel"),
])
def test_bad_consent_is_refused(kwargs, field):
    customer = make_customer()
    args = {"purpose": "research", "granted": True, "wording": "Research?", "channel": Channel.WEB, **kwargs}
    with pytest.raises(ValidationError) as exc:
        consent_record(customer=customer, by=None, **args)
    assert field in exc.value.message_dict
    assert not Consent.objects.exists()


def test_bulk_create_fills_references_and_keys_and_normalises():
    rows = [{"first_name": "Ann", "last_name": f"Smith{'e' * (i % 2)}", "postcode": "ox1 1ds",
             "email": f"A{i}@Example.org", "phone": "01865 792422"} for i in range(25)]
    assert customer_bulk_create(rows=iter(rows), batch_size=10) == 25
    customers = list(Customer.objects.all())
    assert len({c.reference for c in customers}) == 25
    assert all(c.reference.startswith("CU") for c in customers)
    assert {c.phonetic_last_name for c in customers} == {"smt"}
    assert {c.postcode for c in customers} == {"OX1 1DS"} and {c.phone for c in customers} == {"+441865792422"}
    assert Customer.objects.filter(email="a3@example.org").exists()


def test_bulk_create_never_reuses_a_reference(monkeypatch):
    existing = make_customer()
    # The generator first offers the existing reference and a repeat, then fresh ones.
    offers = iter([existing.reference, "CUAAAAAAAA", "CUAAAAAAAA", "CUCCCCCCCC"])
    monkeypatch.setattr(services, "new_customer_reference", lambda: next(offers))
    assert customer_bulk_create(rows=[{"last_name": "A"}, {"last_name": "B"}]) == 2
    assert set(Customer.objects.values_list("reference", flat=True)) == {existing.reference, "CUAAAAAAAA", "CUCCCCCCCC"}


def test_bulk_create_names_the_bad_row():
    with pytest.raises(ValidationError, match="Row 2"):
        customer_bulk_create(rows=[{"postcode": "OX1 1DS"}, {"postcode": "nonsense"}])


def test_ensure_for_user_creates_once():
    user = f.UserFactory(full_name="Jo Bloggs")
    first = customer_ensure_for_user(user=user, by=user)
    assert customer_ensure_for_user(user=user, by=user).pk == first.pk
    assert (first.first_name, first.last_name, first.phonetic_last_name) == ("Jo", "Bloggs", "blgs")


def test_division_follows_the_address(adviser_user, division_a, division_b):
    from oxtom.places.models import PostcodeCentroid

    PostcodeCentroid.objects.create(postcode="OX10 0AB", kind="unit", latitude=51.60, longitude=-1.12)
    customer = customer_create(data={**VALID, "latitude": 52.06, "longitude": -1.34}, by=adviser_user,
                               channel=Channel.PHONE)
    assert customer.division == division_a
    # A new address without coordinates: its postcode's centroid decides.
    customer_update(customer=customer, data={"postcode": "OX10 0AB", "latitude": None, "longitude": None},
                    by=adviser_user, channel=Channel.PHONE)
    customer.refresh_from_db()
    assert customer.division == division_b
    assert "division" in AuditEvent.objects.filter(action="update").latest("occurred_at").detail["fields"]
    # A postcode we can't place leaves the division unknown rather than stale.
    customer_update(customer=customer, data={"postcode": "SW1A 1AA"}, by=adviser_user, channel=Channel.PHONE)
    customer.refresh_from_db()
    assert customer.division is None


def test_a_new_address_drops_the_old_coordinates_and_takes_the_finders_division(adviser_user, division_a, division_b):
    """Issue 10 item 11: the record kept the old address's division (from its coordinates) after a move."""
    from oxtom.places.models import PostcodeCentroid
    from oxtom.places.selectors import division_for_address

    PostcodeCentroid.objects.create(postcode="OX10 0AB", kind="unit", latitude=51.60, longitude=-1.12)
    customer = customer_create(data={**VALID, "latitude": 52.06, "longitude": -1.34}, by=adviser_user,
                               channel=Channel.PHONE)
    assert customer.division == division_a
    # The staff form sends the address, never coordinates.
    customer_update(customer=customer, data={"address_line_1": "2 New Road", "postcode": "ox10 0ab"},
                    by=adviser_user, channel=Channel.PHONE)
    customer.refresh_from_db()
    assert (customer.latitude, customer.longitude) == (None, None)
    assert customer.division == division_b == division_for_address(postcode="OX10 0AB")
    detail = AuditEvent.objects.filter(action="update").latest("occurred_at").detail
    assert {"latitude", "longitude", "division"} <= set(detail["fields"])
    # The same address again changes nothing, and new coordinates with it are kept.
    customer_update(customer=customer, data={"postcode": "OX10 0AB"}, by=adviser_user, channel=Channel.PHONE)
    assert AuditEvent.objects.filter(action="update").count() == 1
    customer_update(customer=customer, data={"postcode": "OX10 0AB", "latitude": 52.06, "longitude": -1.34},
                    by=adviser_user, channel=Channel.PHONE)
    customer.refresh_from_db()
    assert customer.division == division_a


def test_an_unknown_channel_is_refused(adviser_user):
    with pytest.raises(ValidationError) as exc:
        customer_create(data=VALID, by=adviser_user, channel="telepathy")
    assert "channel" in exc.value.message_dict and not Customer.objects.exists()
