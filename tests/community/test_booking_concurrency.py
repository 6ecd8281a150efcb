"""50 people booking the last 10 places at the same moment get exactly 10 bookings and 40 waiting-list places.

Real threads on PostgreSQL (each its own connection); skipped on SQLite locally, failed under REQUIRE_SERVICES=1.
On SQLite the same code is serialised by IMMEDIATE transactions, which the second test checks one by one.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from community.models import Booking, Event
from community.services.bookings import booking_create
from tests import factories as f
from tests.conftest import require

from .conftest import make_event


def _people(n):
    out = []
    for i in range(n):
        user = f.UserFactory(email=f"racer{i}@example.org")
        out.append(f.CustomerFactory(user=user, email=user.email))
    return out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_people_at_once_for_the_last_ten_places(services, notify_templates):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the booking concurrency test needs PostgreSQL (set DATABASE_URL)")
    event = make_event(services["social"], capacity=30)
    Event.objects.filter(pk=event.pk).update(taken=20)  # ten places left
    people = _people(50)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def work(i):
        try:
            start.wait(timeout=60)
            booking_create(event=event, booker=people[i], submission_key=f"race-{i:03d}-abcdefghijkl",
                           by=people[i].user)
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    statuses = list(Booking.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(Booking.Status.CONFIRMED) == 10
    assert statuses.count(Booking.Status.WAITING) == 40
    event.refresh_from_db()
    assert event.taken == 30


@pytest.mark.django_db
def test_the_counter_never_passes_capacity(services):
    event = make_event(services["social"], capacity=3)
    people = _people(5)
    made = [booking_create(event=event, booker=p, submission_key=f"seq-{i:03d}-abcdefghijkl", by=p.user)
            for i, p in enumerate(people)]
    assert [b.status for b in made].count(Booking.Status.CONFIRMED) == 3
    event.refresh_from_db()
    assert event.taken == 3
