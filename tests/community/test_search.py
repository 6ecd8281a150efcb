"""Finding support: filters, nearest first from a postcode through the indexed box, "For you", constant queries."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Service
from community.selectors import METRES_PER_MILE, Filters, for_you, search_services
from community.services.people import person_save

from .conftest import make_service

pytestmark = pytest.mark.django_db
HOME = (51.7468, -1.2368)


def names(found):
    return [x.service.name for x in found]


def test_nearest_first_within_the_distance(services):
    found, total = search_services(Filters(point=HOME, radius_m=5 * METRES_PER_MILE))
    assert names(found) == ["Social Connections", "Rhyme Time", "Chair Yoga"]  # same place: older entry first
    assert "Banbury Walks" not in names(found) and total == 3
    assert found[0].distance_m < 50 and found[1].distance_m > 1000
    wide, total = search_services(Filters(point=HOME, radius_m=50 * METRES_PER_MILE))
    assert names(wide)[-1] == "Banbury Walks" and total == 4


def test_filters(services):
    assert names(search_services(Filters(needs=("early-years",)))[0]) == ["Rhyme Time"]
    assert "Rhyme Time" not in names(search_services(Filters(age=40))[0])
    assert "Social Connections" not in names(search_services(Filters(age=3))[0])
    assert names(search_services(Filters(day=0))[0]) == ["Rhyme Time"]
    assert names(search_services(Filters(day=1, time=dt.time(11, 0)))[0]) == ["Social Connections"]
    assert names(search_services(Filters(day=1, time=dt.time(12, 0)))[0]) == []
    assert names(search_services(Filters(free=False))[0]) == ["Chair Yoga"]
    assert names(search_services(Filters(q="walks"))[0]) == ["Banbury Walks"]
    assert names(search_services(Filters(q="friendship"))[0]) == ["Chair Yoga", "Social Connections"]  # organisation


def test_hidden_and_inactive_are_not_found(services):
    from community.services.directory import sync_listed

    walks = services["walks"]
    Service.objects.filter(pk=walks.pk).update(status=Service.Status.TEMPORARILY_CLOSED)
    walks.refresh_from_db()
    sync_listed(walks)
    assert "Banbury Walks" not in names(search_services(Filters())[0])
    assert "Banbury Walks" not in names(search_services(Filters(point=HOME, radius_m=80_000))[0])


def test_for_you_matches_needs_of_the_people_cared_for_and_profile_interests(services, donna, dorothy):
    # Donna's interests say "children" (early years), Dorothy's needs say loneliness and older people.
    got = names(for_you(donna))
    assert got[0] == "Social Connections" and "Rhyme Time" in got
    assert "Banbury Walks" not in got and "Chair Yoga" not in got
    person_save(customer=donna, person=None, is_self=True, data={"needs": ["carers"]}, by=donna.user)
    assert "Chair Yoga" in names(for_you(donna))


def test_for_you_without_needs_is_empty(services, resident_a):
    from oxtom.customers.models import Customer

    customer = Customer.objects.get(user=resident_a)
    customer.interests = []
    assert for_you(customer) == []


def test_search_queries_are_constant(services, group, places):
    def count(f):
        with CaptureQueriesContext(connection) as ctx:
            search_services(f)
        return len(ctx)

    cases = [Filters(), Filters(point=HOME), Filters(needs=("loneliness",), day=1, age=30, point=HOME)]
    before = [count(f) for f in cases]
    for i in range(25):
        make_service(group, f"More {i}", place=places["near" if i % 2 else "middle"], terms=("loneliness", "carers"))
    assert [count(f) for f in cases] == before
    assert max(before) <= 6


def test_paging_is_stable_and_bounded(services, group, places):
    for i in range(30):
        make_service(group, f"Group {i:02d}", place=places["near"])
    first, total = search_services(Filters(point=HOME), page=1)
    second, _ = search_services(Filters(point=HOME), page=2)
    assert total == 33 and len(first) == 20 and len(second) == 13
    assert not {x.service.pk for x in first} & {x.service.pk for x in second}
    assert search_services(Filters(), page=10**9)[0] == []
