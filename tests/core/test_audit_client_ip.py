"""Audit events record the client's address (oxtom/core/audit.py, oxtom/core/clientip.py).

Through the real middleware stack and a real audited staff page: the socket's address
by default, the trusted proxy's header only as far as TRUSTED_PROXY_COUNT allows, and
nothing at all for work outside a request.
"""
from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from oxtom.core.audit import AuditClientAddressMiddleware, audit_record, audit_record_many
from oxtom.core.models import AuditEvent
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return make_customer(first_name="Sam", last_name="Taylor", email="sam.ip@example.org", postcode="OX4 1AA")


def _view_event(client, customer, **headers):
    AuditEvent.objects.all().delete()
    response = client.get(reverse("customers:record", args=[customer.reference]), **headers)
    assert response.status_code == 200
    return AuditEvent.objects.get(action="view", target_id=str(customer.pk))


def test_a_staff_view_records_the_sockets_address(client_for, adviser, customer):
    event = _view_event(client_for(adviser), customer, REMOTE_ADDR="198.51.100.7")
    assert event.client_ip == "198.51.100.7" and event.actor == adviser


def test_the_forwarded_header_is_ignored_without_a_trusted_proxy(client_for, adviser, customer, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    event = _view_event(client_for(adviser), customer, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert event.client_ip == "10.0.0.5"


def test_behind_one_trusted_proxy_the_client_is_the_last_hop_and_spoofs_are_ignored(client_for, adviser, customer,
                                                                                     settings):
    settings.TRUSTED_PROXY_COUNT = 1
    event = _view_event(client_for(adviser), customer, REMOTE_ADDR="10.0.0.5",
                        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert event.client_ip == "203.0.113.9"
    event = _view_event(client_for(adviser), customer, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert event.client_ip == "10.0.0.5"  # garbage in the header falls back to the socket


def test_ipv6_addresses_are_stored(client_for, adviser, customer):
    event = _view_event(client_for(adviser), customer, REMOTE_ADDR="2001:db8::1")
    assert event.client_ip == "2001:db8::1"


def test_a_change_made_by_a_service_during_a_request_carries_the_address(client_for, adviser, customer):
    """Services take an actor, not a request: the address comes through the middleware's context."""
    from tests.customers.test_views import PERSON

    data = {**PERSON, "first_name": "Sam", "last_name": "Taylor", "email": "sam.ip@example.org",
            "phone": "", "postcode": "ox2 6gg", "channel": "face_to_face"}
    response = client_for(adviser).post(reverse("customers:edit", args=[customer.reference]), data,
                                        REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302
    update = AuditEvent.objects.get(action="update", target_id=str(customer.pk))
    assert "postcode" in update.detail["fields"] and update.client_ip == "192.0.2.44"


def test_outside_a_request_no_address_is_recorded(adviser, customer):
    event = audit_record(by=adviser, action="view", target=customer, summary="From a task")
    assert event.client_ip is None


def test_the_address_does_not_outlive_the_request(adviser, customer):
    def view(request):
        audit_record(by=adviser, action="view", target=customer, summary="in")
        audit_record_many([{"action": "view", "target_type": "x.y", "target_id": 1}], by=adviser)
        from django.http import HttpResponse

        return HttpResponse()

    AuditClientAddressMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="192.0.2.1"))
    assert set(AuditEvent.objects.values_list("client_ip", flat=True)) == {"192.0.2.1"}
    after = audit_record(by=adviser, action="view", target=customer, summary="after")
    assert after.client_ip is None


def test_an_explicit_request_wins_and_a_missing_socket_address_stores_nothing(adviser, customer):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.9")
    assert audit_record(by=adviser, action="view", target=customer, request=request).client_ip == "192.0.2.9"
    request.META["REMOTE_ADDR"] = ""
    assert audit_record(by=adviser, action="view", target=customer, request=request).client_ip is None
