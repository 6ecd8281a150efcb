"""Fixtures for the community directory: a small directory around Oxford, a partner, a moderator, an event."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from community.models import Event, Location, Organisation, PartnerMembership, Service
from community.services.directory import clean_service_data, service_apply
from community.taxonomy import seed_taxonomy
from tests import factories as f

_keys = itertools.count()


@pytest.fixture
def key():
    """A fresh submission key each call."""
    return lambda: f"test-key-{next(_keys):06d}-abcdefgh"


@pytest.fixture
def taxonomy(db):
    from community.models import Taxonomy, TaxonomyTerm

    seed_taxonomy(Taxonomy, TaxonomyTerm)


@pytest.fixture
def council(db):
    return Organisation.objects.create(name="Libraries (test)", description="Council libraries",
                                       kind=Organisation.Kind.COUNCIL)


@pytest.fixture
def group(db):
    return Organisation.objects.create(name="Friendship Group (test)", description="Volunteers")


@pytest.fixture
def other_group(db):
    return Organisation.objects.create(name="Another Group (test)", description="Others")


def make_location(org, name, lat, lon, postcode="OX4 1AB"):
    return Location.objects.create(organisation=org, name=name, address_1="1 Test Road", city="Oxford",
                                   postcode=postcode, latitude=lat, longitude=lon)


@pytest.fixture
def places(council):
    """Three libraries: near (Cowley), middle (Oxford centre), far (Banbury)."""
    return {
        "near": make_location(council, "Near Library", 51.7468, -1.2368),
        "middle": make_location(council, "Middle Library", 51.7520, -1.2577),
        "far": make_location(council, "Far Library", 52.0600, -1.3390, postcode="OX16 5DB"),
    }


def make_service(org, name, *, place, terms=("loneliness",), opening="Tuesday 10:00-12:00", by=None, **extra):
    data = {"name": name, "description": f"{name} description", "terms": list(terms), "opening": opening,
            "locations": [str(place.uuid)], "is_free": extra.pop("is_free", True), "status": "active", **extra}
    return service_apply(organisation=org, service=None, data=clean_service_data(data, organisation=org), by=by,
                         summary="test")


@pytest.fixture
def services(taxonomy, group, council, places):
    return {
        "social": make_service(group, "Social Connections", place=places["near"],
                               terms=("loneliness", "older-people"), minimum_age=18),
        "toddlers": make_service(council, "Rhyme Time", place=places["middle"], terms=("early-years",),
                                 opening="Monday 10:30-11:00", maximum_age=5),
        "walks": make_service(council, "Banbury Walks", place=places["far"], terms=("physical-activity",),
                              opening="Wednesday 10:30-11:30"),
        "yoga": make_service(group, "Chair Yoga", place=places["middle"], terms=("carers",), is_free=False,
                             fees="£3 a session", opening="Saturday 11:00-12:00"),
    }


@pytest.fixture
def partner(db, group):
    user = f.UserFactory(email="partner@example.org", roles=["community_partner"], full_name="Pat Partner")
    PartnerMembership.objects.create(user=user, organisation=group)
    return user


@pytest.fixture
def other_partner(db, other_group):
    user = f.UserFactory(email="partner.other@example.org", roles=["community_partner"])
    PartnerMembership.objects.create(user=user, organisation=other_group)
    return user


@pytest.fixture
def moderator(db):
    return f.UserFactory(email="moderator@example.org", roles=["community_moderator"], full_name="Mo Moderator")


def make_event(service, *, days=7, capacity=10, price=0, cutoff=24, location=None):
    starts = timezone.now() + dt.timedelta(days=days)
    return Event.objects.create(service=service, location=location or service.at_locations.first().location,
                                title=service.name, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                                capacity=capacity, price_pence=price, cutoff_hours=cutoff)


@pytest.fixture
def event(services):
    return make_event(services["social"])


@pytest.fixture
def donna(db):
    user = f.UserFactory(email="donna@example.org", full_name="Donna Example")
    customer = f.CustomerFactory(user=user, first_name="Donna", last_name="Example", email=user.email,
                                 postcode="OX4 1AB", latitude=51.7468, longitude=-1.2368, interests=["children"])
    return customer


@pytest.fixture
def dorothy(donna, taxonomy):
    from community.services.people import person_save

    return person_save(customer=donna, person=None, by=donna.user, data={
        "name": "Dorothy", "relationship": "Mother", "age": "81", "needs": ["older-people", "loneliness"],
        "access_needs": "Walking frame"})
