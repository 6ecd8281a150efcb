"""Admin: templates are editable (with placeholder checks); outbox rows are read-only with a retry action."""
from __future__ import annotations

import pytest

from oxtom.customers import merge
from oxtom.notify.models import MessageTemplate, OutboundMessage
from oxtom.notify.services import notification_queue
from oxtom.notify.tasks import sweep_outbox
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = f.UserFactory(email="super@example.org", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_template_edit_with_a_broken_placeholder_is_refused(superuser_client, templates):
    template = MessageTemplate.objects.get(code="generic-update", channel="sms")
    url = f"/django-admin/notify/messagetemplate/{template.pk}/change/"
    response = superuser_client.post(url, {
        "code": template.code, "channel": template.channel, "name": template.name, "subject": "",
        "body": "Hello ((first name)", "notify_template_id": "",
    })
    assert response.status_code == 200
    assert "Placeholders must look like ((first_name))" in response.content.decode()
    template.refresh_from_db()
    assert "((first name)" not in template.body


def test_template_edit_with_good_placeholders_is_saved(superuser_client, templates):
    template = MessageTemplate.objects.get(code="generic-update", channel="sms")
    url = f"/django-admin/notify/messagetemplate/{template.pk}/change/"
    response = superuser_client.post(url, {
        "code": template.code, "channel": template.channel, "name": template.name, "subject": "",
        "body": "OCC: ((message)) (ref ((reference)))", "notify_template_id": "",
    })
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.placeholders == ["message", "reference"]


def test_outbox_admin_lists_and_filters_dead_letters(superuser_client, templates, enqueued):
    message = notification_queue(customer=f.CustomerFactory(), template="generic-update", by=None,
                                 idempotency_key="admin:1",
                                 context={"name": "N", "subject": "S", "message": "M", "reference": "R"})
    OutboundMessage.objects.filter(pk=message.pk).update(status="dead", last_error="ChannelError: x")
    response = superuser_client.get("/django-admin/notify/outboundmessage/?status__exact=dead")
    assert response.status_code == 200
    assert str(message.pk) in response.content.decode()
    assert superuser_client.get("/django-admin/notify/outboundmessage/add/").status_code == 403


def test_admin_retry_action_requeues_dead_messages(superuser_client, templates, enqueued, django_capture_on_commit_callbacks):
    message = notification_queue(customer=f.CustomerFactory(), template="generic-update", by=None,
                                 idempotency_key="admin:2",
                                 context={"name": "N", "subject": "S", "message": "M", "reference": "R"})
    OutboundMessage.objects.filter(pk=message.pk).update(status="dead", attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post("/django-admin/notify/outboundmessage/", {
            "action": "retry_dead", "_selected_action": [str(message.pk)]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    assert enqueued[-1] == message.pk


def test_notify_relations_to_customer_are_in_the_merge_allow_list():
    missing = [name for name in merge.unregistered_relations() if name.startswith("notify.")]
    assert missing == []
    moves = merge.registered_moves()
    assert ("notify.outboundmessage", "customer") in moves and ("notify.inboundsms", "customer") in moves


def test_sweep_task_is_the_one_beat_schedules(settings, enqueued):
    assert settings.CELERY_BEAT_SCHEDULE["notify-sweep-outbox"]["task"] == sweep_outbox.name
    assert sweep_outbox.run(older_than_seconds=0) == {"requeued": 0, "expired_leases": 0, "dead_lettered": 0}
