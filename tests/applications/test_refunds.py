"""Refunds: a permit ended early (a refused move) has its unused term refunded by an officer from the
application page, through the payments provider, audited, told to the resident, and never twice."""
from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Entitlement
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Refund, SandboxCharge

from .conftest import officer_of
from .test_refused_change import _change, _issued

pytestmark = pytest.mark.django_db
MOVE_AWAY = {"address_line_1": "3 Far Lane", "postcode": "OX10 0AA"}


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


@pytest.fixture
def ended(svc, rose):
    old = _issued(svc, rose)
    change = _change(old, rose, **MOVE_AWAY)
    old.refresh_from_db()
    assert old.status == Entitlement.Status.REVOKED
    return old, change


def test_the_refusal_says_we_will_refund_not_contact_us(ended):
    old, change = ended
    body = OutboundMessage.objects.get(idempotency_key=f"application:{change.pk}:decision:refused").body
    assert "We will refund the unused part of its charge" in body and "contact us quoting" not in body


def test_officer_refunds_the_unused_term_once(client, ended, parking_officer):
    old, change = ended
    client.force_login(parking_officer)
    url = reverse("applications:assess", args=[change.reference])
    html = client.get(url).content.decode()
    assert "Refund to the card" in html and old.number in html
    payment = old.application.payment
    post = {"amount": "30.00", "reason": "Moved out of the zone", "submission_key": "k" * 24}
    response = client.post(reverse("applications:refund", args=[change.reference]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    payment.refresh_from_db()
    assert payment.refunded_pence == 3000
    charge = SandboxCharge.objects.get(payment_id=payment.provider_payment_id)
    assert charge.refunded == 3000  # through the provider
    assert AuditEvent.objects.filter(summary__startswith="Refunded £30.00").count() == 1
    told = OutboundMessage.objects.filter(idempotency_key__startswith="refund:")
    assert told.count() == 1 and "£30.00" in told.get().body
    # The same form again (double click): refunded once.
    client.post(reverse("applications:refund", args=[change.reference]), post)
    payment.refresh_from_db()
    assert payment.refunded_pence == 3000 and Refund.objects.count() == 1
    assert "Moved out of the zone" in client.get(url).content.decode()


@pytest.mark.parametrize("amount, message", [
    ("", "Enter the amount to refund"), ("abc", "Enter the amount in pounds"), ("0", "at least 1p"),
    ("-5", "at least 1p"), ("1.234", "pounds and pence"), ("99999", "at most"),
])
def test_bad_amounts_refund_nothing(client, ended, parking_officer, amount, message):
    old, change = ended
    client.force_login(parking_officer)
    response = client.post(reverse("applications:refund", args=[change.reference]),
                           {"amount": amount, "reason": "Moved", "submission_key": "m" * 24})
    assert response.status_code == 400 and message in response.content.decode()
    assert Refund.objects.count() == 0


def test_others_cannot_refund(client, ended, officer_in_team, resident_a):  # highways, not parking
    old, change = ended
    url = reverse("applications:refund", args=[change.reference])
    data = {"amount": "5.00", "reason": "x", "submission_key": "o" * 24}
    client.force_login(officer_in_team)
    assert client.post(url, data).status_code == 404
    client.force_login(resident_a)
    assert client.post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302  # to sign in
    assert Refund.objects.count() == 0


def test_nothing_to_refund_on_an_active_permit(client, svc, rose, parking_officer):
    old = _issued(svc, rose)
    change = _change(old, rose, vehicle_registration="XY12 ZZZ")
    client.force_login(parking_officer)
    if change.case is not None:
        html = client.get(reverse("applications:assess", args=[change.reference])).content.decode()
        assert "Refund to the card" not in html
