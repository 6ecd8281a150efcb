"""Assisted digital services: contacts, acting-for sessions, coaching, webchat. Bad input changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.core.models import AuditEvent
from oxtom.customers import services
from oxtom.customers.models import (
    AssistedSession,
    ChatMessage,
    ContactLog,
    DigitalCoaching,
    Interaction,
    WebChat,
)
from oxtom.customers.selectors import actions_on_behalf_page, customer_search
from oxtom.notify.models import OutboundMessage
from tests import factories as f

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40


# --- contact log -----------------------------------------------------------------------------


def test_contact_log_records_row_timeline_and_audit(adviser, customer, reasons):
    log = services.contact_log(
        customer=customer, reason=reasons["community-support"], outcome="signposted", channel="phone",
        first_contact_resolved=True, by=adviser, signposted_to="Age UK Oxfordshire",
    )
    assert log.division_id == customer.division_id and log.recorded_by == adviser
    assert log.interaction.kind == "contact.logged" and "Age UK Oxfordshire" in log.interaction.summary
    assert log.interaction.channel == "phone" and log.interaction.actor == adviser
    assert AuditEvent.objects.filter(action="create", target_id=str(customer.pk), summary__startswith="Contact logged").exists()


def test_anonymous_contact_is_counted_without_a_timeline(adviser, reasons):
    log = services.contact_log(customer=None, reason=reasons["opening-hours"], outcome="information",
                               channel="face_to_face", first_contact_resolved=True, by=adviser)
    assert log.customer is None and log.interaction is None and ContactLog.objects.count() == 1


@pytest.mark.parametrize("changes, field", [
    ({"outcome": "nonsense"}, "outcome"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"outcome": "signposted", "signposted_to": "  "}, "signposted_to"),
    ({"signposted_to": "x" * 201, "outcome": "signposted"}, "signposted_to"),
    ({"notes": "x" * 2001}, "notes"),
    ({"outcome": "transferred", "first_contact_resolved": True}, "first_contact_resolved"),
    ({"outcome": "resolved", "first_contact_resolved": False}, "first_contact_resolved"),
])
def test_contact_log_bad_input_is_refused_and_nothing_saved(adviser, customer, reasons, changes, field):
    values = dict(customer=customer, reason=reasons["other"], outcome="information", channel="phone",
                  first_contact_resolved=True, by=adviser)
    values.update(changes)
    with pytest.raises(ValidationError) as exc:
        services.contact_log(**values)
    assert field in exc.value.message_dict
    assert ContactLog.objects.count() == 0 and not Interaction.objects.filter(kind="contact.logged").exists()


def test_retired_reason_is_refused(adviser, customer, reasons):
    reason = reasons["other"]
    reason.active = False
    reason.save()
    with pytest.raises(ValidationError):
        services.contact_log(customer=customer, reason=reason, outcome="information", channel="phone",
                             first_contact_resolved=True, by=adviser)


def test_same_submission_key_logs_one_contact(adviser, customer, reasons):
    kwargs = dict(customer=customer, reason=reasons["other"], outcome="resolved", channel="phone",
                  first_contact_resolved=True, by=adviser, submission_key="k" * 30)
    first = services.contact_log(**kwargs)
    second = services.contact_log(**kwargs)
    assert first.pk == second.pk and ContactLog.objects.count() == 1


def test_contact_log_needs_the_permission(resident_a, customer, reasons, councillor_of_division):
    for who in (resident_a, councillor_of_division, None):
        with pytest.raises(PermissionDenied):
            services.contact_log(customer=customer, reason=reasons["other"], outcome="information",
                                 channel="phone", first_contact_resolved=True, by=who)
    assert ContactLog.objects.count() == 0


# --- acting-for sessions ---------------------------------------------------------------------------


def test_session_start_records_who_for_whom_channel_and_expiry(adviser, customer, settings):
    settings.ASSIST_SESSION_MINUTES = 30
    session = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=adviser)
    assert session.adviser == adviser and session.customer == customer and session.channel == "phone"
    assert session.customer_present and session.ended_at is None
    assert session.expires_at - session.started_at == dt.timedelta(minutes=30)
    entry = Interaction.objects.get(kind="assist.session_started")
    assert entry.on_behalf_of and entry.actor == adviser and entry.customer == customer


@pytest.mark.parametrize("who", ["officer_in_team", "team_leader", "resident_a", "councillor_of_division"])
def test_session_start_without_the_role_is_refused(request, customer, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=user)
    assert AssistedSession.objects.count() == 0


def test_session_start_refuses_other_channels_and_tombstones(adviser, customer, other_customer):
    with pytest.raises(ValidationError):
        services.assisted_session_start(customer=customer, channel="email", customer_present=True, by=adviser)
    services.customer_merge(source=other_customer, survivor=customer, by=f.UserFactory(roles=["team_leader"]))
    other_customer.refresh_from_db()
    with pytest.raises(ValidationError):
        services.assisted_session_start(customer=other_customer, channel="phone", customer_present=True, by=adviser)
    assert AssistedSession.objects.count() == 0


def test_a_new_session_replaces_the_advisers_live_one(adviser, customer, other_customer):
    first = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=adviser)
    second = services.assisted_session_start(customer=other_customer, channel="face_to_face",
                                             customer_present=False, by=adviser)
    first.refresh_from_db()
    assert first.ended_at is not None and first.end_reason == "replaced"
    assert second.ended_at is None
    assert AssistedSession.objects.filter(adviser=adviser, ended_at__isnull=True).count() == 1


def test_session_end_is_idempotent(adviser, customer):
    session = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=adviser)
    ended = services.assisted_session_end(session=session, by=adviser)
    again = services.assisted_session_end(session=session, by=adviser)
    assert ended.ended_at == again.ended_at
    assert Interaction.objects.filter(kind="assist.session_ended").count() == 1


def test_update_on_behalf_is_attributed_to_both(adviser, customer):
    services.customer_update(customer=customer, data={"phone": "01865 792422"}, by=adviser, channel="phone",
                             on_behalf_of=True)
    entry = Interaction.objects.get(kind="customer.updated")
    assert entry.customer == customer and entry.actor == adviser and entry.on_behalf_of and entry.channel == "phone"
    rows, _ = actions_on_behalf_page(customer)
    assert entry in rows


# --- coaching ------------------------------------------------------------------------------------------


def test_coaching_queues_the_link_and_records_it(adviser, customer, message_templates, settings):
    settings.SITE_URL = "https://www.example.gov.uk"
    coaching = services.coaching_send(customer=customer, journey="apply", channel="phone", by=adviser)
    message = OutboundMessage.objects.get(pk=coaching.message_id)
    assert "https://www.example.gov.uk/apply/" in message.body
    assert message.idempotency_key == f"assist-coaching:{coaching.pk}"
    assert customer.reference not in message.idempotency_key
    assert Interaction.objects.filter(kind="assist.coached", customer=customer).exists()
    assert coaching.division_id == customer.division_id


@pytest.mark.parametrize("kwargs, field", [
    ({"journey": "../../admin"}, "journey"),
    ({"channel": "telepathy"}, "channel"),
    ({"send_by": "pigeon"}, "send_by"),
])
def test_coaching_bad_input_sends_nothing(adviser, customer, message_templates, kwargs, field):
    values = {"customer": customer, "journey": "apply", "channel": "phone", "by": adviser, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.coaching_send(**values)
    assert field in exc.value.message_dict
    assert DigitalCoaching.objects.count() == 0 and OutboundMessage.objects.count() == 0


def test_coaching_by_text_without_a_phone_is_refused(adviser, message_templates):
    from tests.customers.helpers import make_customer

    no_phone = make_customer(phone="", email="only@example.org")
    with pytest.raises(ValidationError):
        services.coaching_send(customer=no_phone, journey="apply", channel="phone", send_by="sms", by=adviser)
    assert DigitalCoaching.objects.count() == 0


# --- webchat ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("", "Enter a message"),
    ("   ", "Enter a message"),
    ("x" * 1001, "1000 characters or fewer"),
    ("<script>alert(1)</script>", "code or HTML tags"),
    ("hello <img src=x onerror=alert(1)>", "code or HTML tags"),
    ("click javascript:alert(1)", "code or HTML tags"),
    ("&#60;script&#62;", "code or HTML tags"),
    ("bell\x07", "code or HTML tags"),
])
def test_hostile_or_oversized_chat_text_is_refused(text, message):
    with pytest.raises(ValidationError) as exc:
        services.clean_chat_text(text)
    assert message in " ".join(exc.value.messages)


def test_ordinary_text_with_symbols_is_kept():
    assert services.clean_chat_text("  I paid £5 & it's < than I expected :) 3 > 2  ") == \
        "I paid £5 & it's < than I expected :) 3 > 2"


def test_chat_start_links_a_signed_in_resident_and_keeps_path_only(resident_a):
    chat = services.webchat_start(token=TOKEN, message="Help with my permit", page="/apply/permit/?email=a@b.c",
                                  by=resident_a)
    assert chat.customer.user == resident_a and chat.page == "/apply/permit/"
    assert chat.messages.get().body == "Help with my permit"
    again = services.webchat_start(token=TOKEN, message="Help with my permit", page="/", by=resident_a)
    assert again.pk == chat.pk and ChatMessage.objects.count() == 1


@pytest.mark.parametrize("page", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/" + "a" * 300])
def test_chat_page_refuses_other_sites(page):
    chat = services.webchat_start(token=TOKEN, message="hi", page=page, by=None)
    assert chat.page == "" and chat.customer is None


def test_a_hostile_first_message_creates_no_chat():
    with pytest.raises(ValidationError):
        services.webchat_start(token=TOKEN, message="<script>x</script>", page="/", by=None)
    assert WebChat.objects.count() == 0


def test_conversation_wait_time_and_transcript(adviser, resident_a):
    chat = services.webchat_start(token=TOKEN, message="Hello", page="/apply/", by=resident_a)
    with pytest.raises(ValidationError):  # not taken yet
        services.chat_message_add(chat=chat, sender="adviser", message="Hi", by=adviser)
    services.chat_take(chat=chat, by=adviser)
    reply = services.chat_message_add(chat=chat, sender="adviser", message="How can I help?", by=adviser,
                                      client_key="abc")
    dupe = services.chat_message_add(chat=chat, sender="adviser", message="How can I help?", by=adviser,
                                     client_key="abc")
    assert reply.pk == dupe.pk
    chat.refresh_from_db()
    assert chat.answered_at == reply.sent_at and chat.status == "active"
    services.chat_message_add(chat=chat, sender="resident", message="My permit", by=resident_a)
    services.chat_close(chat=chat, by=adviser)
    entry = Interaction.objects.get(kind="webchat.transcript")
    assert entry.customer == chat.customer and "How can I help?" in entry.summary and "My permit" in entry.summary
    with pytest.raises(ValidationError):
        services.chat_message_add(chat=chat, sender="resident", message="still there?", by=resident_a)
    services.chat_close(chat=chat, by=adviser)
    assert Interaction.objects.filter(kind="webchat.transcript").count() == 1


def test_a_second_adviser_cannot_take_or_answer_a_taken_chat(adviser):
    other = f.UserFactory(roles=["adviser"])
    chat = services.webchat_start(token=TOKEN, message="Hello", page="/", by=None)
    services.chat_take(chat=chat, by=adviser)
    with pytest.raises(ValidationError):
        services.chat_take(chat=chat, by=other)
    with pytest.raises(ValidationError):
        services.chat_message_add(chat=chat, sender="adviser", message="me too", by=other)
    with pytest.raises(PermissionDenied):
        services.chat_take(chat=chat, by=f.UserFactory(roles=["officer"]))


def test_session_from_chat_needs_the_residents_consent(adviser, resident_a, resident_b):
    chat = services.webchat_start(token=TOKEN, message="Hello", page="/", by=resident_a)
    services.chat_take(chat=chat, by=adviser)
    with pytest.raises(ValidationError):
        services.assisted_session_start(customer=chat.customer, channel="webchat", customer_present=True,
                                        by=adviser, chat=chat)
    with pytest.raises(ValidationError):  # someone else can't consent for them
        services.chat_consent_to_assist(chat=chat, by=resident_b)
    services.chat_consent_to_assist(chat=chat, by=resident_a)
    session = services.assisted_session_start(customer=chat.customer, channel="webchat", customer_present=True,
                                              by=adviser, chat=chat)
    assert session.chat == chat
    services.chat_close(chat=chat, by=resident_a)
    session.refresh_from_db()
    assert session.ended_at is not None


# --- search by case reference --------------------------------------------------------------------------


def test_search_finds_the_customer_by_case_reference(adviser, customer):
    from tests.casework.factories import CaseFactory, ServiceFactory

    CaseFactory(reference="PP-2026-7KXM3Q", customer=customer, service=ServiceFactory(reference_prefix="PP"))
    for query in ("PP-2026-7KXM3Q", "pp 2026 7kxm3q"):
        result = customer_search(user=adviser, query=query)
        assert result.kind == "case_reference" and result.customers == [customer]
    assert customer_search(user=adviser, query="PP-2026-AAAAAA").customers == []
    assert customer_search(user=f.UserFactory(roles=["resident"]), query="PP-2026-7KXM3Q").customers == []


def test_sweeper_ends_expired_sessions_once(adviser, customer):
    import datetime as _dt

    from django.utils import timezone as tz

    from oxtom.customers.tasks import sweep_assisted

    live = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=adviser)
    other = f.UserFactory(roles=["adviser"])
    stale = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=other)
    AssistedSession.objects.filter(pk=stale.pk).update(expires_at=tz.now() - _dt.timedelta(minutes=1))
    assert sweep_assisted() == {"sessions_expired": 1, "chats_closed": 0}
    assert sweep_assisted()["sessions_expired"] == 0
    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.end_reason == "expired" and stale.ended_at == stale.expires_at and live.ended_at is None


def test_sweeper_closes_idle_chats_with_their_transcript(resident_a):
    import datetime as _dt

    from django.utils import timezone as tz

    idle = services.webchat_start(token="i" * 40, message="anyone?", page="/", by=resident_a)
    busy = services.webchat_start(token="b" * 40, message="hello", page="/", by=None)
    old = tz.now() - _dt.timedelta(hours=3)
    WebChat.objects.update(created_at=old)
    ChatMessage.objects.filter(chat=idle).update(sent_at=old)
    assert services.webchats_close_idle() == 1
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.status == "closed" and busy.status == "waiting"
    assert Interaction.objects.filter(kind="webchat.transcript", customer=idle.customer).exists()


def test_merging_moves_contacts_sessions_coaching_and_chats_to_the_survivor(adviser, customer, other_customer,
                                                                             reasons, message_templates):
    services.contact_log(customer=other_customer, reason=reasons["other"], outcome="information", channel="phone",
                         first_contact_resolved=True, by=adviser)
    services.assisted_session_start(customer=other_customer, channel="phone", customer_present=True, by=adviser)
    services.coaching_send(customer=other_customer, journey="apply", channel="phone", by=adviser)
    chat = services.webchat_start(token="m" * 40, message="hi", page="/", by=None)
    WebChat.objects.filter(pk=chat.pk).update(customer=other_customer)
    services.customer_merge(source=other_customer, survivor=customer, by=f.UserFactory(roles=["team_leader"]))
    for model in (ContactLog, AssistedSession, DigitalCoaching, WebChat):
        assert set(model.objects.values_list("customer_id", flat=True)) == {customer.pk}, model
