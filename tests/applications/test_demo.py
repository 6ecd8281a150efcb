"""seed_demo's applications: permits paid through the sandbox, bus passes, one referred badge; idempotent."""
from __future__ import annotations

import datetime as dt

import pytest

from applications.demo import seed_demo_applications
from applications.models import Application, Entitlement
from oxtom.customers.models import Customer
from oxtom.notify.models import OutboundMessage
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def residents(db, county_cover):
    people = [
        f.CustomerFactory(postcode="OX4 1HP", address_line_1="3 Iffley Road", date_of_birth=dt.date(1980, 1, 1)),
        f.CustomerFactory(postcode="OX16 5AA", address_line_1="9 Sheep Street", date_of_birth=dt.date(1985, 1, 1)),
        f.CustomerFactory(postcode="OX10 0AA", address_line_1="1 High Street", date_of_birth=dt.date(1945, 1, 1)),
        f.CustomerFactory(postcode="OX10 0AB", address_line_1="2 High Street", date_of_birth=dt.date(1948, 1, 1)),
        f.CustomerFactory(postcode="OX10 0AD", address_line_1="4 High Street", date_of_birth=dt.date(1990, 1, 1)),
    ]
    return Customer.objects.filter(pk__in=[p.pk for p in people]).order_by("id")


def test_demo_applications(residents, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    assert seed_demo_applications(customers=(residents,)) == 5
    permits = Entitlement.objects.filter(service__code="parking-permit")
    assert permits.count() == 2 and {p.details["zone"] for p in permits} == {"B", "C"}
    assert Entitlement.objects.filter(service__code="bus-pass").count() == 2
    referred = Application.objects.get(status=Application.Status.REFERRED)
    assert referred.service.code == "blue-badge" and referred.case.team.slug == "blue-badge-concessions"
    # History, not news: nothing waits to be sent to demo residents.
    assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).exists()
    assert seed_demo_applications(customers=(residents,)) == 0
    assert Application.objects.count() == 5


def test_demo_refund_due_for_the_permits_officer(db, county_cover, settings, tmp_path):
    from applications.demo import demo_listing, seed_demo_refund_due
    from applications.refunds import refund_due

    settings.MEDIA_ROOT = str(tmp_path)
    f.CustomerFactory(postcode="OX10 0AA", address_line_1="1 High Street", email="out.of.zone@example.net")
    holder = f.CustomerFactory(postcode="OX4 1HP", address_line_1="5 Iffley Road", email="holder@example.net")
    assert seed_demo_refund_due() == 1
    application = Application.objects.get(customer=holder)
    permit = application.entitlements.get()
    assert permit.status == Entitlement.Status.CANCELLED
    due = refund_due(application)
    # Bought four months ago: about two thirds of the charge is due back.
    assert due is not None and 0.6 < due.suggested_pence / due.payment.amount_pence < 0.72
    assert application.case.team.slug == "parking-services" and application.case.title.startswith("Refund due")
    assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).exists()
    assert any(f"staff/applications/{application.reference}/" in line for line in demo_listing("http://x/"))
    assert seed_demo_refund_due() == 0 and Application.objects.count() == 1


def test_demo_permit_issued_with_no_case_for_the_permits_officer_to_revoke(db, county_cover, settings, tmp_path,
                                                                         monkeypatch):
    from applications.demo import demo_listing, seed_demo_revocable_permit
    from applications.refunds import refund_if_ended_today
    from oxtom.cases.services import decide

    # One resident fits here, and the permit service samples a share of automatic approvals for QA at
    # random (those get a case, so the demo passes over them): CI on PostgreSQL drew a sample once.
    monkeypatch.setattr(decide, "qa_should_sample", lambda case: False)

    settings.MEDIA_ROOT = str(tmp_path)
    f.CustomerFactory(postcode="OX10 0AA", address_line_1="1 High Street", email="out.of.zone@example.net")
    holder = f.CustomerFactory(postcode="OX4 1HP", address_line_1="5 Iffley Road", email="holder@example.net")
    assert seed_demo_revocable_permit() == 1
    application = Application.objects.get(customer=holder)
    permit = application.entitlements.get()
    assert application.decided_automatically and application.case is None
    assert permit.status == Entitlement.Status.ACTIVE
    # Bought three months ago: about three quarters of the charge would come back if revoked today.
    assert 0.7 < refund_if_ended_today(permit) / application.payment.amount_pence < 0.8
    assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).exists()
    assert any(permit.number in line for line in demo_listing("http://x/"))
    assert any(f"staff/applications/{application.reference}/" in line for line in demo_listing("http://x/"))
    assert seed_demo_revocable_permit() == 0 and Application.objects.count() == 1
