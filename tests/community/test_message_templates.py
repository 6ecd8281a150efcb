"""Every message the community app queues for a resident has its own template on email, text and letter, seeded
as data by its migrations; the code sends exactly the placeholders its templates may use, and an administrator's
edit that uses one the code never fills is refused. The codes are read from the app's source, so the check cannot
pass by finding nothing."""
from __future__ import annotations

import pathlib
import re

import pytest

from community import messages
from community.messages import COMMUNITY_TEMPLATES, CONTEXT, community_notify
from community.models import Booking
from community.services import bookings as b
from oxtom.core.links import absolute_reverse
from oxtom.notify.models import MessageTemplate, OutboundMessage
from oxtom.notify.services import SMS_MAX_CHARS
from oxtom.notify.templating import SITE_PLACEHOLDERS, render
from tests import factories as f

from .conftest import make_event
from .test_bookings import book, pay

pytestmark = pytest.mark.django_db
APP = pathlib.Path(messages.__file__).parent
CHANNELS = {"email", "sms", "letter"}


def _sources() -> dict[str, str]:
    return {str(p.relative_to(APP)): p.read_text() for p in APP.rglob("*.py")
            if "migrations" not in p.parts and p.name != "messages.py"}


def codes_queued_in_the_source() -> set[str]:
    """The template codes the app's code queues: `messages.X` constants and literal `template="..."` codes."""
    constants = {name: getattr(messages, name) for name in dir(messages) if name.isupper()
                 and isinstance(getattr(messages, name), str) and getattr(messages, name).startswith("community-")}
    found = set()
    for text in _sources().values():
        found |= {constants[name] for name in re.findall(r"\bmessages\.([A-Z_]+)\b", text) if name in constants}
        found |= set(re.findall(r'template="([a-z0-9-]+)"', text))
        if "FEEDBACK_TEMPLATE" in text:
            found.add(messages.APPOINTMENT_FEEDBACK)
    return found


def test_the_source_is_read_and_queues_no_generic_update():
    queued = codes_queued_in_the_source()
    assert len(queued) >= 19, queued  # not vacuous: the app sends at least this many kinds of message
    for path, text in _sources().items():
        assert "generic-update" not in text, path  # every message has words of its own


def test_every_code_queued_for_a_resident_has_a_template_on_every_channel(migration_data):
    queued = codes_queued_in_the_source() - {"staff-alert"}  # staff-alert: staff addresses, email only
    assert queued == set(CONTEXT), queued ^ set(CONTEXT)
    seeded: dict[str, set[str]] = {}
    for code, channel in MessageTemplate.objects.filter(code__in=queued).values_list("code", "channel"):
        seeded.setdefault(code, set()).add(channel)
    assert {code: CHANNELS for code in queued} == seeded
    assert MessageTemplate.objects.filter(code="staff-alert", channel="email").exists()


def _sample(code: str) -> dict[str, str]:
    """A context as the code sends it, with long but real values."""
    return {key: ("https://oxtom.example.org/account/community/bookings/BKABCD2345/#feedback" if key.endswith("url")
                  else "Monday 12 January 2027 at 10:30am" if key in {"when", "before", "after", "first",
                                                                    "choose_by", "accept_by"}
                  else "x" * 60) for key in CONTEXT[code]}


@pytest.mark.parametrize("row", COMMUNITY_TEMPLATES, ids=lambda r: f"{r['code']}:{r['channel']}")
def test_each_template_uses_only_what_its_code_sends_and_renders(row):
    template = MessageTemplate(**row)
    template.full_clean(validate_unique=False, validate_constraints=False)
    assert set(template.placeholders) <= CONTEXT[row["code"]] | SITE_PLACEHOLDERS
    rendered = render(template, _sample(row["code"]))
    assert "((" not in rendered.body and "))" not in rendered.body
    if row["channel"] == "sms":
        assert len(rendered.body) <= SMS_MAX_CHARS and not row["subject"]
    else:
        assert rendered.subject and rendered.body.startswith("Dear x")


def test_the_code_cannot_send_other_keys_than_its_templates_expect(donna):
    with pytest.raises(ValueError, match="is sent with"):
        community_notify(customer=donna, code=messages.BOOKING_WAITING, context={"name": "Donna"},
                         idempotency_key="test:drift", by=None)
    assert not OutboundMessage.objects.exists()


def test_an_admin_edit_may_use_only_the_codes_placeholders(client, migration_data):
    admin = f.UserFactory(email="templates@example.org", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    template = MessageTemplate.objects.get(code=messages.APPOINTMENT_REMINDER, channel="sms")
    url = f"/django-admin/notify/messagetemplate/{template.pk}/change/"
    form = {"code": template.code, "channel": "sms", "name": template.name, "subject": "",
            "notify_template_id": ""}
    refused = client.post(url, {**form, "body": "Your ((service)) is at ((when)) in ((room_number)). ((reference))"})
    assert refused.status_code == 200 and "This message is sent without ((room_number))" in refused.content.decode()
    template.refresh_from_db()
    assert "room_number" not in template.body
    saved = client.post(url, {**form, "body": "Reminder: ((service)), ((when)), ((where)). Call ((council_phone)). "
                                              "Ref ((reference))"})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.body.startswith("Reminder: ((service))")


# --- the messages added with their templates: the refund and the ask for feedback after an event -------------

def test_an_organiser_cancellation_refunds_and_says_how_much(services, donna, partner, key, notify_templates):
    event = make_event(services["yoga"], price=300)
    booking = book(event, donna, key)
    pay(booking)
    b.event_cancel(event=event, reason="The hall flooded.", by=partner)
    codes = list(OutboundMessage.objects.filter(customer=donna).values_list("template_code", flat=True))
    assert codes.count(messages.BOOKING_REFUNDED) == 1 and messages.EVENT_CANCELLED in codes
    refund = OutboundMessage.objects.get(customer=donna, template_code=messages.BOOKING_REFUNDED)
    assert "£3.00" in refund.body and event.title in refund.body


def test_attending_an_event_asks_for_feedback_once(event, donna, partner, key, notify_templates):
    booking = book(event, donna, key)
    for _ in range(2):  # attendance marked twice: asked once
        b.booking_mark_attendance(event=event, attended_ids={booking.pk}, by=partner)
    asks = OutboundMessage.objects.filter(customer=donna, template_code=messages.EVENT_FEEDBACK)
    url = absolute_reverse("community_account:booking", booking.reference) + "#feedback"
    assert asks.count() == 1 and url in asks.get().body
    assert Booking.objects.get(pk=booking.pk).attended


def test_a_booking_for_the_person_one_cares_for_names_them(event, donna, dorothy, key, notify_templates):
    booking = b.booking_create(event=event, booker=donna, attendee=dorothy, submission_key=key(), by=donna.user)
    message = OutboundMessage.objects.get(customer=donna, template_code=messages.BOOKING_CONFIRMED)
    assert f"booked for {booking.attendee_name}" in message.body and "remind you the day before" in message.body
