"""Community measures reach the performance framework: bookings, attendance, waiting-list conversion, feedback."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.models import Booking, Event
from community.services.bookings import booking_cancel, booking_create
from performance import services as perf
from performance.models import Measure, Value
from tests import factories as f

from .conftest import make_event

pytestmark = pytest.mark.django_db
CODES = ["community-bookings", "community-waiting-list-joined", "community-waiting-list-placed",
         "community-feedback-responses", "community-signposted"]


def county(code, month):
    value = Value.objects.filter(measure__code=code, period__start=month, division__isnull=True,
                                 comparator__isnull=True).first()
    return value.value if value else None


def test_measures_are_registered_and_computed(services, key, notify_templates):
    assert set(CODES) <= set(Measure.objects.values_list("code", flat=True))
    event = make_event(services["social"], capacity=1)
    people = []
    for i in range(3):
        user = f.UserFactory(email=f"m{i}@example.org")
        people.append(f.CustomerFactory(user=user, email=user.email))
    first, second, third = (booking_create(event=event, booker=p, submission_key=key(), by=p.user) for p in people)
    booking_cancel(booking=first, by=people[0].user)
    from community.services.bookings import booking_accept_offer

    booking_accept_offer(booking=Booking.objects.get(pk=second.pk), by=people[1].user)
    month = timezone.localdate().replace(day=1)
    result = perf.compute_measures(months=[month], codes=CODES + ["community-waiting-list-conversion"])
    assert not result.errors, result.errors
    assert county("community-bookings", month) == 3
    assert county("community-waiting-list-joined", month) == 2
    assert county("community-waiting-list-placed", month) == 1
