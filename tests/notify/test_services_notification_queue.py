"""notification_queue: channel choice, idempotency, after-commit publishing, loud failures."""
from __future__ import annotations

import pytest
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from oxtom.notify.models import MessageTemplate, OutboundMessage
from oxtom.notify.services import notification_queue
from oxtom.notify.templating import TemplateContextError, TemplateNotFound
from tests import factories as f

pytestmark = pytest.mark.django_db


def queue(customer, context, key="event:1", **kwargs):
    return notification_queue(
        customer=customer, template=kwargs.pop("template", "generic-update"), context=context,
        by=None, idempotency_key=key, **kwargs,
    )


def test_email_preference_writes_a_pending_email(templates, customer, context, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(customer, context)
    assert message.channel == "email"
    assert message.recipient == "rose@example.org"
    assert message.status == OutboundMessage.Status.PENDING
    assert message.subject == "Your parking permit"
    assert "Dear Rose Baker," in message.body and "PP-1234" in message.body
    assert message.attempts == 0
    assert enqueued == [message.pk]
    assert AuditEvent.objects.filter(target_type="notify.outboundmessage", target_id=str(message.pk)).exists()


def test_nothing_is_published_before_commit(templates, customer, context, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(customer, context)
    assert enqueued == []
    assert len(callbacks) == 1


def test_same_idempotency_key_twice_yields_one_message(templates, customer, context, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(customer, context, key="case:7:decided")
        second = queue(customer, {**context, "message": "different"}, key="case:7:decided")
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1
    assert enqueued == [first.pk]


def test_sms_preference_uses_the_mobile_number(templates, context, enqueued):
    customer = f.CustomerFactory(preferred_channel="sms", phone="+447700900555")
    message = queue(customer, context)
    assert (message.channel, message.recipient, message.subject) == ("sms", "+447700900555", "")
    assert message.body == "Oxfordshire County Council: Your permit is ready. Ref PP-1234"


def test_sms_preference_without_a_mobile_falls_back_to_email(templates, context, enqueued):
    customer = f.CustomerFactory(preferred_channel="sms", phone="+441865792422", email="landline@example.org")
    message = queue(customer, context)
    assert (message.channel, message.recipient) == ("email", "landline@example.org")


def test_post_preference_writes_a_letter_with_the_address(templates, context, enqueued):
    customer = f.CustomerFactory(preferred_channel="post", first_name="Sue", last_name="Smith",
                                 address_line_1="1 High Street", town="Witney", postcode="OX28 6AA")
    message = queue(customer, context)
    assert message.channel == "letter"
    assert message.recipient.splitlines() == ["Sue Smith", "1 High Street", "Witney", "OX28 6AA"]


def test_email_preference_without_email_falls_back_to_sms_then_letter(templates, context, enqueued):
    to_sms = f.CustomerFactory(preferred_channel="email", email="", phone="+447700900556")
    assert queue(to_sms, context, key="a").channel == "sms"
    to_letter = f.CustomerFactory(preferred_channel="email", email="", phone="")
    assert queue(to_letter, context, key="b").channel == "letter"


def test_fallback_skips_channels_without_a_template(templates, context, enqueued):
    MessageTemplate.objects.filter(code="generic-update", channel="sms").delete()
    customer = f.CustomerFactory(preferred_channel="sms", phone="+447700900557", email="e@example.org")
    assert queue(customer, context).channel == "email"


def test_no_contact_details_dead_letters_instead_of_undoing_the_event(templates, context, enqueued, django_capture_on_commit_callbacks):
    customer = f.CustomerFactory(email="", phone="", address_line_1="", postcode="")
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(customer, context)
    assert message.status == OutboundMessage.Status.DEAD
    assert "No email address, mobile number or postal address" in message.last_error
    assert enqueued == []
    assert Interaction.objects.filter(customer=customer, kind="notification.failed").count() == 1


def test_explicit_channel_overrides_preference(templates, customer, context, enqueued):
    assert queue(customer, context, channel="sms").channel == "sms"


def test_staff_address_message_has_no_customer(templates, enqueued):
    message = notification_queue(
        customer=None, template="staff-alert", context={"subject": "Queue over SLA", "message": "12 cases late"},
        by=None, idempotency_key="alert:1", to="highways-north@oxfordshire.example",
    )
    assert (message.customer, message.channel, message.recipient) == (None, "email", "highways-north@oxfordshire.example")


def test_staff_message_without_address_is_refused(templates):
    with pytest.raises(ValueError):
        notification_queue(customer=None, template="staff-alert", context={}, by=None, idempotency_key="x")


def test_missing_context_value_queues_nothing(templates, customer):
    with pytest.raises(TemplateContextError):
        queue(customer, {"name": "Rose"})
    assert OutboundMessage.objects.count() == 0


def test_unknown_template_fails_loudly(templates, customer, context):
    with pytest.raises(TemplateNotFound):
        queue(customer, context, template="no-such-message")


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_idempotency_key_must_be_sensible(templates, customer, context, key):
    with pytest.raises(ValueError):
        queue(customer, context, key=key)


def test_hostile_context_is_stored_verbatim_not_interpreted(templates, customer, enqueued):
    hostile = "<script>alert(1)</script>'; DROP TABLE notify_outboundmessage; --"
    message = queue(customer, {"name": hostile, "subject": "s", "message": "m", "reference": "r"})
    message.refresh_from_db()
    assert hostile in message.body
    assert OutboundMessage.objects.count() == 1


def test_messages_for_a_merged_record_go_to_the_survivor(templates, context, enqueued):
    survivor = f.CustomerFactory(email="survivor@example.org")
    tombstone = f.CustomerFactory(email="old@example.org", merged_into=survivor, merged_at=timezone.now())
    message = queue(tombstone, context)
    assert message.customer == survivor and message.recipient == "survivor@example.org"


def test_a_text_longer_than_notify_allows_is_refused(templates, enqueued):
    from oxtom.notify.services import MessageTooLong

    customer = f.CustomerFactory(preferred_channel="sms", phone="+447700900558")
    with pytest.raises(MessageTooLong):
        queue(customer, {"message": "x" * 1000, "reference": "R"})
    assert OutboundMessage.objects.count() == 0


def test_context_values_that_are_not_json_are_stored_as_text(templates, customer, enqueued):
    import datetime as dt
    from decimal import Decimal

    message = queue(customer, {"name": "R", "subject": "S", "message": Decimal("12.50"), "reference": dt.date(2026, 5, 14)})
    message.refresh_from_db()
    assert message.context["message"] == "12.50" and message.context["reference"] == "2026-05-14"
    assert "12.50" in message.body and "2026-05-14" in message.body


@pytest.mark.parametrize("to", ["not-an-email", "<script>@x", "a@" + "b" * 400 + ".org"])
def test_staff_message_to_a_bad_address_is_refused(templates, to):
    with pytest.raises(ValueError):
        notification_queue(customer=None, template="staff-alert", context={"subject": "s", "message": "m"},
                           by=None, idempotency_key="bad-to", to=to)
    assert OutboundMessage.objects.count() == 0
