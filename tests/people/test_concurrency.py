"""Two candidates pressing "Book this time" for the same slot at the same moment: one gets it (PostgreSQL)."""
from __future__ import annotations

import threading

import pytest

from people import services
from people.models import InterviewSlot, PanelBooking

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_simultaneous_bookings_of_one_slot_make_one_booking(at_interview):
    from django.db import connection
    from django.test import Client

    from tests.conftest import require

    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "simultaneous requests need PostgreSQL (set DATABASE_URL)")
    vacancy, applications, slots = at_interview
    services.slots_offer(vacancy=vacancy, by=vacancy.coordinator)
    urls = [f"/jobs/interview/{services.candidate_link('interview', a.pk)}/" for a in applications]
    clients = [Client() for _ in urls]
    barrier = threading.Barrier(len(urls))
    codes: list[int] = []

    def send(client, url):
        try:
            barrier.wait()
            codes.append(client.post(url, {"slot": slots[0].pk}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c, u)) for c, u in zip(clients, urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 302]  # one booked (redirect), one told the time has gone
    assert InterviewSlot.objects.get(pk=slots[0].pk).application_id in {a.pk for a in applications}
    assert PanelBooking.objects.filter(starts_at=slots[0].starts_at).count() == 2  # Jane and Pat, once each
