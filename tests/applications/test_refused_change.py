"""A refused change of circumstances for a parking permit: a new address the permit cannot follow ends the
old permit (the holder no longer lives there); a refused new vehicle leaves the permit covering the old one."""
from __future__ import annotations

import pytest
from django.utils import timezone

from applications import services as s
from applications.models import Application, ApplicationService, Entitlement
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Channel, Interaction
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import SandboxCharge
from oxtom.payments.providers import sandbox
from oxtom.payments.services import payment_refresh_status

from .conftest import PDF, PERMIT_ANSWERS

pytestmark = pytest.mark.django_db


def _permit(service, customer, key, **answers):
    return s.application_submit(service=service, customer=customer, channel=Channel.WEB, by=customer.user,
                                answers={**PERMIT_ANSWERS, **answers}, evidence=[("vehicle", PDF)],
                                submission_key=key)


def _issued(svc, rose) -> Entitlement:
    application = _permit(svc("parking-permit"), rose, "first")
    started = s.application_payment_start(application=application, return_url="/apply/done/", by=None)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), "4444333322221111")
    payment_refresh_status(payment=started.payment, by=None)
    return Entitlement.objects.get(application=application)


def _change(entitlement, rose, **changes):
    return s.entitlement_change_circumstances(entitlement=entitlement, changes=changes, by=rose.user,
                                              channel=Channel.WEB)


def _refusal(application):
    return OutboundMessage.objects.get(idempotency_key=f"application:{application.pk}:decision:refused").body


def _assert_ended(old, change):
    old.refresh_from_db()
    today = timezone.localdate()
    assert old.status == Entitlement.Status.REVOKED and old.superseded_by is None
    assert old.details["revoked_on"] == today.isoformat()
    assert change.reference in old.details["revoked_reason"] and "12 Cowley Road" in old.details["revoked_reason"]
    assert AuditEvent.objects.filter(target_id=str(old.pk), summary__contains="revoked: holder moved").count() == 1
    assert Interaction.objects.filter(kind="entitlement.revoked", subject_reference=old.number).count() == 1
    body = _refusal(change)
    assert f"your permit {old.number} for that address has ended today" in body
    assert "no longer live at 12 Cowley Road" in body
    return body


@pytest.mark.parametrize("changes, reason", [
    ({"address_line_1": "3 Far Lane", "postcode": "OX10 0AA"}, "not in a residents' parking zone"),
    ({"address_line_1": "1 Canal Wharf", "postcode": "OX4 6ZZ"}, "planning condition"),
])
def test_a_move_the_permit_cannot_follow_ends_it_today(svc, rose, changes, reason):
    old = _issued(svc, rose)
    change = _change(old, rose, **changes)
    assert change.status == Application.Status.REFUSED and reason in " ".join(change.reasons)
    body = _assert_ended(old, change)
    assert reason in body and "We will refund the unused part of its charge" in body and "look again" in body
    assert not Entitlement.objects.filter(status=Entitlement.Status.ACTIVE).exists()

    # The same change sent again is the same application: nothing ended or told twice.
    assert _change(old, rose, **changes) == change
    assert AuditEvent.objects.filter(target_id=str(old.pk), summary__contains="revoked").count() == 1
    assert OutboundMessage.objects.filter(template_code="application-decision",
                                          idempotency_key__contains=f":{change.pk}:").count() == 1


def test_a_move_to_a_household_at_its_limit_ends_the_old_permit(svc, rose, resident_b):
    service = svc("parking-permit")
    old = _issued(svc, rose)
    neighbour = resident_b.customer
    neighbour.address_line_1, neighbour.postcode = "40 Iffley Road", "OX4 1EA"
    neighbour.save()
    for i, reg in enumerate(("JK12 LMN", "KL12 MNP", "LM12 NPR")):
        _permit(service, neighbour, f"neighbour-{i}", vehicle_registration=reg)
    change = _change(old, rose, address_line_1="40 Iffley Road", postcode="OX4 1EA")
    assert change.status == Application.Status.REFUSED and "already has 3 permits" in change.reasons[0]
    _assert_ended(old, change)


def test_the_councils_refund_rule_is_quoted_when_configured(svc, rose):
    service = svc("parking-permit")
    ApplicationService.objects.filter(pk=service.pk).update(
        config={**service.config, "refund_policy": "We refund £5 for each whole month left."})
    old = _issued(svc, rose)
    change = _change(old, rose, address_line_1="3 Far Lane", postcode="OX10 0AA")
    body = _assert_ended(old, change)
    assert "We refund £5 for each whole month left." in body and "contact us quoting" not in body


def test_a_refused_new_vehicle_leaves_the_permit_covering_the_old_one(svc, rose):
    old = _issued(svc, rose)
    change = _change(old, rose, vehicle_registration="WX61 ABC", vehicle_keeper="other")
    assert change.status == Application.Status.REFUSED
    old.refresh_from_db()
    assert old.status == Entitlement.Status.ACTIVE and old.details["vehicle_registration"] == "AB12 CDE"
    assert "revoked_on" not in old.details
    body = _refusal(change)
    assert f"Your permit {old.number} stays as it was: it still covers AB12 CDE until" in body
    assert not Interaction.objects.filter(kind="entitlement.revoked").exists()
