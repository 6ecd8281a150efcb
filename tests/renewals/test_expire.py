"""Terms that pass their expiry with no renewal step to end them (never invited, or the holder said something
changed and never finished) are ended by the nightly run: `expired`, one message, once."""
from __future__ import annotations

import datetime as dt

import pytest

from applications.models import Entitlement
from applications.renewals import services
from applications.renewals.models import RenewalInvitation
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db
State = RenewalInvitation.State


def expired_messages():
    return OutboundMessage.objects.filter(template_code="renewal-expired")


def test_a_term_never_invited_expires_the_day_after_its_last_day_once(entitlement_factory, today, enqueued):
    ent = entitlement_factory("bus-pass", expires_on=today - dt.timedelta(days=3), email="ex@example.org")
    last_day = entitlement_factory("bus-pass", expires_on=today, email="last@example.org")
    first = services.renewals_run(today=today)
    assert first.expired == 1
    ent.refresh_from_db()
    last_day.refresh_from_db()
    assert ent.status == Entitlement.Status.EXPIRED and ent.version == 2
    assert last_day.status == Entitlement.Status.ACTIVE, "still valid on its last day"
    [message] = expired_messages()
    assert message.customer_id == ent.customer_id
    assert ent.number in message.body and "no longer valid" in message.body and "/apply/bus-pass/" in message.body
    assert Interaction.objects.filter(kind="entitlement.expired", subject_id=str(ent.pk)).count() == 1
    assert AuditEvent.objects.filter(target_id=str(ent.pk), summary__contains="expired").count() == 1

    again = services.renewals_run(today=today)
    assert again.expired == 0
    assert expired_messages().count() == 1
    assert Interaction.objects.filter(kind="entitlement.expired").count() == 1


def test_many_expire_in_batches(entitlement_factory, today, enqueued):
    ents = [entitlement_factory("parking-permit", expires_on=today - dt.timedelta(days=1 + i % 5))
            for i in range(7)]
    assert services.renewals_run(today=today, batch_size=3).expired == 7
    assert Entitlement.objects.filter(pk__in=[e.pk for e in ents], status="expired").count() == 7
    assert expired_messages().count() == 7
    assert services.renewals_run(today=today, batch_size=3).expired == 0


def test_a_holder_who_said_something_changed_and_never_finished_expires(entitlement_factory, today, enqueued):
    due = today - dt.timedelta(days=1)
    ent = entitlement_factory("bus-pass", expires_on=due)
    services.renewals_run(today=due - dt.timedelta(days=10))  # invited
    RenewalInvitation.objects.filter(entitlement=ent).update(state=State.CHANGED, reply="change")
    assert services.renewals_run(today=today).expired == 1
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.EXPIRED and expired_messages().count() == 1


def test_terms_other_steps_end_are_not_expired_again(entitlement_factory, today, enqueued):
    due = today - dt.timedelta(days=1)
    no_reply = entitlement_factory("bus-pass", expires_on=due)
    paying = entitlement_factory("parking-permit", expires_on=due)
    services.renewals_run(today=due - dt.timedelta(days=10))
    RenewalInvitation.objects.filter(entitlement=paying).update(state=State.AWAITING_PAYMENT, reply="yes")
    result = services.renewals_run(today=today)
    assert result.lapsed == 1 and result.expired == 0
    no_reply.refresh_from_db()
    paying.refresh_from_db()
    assert no_reply.status == Entitlement.Status.LAPSED
    assert paying.status == Entitlement.Status.EXPIRED  # renewals_expire_in_hand: payment may still renew it
    assert not expired_messages().exists()


def test_superseded_revoked_and_lapsed_terms_are_left_alone(entitlement_factory, today, enqueued):
    past = today - dt.timedelta(days=30)
    for status in (Entitlement.Status.SUPERSEDED, Entitlement.Status.REVOKED, Entitlement.Status.LAPSED):
        entitlement_factory("bus-pass", expires_on=past, status=status)
    assert services.renewals_run(today=today).expired == 0
    assert not Entitlement.objects.filter(status="expired").exists() and not expired_messages().exists()


def test_no_reminder_for_a_term_revoked_after_its_invitation(entitlement_factory, today, enqueued):
    # A permit ended by a refused change of address (applications) keeps its open invitation.
    due = today + dt.timedelta(days=10)
    ent = entitlement_factory("parking-permit", expires_on=due)
    assert services.renewals_run(today=due - dt.timedelta(days=20)).invited == 1
    Entitlement.objects.filter(pk=ent.pk).update(status=Entitlement.Status.REVOKED)
    assert services.renewals_run(today=due - dt.timedelta(days=3)).reminded == 0
    assert not OutboundMessage.objects.filter(template_code="renewal-reminder").exists()
