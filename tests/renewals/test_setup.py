"""Wiring: the seeded words, the inbound handler, the beat entries, the admin, the merge allow-list."""
from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from applications.renewals import services
from applications.renewals.messages import RENEWAL_TEMPLATES, TEMPLATE_CODES, seed_renewal_templates
from applications.renewals.models import RenewalInvitation
from oxtom.customers import merge
from oxtom.notify.inbound import inbound_handlers
from oxtom.notify.models import MessageTemplate, OutboundMessage
from oxtom.notify.templating import PLACEHOLDER_RE
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_message_exists_on_every_channel_and_seeding_keeps_edits(catalogue):
    for code in TEMPLATE_CODES:
        assert set(MessageTemplate.objects.filter(code=code).values_list("channel", flat=True)) == {
            "email", "sms", "letter"}
    edited = MessageTemplate.objects.get(code="renewal-invite", channel="sms")
    edited.body = "Edited ((number))"
    edited.save()
    assert seed_renewal_templates(MessageTemplate) == 0
    edited.refresh_from_db()
    assert edited.body == "Edited ((number))"


def test_texts_fit_one_notify_message_with_long_values():
    long_values = {name: "x" * 60 for row in RENEWAL_TEMPLATES for name in PLACEHOLDER_RE.findall(row["body"])}
    for row in RENEWAL_TEMPLATES:
        if row["channel"] == "sms":
            text = PLACEHOLDER_RE.sub(lambda m: long_values[m.group(1)], row["body"])
            assert len(text) <= 918, row["code"]


def test_sms_invite_and_reminder_say_how_to_reply():
    for row in RENEWAL_TEMPLATES:
        if row["code"] in ("renewal-invite", "renewal-reminder") and row["channel"] == "sms":
            assert "Reply YES" in row["body"] and "CHANGE" in row["body"]


def test_inbound_handler_and_beat_entries_are_registered():
    assert "renewals.reply-yes" in dict(inbound_handlers())
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"applications.renewals.tasks.nightly_run", "applications.renewals.tasks.apply_replies"} <= tasks


def test_nothing_points_at_customer_without_a_merge_rule():
    # Invitations reach the customer through the entitlement (moved by the applications app's rule).
    assert merge.unregistered_relations() == []
    assert not any(f.related_model and f.related_model._meta.label == "customers.Customer"
                   for f in RenewalInvitation._meta.get_fields())


def test_admin_lists_invitations_read_only(client, entitlement_factory, today, enqueued,
                                           django_assert_max_num_queries):
    for _ in range(3):
        entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=10))
    services.renewals_run(today=today)
    user = f.UserFactory(email="super@example.org", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get("/django-admin/renewals/renewalinvitation/")
    assert response.status_code == 200 and "BP-T" in response.content.decode()
    invitation = RenewalInvitation.objects.first()
    page = client.get(f"/django-admin/renewals/renewalinvitation/{invitation.pk}/change/")
    assert page.status_code == 200 and invitation.token_hash not in page.content.decode()
    assert client.post(f"/django-admin/renewals/renewalinvitation/{invitation.pk}/delete/").status_code == 403
    assert RenewalInvitation.objects.count() == 3 and OutboundMessage.objects.count() == 3
