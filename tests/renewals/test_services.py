"""The renewal run and replies: invite window, reminders, lapse, YES by text, reapply, refusals."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from applications.models import Application, Entitlement
from applications.renewals import services
from applications.renewals.handlers import classify
from applications.renewals.models import RenewalInvitation
from applications.renewals.tokens import hash_token, make_token
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from oxtom.notify.inbound import InboundPayload
from oxtom.notify.models import InboundSms, OutboundMessage
from oxtom.notify.services import inbound_sms_receive
from tests import factories as f

pytestmark = pytest.mark.django_db
State = RenewalInvitation.State


def sms_from(number: str, text: str, n: int = 1) -> tuple[InboundSms, bool]:
    payload = InboundPayload(id=f"test-{number}-{n}-{text[:5]}", source_number=number.lstrip("+"),
                             destination_number="", message=text, date_received=timezone.now())
    return inbound_sms_receive(payload=payload)


def messages(template: str):
    return OutboundMessage.objects.filter(template_code=template)


# --- invitations -------------------------------------------------------------------------------

def test_invites_only_active_entitlements_inside_the_service_window(entitlement_factory, today, enqueued,
                                                                    django_capture_on_commit_callbacks):
    inside = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=28))
    edge_today = entitlement_factory("bus-pass", expires_on=today)
    too_early = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=29))
    expired = entitlement_factory("bus-pass", expires_on=today - dt.timedelta(days=1))
    revoked = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=5),
                                  status=Entitlement.Status.REVOKED)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.renewals_run(today=today)

    invited = set(RenewalInvitation.objects.values_list("entitlement_id", flat=True))
    assert invited == {inside.pk, edge_today.pk}
    assert result.invited == 2
    assert not invited & {too_early.pk, expired.pk, revoked.pk}
    assert messages("renewal-invite").count() == 2
    # The term already past its expiry, never invited, is ended instead (test_expire.py).
    assert result.expired == 1 and messages("renewal-expired").count() == 1
    assert len(enqueued) == 3, "each message published after commit"


def test_invitation_goes_by_preferred_channel_with_reply_words_and_links(entitlement_factory, today, enqueued):
    by_sms = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=20),
                                 preferred_channel="sms", phone="+447700900111", fee_pence=6500)
    by_email = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=20),
                                   preferred_channel="email", email="rose@example.org")

    services.renewals_run(today=today)

    sms = OutboundMessage.objects.get(idempotency_key=f"renewal:{by_sms.pk}:invite")
    assert sms.channel == "sms" and sms.recipient == "+447700900111"
    assert "Reply YES to renew it" in sms.body and "or CHANGE if anything has changed" in sms.body
    assert by_sms.number in sms.body
    email = OutboundMessage.objects.get(idempotency_key=f"renewal:{by_email.pk}:invite")
    token = make_token(by_email.pk, by_email.expires_on)
    assert email.channel == "email" and email.recipient == "rose@example.org"
    assert f"/renew/{token}/" in email.body and f"/renew/{token}/changed/" in email.body
    invitation = RenewalInvitation.objects.get(entitlement=by_email)
    assert invitation.invited_by_channel == "email" and invitation.due == by_email.expires_on
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert RenewalInvitation.objects.get(entitlement=by_sms).invited_by_channel == "sms"


def test_customer_without_contact_details_is_dead_lettered_not_lost(entitlement_factory, today, enqueued):
    ent = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=10), email="", phone="",
                              address_line_1="", postcode="")
    services.renewals_run(today=today)
    message = OutboundMessage.objects.get(idempotency_key=f"renewal:{ent.pk}:invite")
    assert message.status == OutboundMessage.Status.DEAD and "No email address" in message.last_error
    assert RenewalInvitation.objects.filter(entitlement=ent).exists()
    # Advisers see on the record that we could not reach them, as for any single message.
    failed = Interaction.objects.get(customer=ent.customer, kind="notification.failed")
    assert failed.subject_id == str(message.pk) and "could not be sent" in failed.summary
    services.renewals_run(today=today)
    assert Interaction.objects.filter(customer=ent.customer, kind="notification.failed").count() == 1


# --- reminders and lapse -----------------------------------------------------------------------

def test_reminders_on_the_service_days_once_each(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=20)
    ent = entitlement_factory("bus-pass", expires_on=due)
    services.renewals_run(today=today)
    assert services.renewals_run(today=due - dt.timedelta(days=15)).reminded == 0
    assert services.renewals_run(today=due - dt.timedelta(days=14)).reminded == 1
    assert services.renewals_run(today=due - dt.timedelta(days=14)).reminded == 0, "same day again: nothing"
    assert services.renewals_run(today=due - dt.timedelta(days=4)).reminded == 0
    assert services.renewals_run(today=due - dt.timedelta(days=3)).reminded == 1
    assert services.renewals_run(today=due - dt.timedelta(days=1)).reminded == 0
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert (invitation.state, invitation.reminders_sent) == (State.REMINDED, 2)
    keys = sorted(messages("renewal-reminder").values_list("idempotency_key", flat=True))
    assert keys == [f"renewal:{ent.pk}:reminder:1", f"renewal:{ent.pk}:reminder:2"]
    reminder = messages("renewal-reminder").first()
    assert reminder.subject.startswith("Reminder:") and "We have not heard from you" in reminder.body


def test_missed_runs_send_one_reminder_not_one_per_day_missed(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=25)
    entitlement_factory("bus-pass", expires_on=due)
    services.renewals_run(today=today)
    assert services.renewals_run(today=due - dt.timedelta(days=2)).reminded == 1
    assert RenewalInvitation.objects.get().reminders_sent == 2


def test_invited_late_counts_passed_reminder_days_as_covered(entitlement_factory, today, enqueued):
    entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=10))
    services.renewals_run(today=today)
    assert RenewalInvitation.objects.get().reminders_sent == 1
    assert services.renewals_run(today=today).reminded == 0


def test_no_reply_lapses_the_day_after_expiry_with_a_clear_message(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=5)
    ent = entitlement_factory("bus-pass", expires_on=due)
    services.renewals_run(today=today)
    assert services.renewals_run(today=due).lapsed == 0, "still valid on its last day"
    result = services.renewals_run(today=due + dt.timedelta(days=1))
    assert result.lapsed == 1
    ent.refresh_from_db()
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert ent.status == Entitlement.Status.LAPSED and invitation.state == State.LAPSED
    body = messages("renewal-lapsed").get().body
    assert "expired on" in body and "no longer valid" in body and "/apply/bus-pass/" in body
    assert Interaction.objects.filter(kind="entitlement.lapsed", subject_id=str(ent.pk)).count() == 1
    assert services.renewals_run(today=due + dt.timedelta(days=2)).lapsed == 0
    assert messages("renewal-lapsed").count() == 1


# --- replies by text ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind", [("YES", "yes"), (" yes. ", "yes"), ("Yes please", "yes"), ("Y", "yes"),
                                       ("CHANGE", "change"), ("no", "change"), ("What is this?", "other"),
                                       ("", "other"), ("<script>YES</script>", "other")])
def test_classify_reply_words(text, kind):
    assert classify(text) == kind


def test_yes_by_text_renews_a_bus_pass_from_the_day_after_expiry(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=20)
    old = entitlement_factory("bus-pass", expires_on=due, preferred_channel="sms", phone="+447700900222")
    services.renewals_run(today=today)

    inbound, created = sms_from("+447700900222", "YES")

    assert created and inbound.handled_by == ["renewals.reply-yes"]
    old.refresh_from_db()
    new = old.superseded_by
    assert old.status == Entitlement.Status.SUPERSEDED and new.status == Entitlement.Status.ACTIVE
    assert new.starts_on == due + dt.timedelta(days=1)
    assert new.expires_on == dt.date(new.starts_on.year + 5, new.starts_on.month, new.starts_on.day) - dt.timedelta(days=1)
    assert new.customer_id == old.customer_id and new.number.startswith("BP-") and new.number != old.number
    invitation = RenewalInvitation.objects.get(entitlement=old)
    assert (invitation.state, invitation.reply, invitation.reply_channel) == (State.RENEWED, "yes", "sms")
    assert invitation.renewed_entitlement_id == new.pk
    confirmation = messages("renewal-renewed").get()
    assert new.number in confirmation.body and confirmation.channel == "sms"
    assert Interaction.objects.filter(customer=old.customer, kind="entitlement.renewed").count() == 1
    assert Interaction.objects.filter(customer=old.customer, kind="renewal.reply").count() == 1
    assert AuditEvent.objects.filter(target_type="applications.entitlement", target_id=str(new.pk)).exists()


def test_second_yes_renews_nothing_again_and_says_so(entitlement_factory, today, enqueued):
    ent = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=20), phone="+447700900223")
    services.renewals_run(today=today)
    sms_from("+447700900223", "YES", n=1)
    sms_from("+447700900223", "YES", n=2)

    assert Entitlement.objects.filter(customer=ent.customer).count() == 2, "one renewal only"
    assert messages("renewal-renewed").count() == 1
    already = messages("renewal-already").get()
    assert "already renewed" in already.body
    # The same text delivered twice by Notify (same id) is stored and handled once.
    sms_from("+447700900223", "YES", n=2)
    assert messages("renewal-already").count() == 1


def test_yes_from_an_unknown_number_renews_nothing_and_is_audited(entitlement_factory, today, enqueued):
    entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=20), phone="+447700900224")
    services.renewals_run(today=today)
    inbound, _ = sms_from("+447700900999", "YES")
    assert inbound.customer is None and inbound.handled_by == []
    assert not RenewalInvitation.objects.exclude(state=State.INVITED).exists()
    assert Entitlement.objects.filter(status=Entitlement.Status.SUPERSEDED).count() == 0
    refusal = AuditEvent.objects.get(target_type="notify.inboundsms", target_id=str(inbound.pk))
    assert refusal.detail["reason"] == "unknown_number"
    assert OutboundMessage.objects.exclude(template_code="renewal-invite").count() == 0


def test_change_reply_does_not_renew_and_says_how_to_report_the_change(entitlement_factory, today, enqueued):
    ent = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=20), phone="+447700900225",
                              fee_pence=6500)
    services.renewals_run(today=today)
    sms_from("+447700900225", "Change - new car")
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert (invitation.state, invitation.reply) == (State.CHANGED, "change")
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.ACTIVE, "the current permit still runs to its expiry"
    body = messages("renewal-changed").get().body
    assert f"/account/entitlements/{ent.number}/change/" in body and "not renewed" in body
    assert services.renewals_run(today=ent.expires_on - dt.timedelta(days=3)).reminded == 0, "no more reminders"


def test_other_text_with_an_open_invitation_is_taken_as_a_change(entitlement_factory, today, enqueued):
    ent = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=20), phone="+447700900226")
    services.renewals_run(today=today)
    sms_from("+447700900226", "I have moved house")
    assert RenewalInvitation.objects.get(entitlement=ent).state == State.CHANGED


def test_text_from_a_customer_with_nothing_due_is_left_to_other_handlers(entitlement_factory, today, enqueued):
    customer = f.CustomerFactory(phone="+447700900227")
    inbound, _ = sms_from("+447700900227", "hello")
    assert inbound.customer == customer and inbound.handled_by == []


def test_yes_with_two_renewals_open_asks_which(entitlement_factory, today, enqueued):
    customer = f.CustomerFactory(phone="+447700900228")
    entitlement_factory("bus-pass", customer=customer, expires_on=today + dt.timedelta(days=20))
    entitlement_factory("parking-permit", customer=customer, expires_on=today + dt.timedelta(days=21))
    services.renewals_run(today=today)
    sms_from("+447700900228", "YES")
    assert messages("renewal-which").count() == 1
    assert not RenewalInvitation.objects.exclude(state=State.INVITED).exists()


def test_blue_badge_yes_sends_the_prefilled_reapplication_link_never_renews(entitlement_factory, today, enqueued):
    badge = entitlement_factory("blue-badge", expires_on=today + dt.timedelta(days=20), phone="+447700900229",
                                preferred_channel="sms")
    services.renewals_run(today=today)
    assert "start your renewal application" in messages("renewal-invite").get().body
    sms_from("+447700900229", "YES")
    invitation = RenewalInvitation.objects.get(entitlement=badge)
    assert invitation.state == State.REAPPLYING
    badge.refresh_from_db()
    assert badge.status == Entitlement.Status.ACTIVE and badge.superseded_by is None
    body = messages("renewal-reapply").get().body
    assert f"/apply/blue-badge/?renewing={badge.number}" in body
    assert Entitlement.objects.filter(customer=badge.customer).count() == 1


def test_permit_yes_waits_for_payment_with_a_renewal_application(entitlement_factory, today, enqueued):
    permit = entitlement_factory("parking-permit", expires_on=today + dt.timedelta(days=20), phone="+447700900230",
                                 fee_pence=5500, answers={"vehicle_registration": "AB12 CDE", "zone": "B"})
    services.renewals_run(today=today)
    sms_from("+447700900230", "YES")
    invitation = RenewalInvitation.objects.select_related("application").get(entitlement=permit)
    assert invitation.state == State.AWAITING_PAYMENT
    application = invitation.application
    assert (application.kind, application.status, application.fee_pence) == (
        Application.Kind.RENEWAL, Application.Status.AWAITING_PAYMENT, 5500)
    assert application.previous_entitlement_id == permit.pk
    assert application.answers["vehicle_registration"] == "AB12 CDE"
    assert application.details["starts_on"] == (permit.expires_on + dt.timedelta(days=1)).isoformat()
    body = messages("renewal-pay").get().body
    assert "£55.00" in body and f"/renew/{make_token(permit.pk, permit.expires_on)}/" in body
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE, "nothing renewed before the money arrives"
    # Paying later renews it: once the term is superseded the invitation follows.
    Entitlement.objects.filter(pk=permit.pk).update(status=Entitlement.Status.SUPERSEDED)
    assert services.renewals_reconcile() == 1
    assert RenewalInvitation.objects.get(pk=invitation.pk).state == State.RENEWED


def test_yes_after_expiry_lapses_instead_of_renewing(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=3)
    ent = entitlement_factory("bus-pass", expires_on=due, phone="+447700900231")
    services.renewals_run(today=today)
    services.renewals_run(today=due + dt.timedelta(days=1))
    sms_from("+447700900231", "YES")
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.LAPSED
    assert "expired" in messages("renewal-already").get().body


def test_bulk_replies_renew_each_once(entitlement_factory, today, enqueued):
    due = today + dt.timedelta(days=20)
    ents = [entitlement_factory("bus-pass", expires_on=due) for _ in range(30)]
    services.renewals_run(today=today)
    ids = list(RenewalInvitation.objects.values_list("pk", flat=True))
    RenewalInvitation.objects.filter(pk__in=ids).update(reply="yes", reply_channel="sms", replied_at=timezone.now())

    first = services.renewals_apply_replies(invitation_ids=ids)
    again = services.renewals_apply_replies(invitation_ids=ids)

    assert len(first.renewed) == 30 and again.total == 0
    assert Entitlement.objects.filter(status=Entitlement.Status.ACTIVE).count() == 30
    assert Entitlement.objects.filter(pk__in=[e.pk for e in ents], status="superseded").count() == 30
    assert messages("renewal-renewed").count() == 30
    numbers = list(Entitlement.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 60


def test_outbox_context_holds_no_more_than_the_message_needs(entitlement_factory, today, enqueued):
    ent = entitlement_factory("bus-pass", expires_on=today + dt.timedelta(days=20), email="x@example.org")
    services.renewals_run(today=today)
    message = OutboundMessage.objects.get(idempotency_key=f"renewal:{ent.pk}:invite")
    assert message.idempotency_key == f"renewal:{ent.pk}:invite", "ids only in the key"
    assert set(json.loads(json.dumps(message.context))) >= {"name", "number", "expires_on", "renew_url"}
    assert ent.customer.email not in json.dumps(message.context)
