"""Every message the community app sends a resident, each with its own template on every channel it can go by.

The words are data: seeded by migrations 0007 and 0012 (MessageTemplate rows, code and channel) and edited in the
Django admin afterwards, like the platform's other templates. A message goes by the resident's preferred channel
with the outbox's fallback (text, email, letter; a failed delivery falls back once more), so each code has an
email, a text and a letter template. `CONTEXT` says which placeholders each code is always sent with:
`community_notify` refuses a call that sends other keys, and the app registers them with oxtom.notify.registry
in ready(), so an administrator's edit that uses a placeholder the code never fills is refused at the form
instead of breaking every booking. No message carries more personal data than the resident's name (and, for a
booking for someone they care for, that person's first name as the booker typed it).

Messages to staff and partners' own addresses (moderation outcomes, entries to confirm, the team's alerts) go as
the platform's "staff-alert" email.
"""
from __future__ import annotations

from typing import Any

_SIGN = "Oxfordshire County Council"

BOOKING_CONFIRMED = "community-booking-confirmed"
BOOKING_WAITING = "community-booking-waiting"
BOOKING_OFFERED = "community-booking-offered"
BOOKING_CANCELLED = "community-booking-cancelled"
BOOKING_REMINDER = "community-booking-reminder"
BOOKING_REFUNDED = "community-booking-refunded"
EVENT_CANCELLED = "community-event-cancelled"
EVENT_CHANGED = "community-event-changed"
EVENT_FEEDBACK = "community-event-feedback"
SIGNPOST = "community-signpost"
APPOINTMENT_OFFER = "community-appointment-offer"
APPOINTMENT_BOOKED = "community-appointment-booked"
APPOINTMENT_MOVED = "community-appointment-moved"
APPOINTMENT_MOVED_BY_COUNCIL = "community-appointment-moved-by-council"
APPOINTMENT_REASSIGNED = "community-appointment-reassigned"
APPOINTMENT_CANCELLED = "community-appointment-cancelled"
APPOINTMENT_CANCELLED_BY_COUNCIL = "community-appointment-cancelled-by-council"
APPOINTMENT_REMINDER = "community-appointment-reminder"
APPOINTMENT_FEEDBACK = "community-appointment-feedback"

CONTEXT: dict[str, frozenset[str]] = {code: frozenset(keys.split()) for code, keys in {
    BOOKING_CONFIRMED: "name event who when where booking_url reference",
    BOOKING_WAITING: "name event who when reference",
    BOOKING_OFFERED: "name event who when accept_by booking_url reference",
    BOOKING_CANCELLED: "name event who when reference",
    BOOKING_REMINDER: "name event who when where reference",
    BOOKING_REFUNDED: "name event amount reference",
    EVENT_CANCELLED: "name event when reason reference",
    EVENT_CHANGED: "name event when message reference",
    EVENT_FEEDBACK: "name event who feedback_url reference",
    SIGNPOST: "name service organisation contact reference",
    APPOINTMENT_OFFER: "name service case_reference count first choose_by offer_url note reference",
    APPOINTMENT_BOOKED: "name service when where account_url reference",
    APPOINTMENT_MOVED: "name service before after where reference",
    APPOINTMENT_MOVED_BY_COUNCIL: "name service before after where reference",
    APPOINTMENT_REASSIGNED: "name service when reference",
    APPOINTMENT_CANCELLED: "name service when book_url reference",
    APPOINTMENT_CANCELLED_BY_COUNCIL: "name service when reason book_url reference",
    APPOINTMENT_REMINDER: "name service when where account_url reference",
    APPOINTMENT_FEEDBACK: "name service when feedback_url reference",
}.items()}


def _rows(code: str, name: str, subject: str, email: str, sms: str, letter: str) -> list[dict[str, str]]:
    """A code's three templates: the email and the letter open "Dear ((name))" and sign off; the text is short."""
    return [
        {"code": code, "channel": "email", "name": name, "subject": subject,
         "body": f"Dear ((name)),\n\n{email}\n\nYour reference is ((reference)).\n\n{_SIGN}"},
        {"code": code, "channel": "sms", "name": name, "subject": "",
         "body": f"{_SIGN}: {sms} Ref ((reference))"},
        {"code": code, "channel": "letter", "name": name, "subject": subject,
         "body": f"Dear ((name)),\n\n{letter}\n\nYour reference is ((reference)).\n\nYours sincerely,\n\n{_SIGN}"},
    ]


COMMUNITY_TEMPLATES: list[dict[str, str]] = [
    # Migration 0007's three, as they were seeded.
    {"code": APPOINTMENT_FEEDBACK, "channel": "email", "name": "Book it: feedback after an appointment",
     "subject": "How was your ((service))?",
     "body": "Dear ((name)),\n\nThank you for coming to your ((service)) on ((when)).\n\n"
             "Tell us how it went: rate it from 1 to 5 and add a comment if you like. It takes a minute:\n"
             "((feedback_url))\n\nYour reference is ((reference)).\n\n" + _SIGN},
    {"code": APPOINTMENT_FEEDBACK, "channel": "sms", "name": "Book it: feedback after an appointment",
     "subject": "",
     "body": f"{_SIGN}: thank you for coming to your ((service)). Tell us how it went: ((feedback_url)) "
             "Ref ((reference))"},
    {"code": APPOINTMENT_FEEDBACK, "channel": "letter", "name": "Book it: feedback after an appointment",
     "subject": "How was your ((service))?",
     "body": "Dear ((name)),\n\nThank you for coming to your ((service)) on ((when)).\n\n"
             "You can tell us how it went by signing in to your account at ((feedback_url)) or by calling "
             "((council_phone)).\n\nYour reference is ((reference)).\n\nYours sincerely,\n\n" + _SIGN},
    # Events.
    *_rows(BOOKING_CONFIRMED, "Community event: booking confirmed", "Booked: ((event))",
           "((event)) is booked for ((who)): ((when)) at ((where)).\n\nWe will remind you the day before. You can "
           "see or cancel the booking, and add it to your calendar, at ((booking_url))",
           "((event)) is booked for ((who)): ((when)) at ((where)). We will remind you the day before.",
           "((event)) is booked for ((who)): ((when)) at ((where)).\n\nWe will remind you the day before. To cancel, "
           "sign in at ((booking_url)) or call ((council_phone))."),
    *_rows(BOOKING_WAITING, "Community event: on the waiting list", "Waiting list: ((event))",
           "((event)) on ((when)) is full, so ((who)) is on the waiting list. If a place comes free we will offer it "
           "to you.",
           "((event)) on ((when)) is full, so ((who)) is on the waiting list. We will offer you any place that comes "
           "free.",
           "((event)) on ((when)) is full, so ((who)) is on the waiting list. If a place comes free we will offer it "
           "to you."),
    *_rows(BOOKING_OFFERED, "Community event: a place offered from the waiting list", "A place for you: ((event))",
           "A place has come free on ((event)) on ((when)) for ((who)). Accept it by ((accept_by)) at "
           "((booking_url)) or it goes to the next person.",
           "a place has come free on ((event)) on ((when)) for ((who)). Accept it by ((accept_by)) at "
           "((booking_url)) or it goes to the next person.",
           "A place has come free on ((event)) on ((when)) for ((who)). Accept it by ((accept_by)) at "
           "((booking_url)) or by calling ((council_phone)), or it goes to the next person."),
    *_rows(BOOKING_CANCELLED, "Community event: booking cancelled by the organiser", "Cancelled: ((event))",
           "The organiser has cancelled the booking for ((who)) on ((event)) on ((when)). If you paid, the money "
           "will be refunded.",
           "the organiser has cancelled the booking for ((who)) on ((event)) on ((when)). If you paid, it will be "
           "refunded.",
           "The organiser has cancelled the booking for ((who)) on ((event)) on ((when)). If you paid, the money "
           "will be refunded."),
    *_rows(BOOKING_REMINDER, "Community event: reminder the day before", "Reminder: ((event)) tomorrow",
           "A reminder that ((who)) is booked on ((event)): ((when)) at ((where)).",
           "a reminder that ((who)) is booked on ((event)): ((when)) at ((where)).",
           "A reminder that ((who)) is booked on ((event)): ((when)) at ((where))."),
    *_rows(BOOKING_REFUNDED, "Community event: refund after the organiser cancelled", "Refund: ((event))",
           "The organiser cancelled ((event)), so we have refunded ((amount)) to the card you paid with. It can take "
           "up to 5 working days to reach your account.",
           "we have refunded ((amount)) for ((event)), which the organiser cancelled. It can take up to 5 working "
           "days to arrive.",
           "The organiser cancelled ((event)), so we have refunded ((amount)) to the card you paid with. It can take "
           "up to 5 working days to reach your account."),
    *_rows(EVENT_CANCELLED, "Community event: event cancelled by the organiser", "Cancelled: ((event))",
           "((event)) on ((when)) has been cancelled: ((reason))\n\nIf you paid, the money will be refunded.",
           "((event)) on ((when)) has been cancelled: ((reason)) If you paid, it will be refunded.",
           "((event)) on ((when)) has been cancelled: ((reason))\n\nIf you paid, the money will be refunded."),
    *_rows(EVENT_CHANGED, "Community event: the organiser's message about a change", "Change to ((event))",
           "The organiser of ((event)) on ((when)) has sent this message:\n\n((message))",
           "about ((event)) on ((when)): ((message))",
           "The organiser of ((event)) on ((when)) has sent this message:\n\n((message))"),
    *_rows(EVENT_FEEDBACK, "Community event: feedback after attending", "How was ((event))?",
           "Thank you for going to ((event)) (booked for ((who))). Tell us how it went: rate it from 1 to 5 and add a "
           "comment if you like. The organiser and the council read every rating:\n((feedback_url))",
           "thank you for going to ((event)). Tell us how it went: ((feedback_url))",
           "Thank you for going to ((event)) (booked for ((who))). You can tell us how it went by signing in at "
           "((feedback_url)) or by calling ((council_phone))."),
    # Signposting by an adviser.
    *_rows(SIGNPOST, "Community directory: details an adviser sent", "Support: ((service))",
           "As we talked about, here are the details of ((service)), run by ((organisation)).\n\nContact: "
           "((contact))",
           "((service)) (((organisation))). Contact: ((contact))",
           "As we talked about, here are the details of ((service)), run by ((organisation)).\n\nContact: "
           "((contact))"),
    # Book it: council appointments.
    *_rows(APPOINTMENT_OFFER, "Book it: times offered from a case", "Choose a time: ((service))",
           "((note))For your case ((case_reference)) we can offer ((count)) for a ((service)), the first on "
           "((first)). Choose one by ((choose_by)) at ((offer_url)) (or in your account).",
           "choose a time for your ((service)) (case ((case_reference))) by ((choose_by)): ((offer_url))",
           "((note))For your case ((case_reference)) we can offer ((count)) for a ((service)), the first on "
           "((first)). Choose one by ((choose_by)) at ((offer_url)) or call ((council_phone))."),
    *_rows(APPOINTMENT_BOOKED, "Book it: appointment booked", "Booked: ((service))",
           "Your ((service)) is booked for ((when)), ((where)).\n\nYou can move or cancel it in your account: "
           "((account_url))",
           "your ((service)) is booked for ((when)), ((where)). To move or cancel: ((account_url))",
           "Your ((service)) is booked for ((when)), ((where)).\n\nTo move or cancel it, sign in at ((account_url)) "
           "or call ((council_phone))."),
    *_rows(APPOINTMENT_MOVED, "Book it: appointment moved", "Moved: ((service))",
           "Your ((service)) has moved from ((before)) to ((after)), ((where)).",
           "your ((service)) has moved from ((before)) to ((after)), ((where)).",
           "Your ((service)) has moved from ((before)) to ((after)), ((where))."),
    *_rows(APPOINTMENT_MOVED_BY_COUNCIL, "Book it: appointment moved by the council", "Moved: ((service))",
           "We have moved your ((service)) from ((before)) to ((after)), ((where)). If the new time does not suit "
           "you, you can move it again in your account or call ((council_phone)).",
           "we have moved your ((service)) from ((before)) to ((after)), ((where)).",
           "We have moved your ((service)) from ((before)) to ((after)), ((where)). If the new time does not suit "
           "you, call ((council_phone))."),
    *_rows(APPOINTMENT_REASSIGNED, "Book it: someone else will see you", "Changed: ((service))",
           "Someone else will see you for your ((service)) on ((when)): the time and place are the same. The "
           "reference below is new.",
           "someone else will see you for your ((service)) on ((when)): the time and place are the same (new reference)",
           "Someone else will see you for your ((service)) on ((when)): the time and place are the same. The "
           "reference below is new."),
    *_rows(APPOINTMENT_CANCELLED, "Book it: appointment cancelled by you", "Cancelled: ((service))",
           "Your ((service)) on ((when)) is cancelled. You can book another time at ((book_url))",
           "your ((service)) on ((when)) is cancelled. Book another time: ((book_url))",
           "Your ((service)) on ((when)) is cancelled. You can book another time at ((book_url)) or by calling "
           "((council_phone))."),
    *_rows(APPOINTMENT_CANCELLED_BY_COUNCIL, "Book it: appointment cancelled by the council", "Cancelled: ((service))",
           "We have cancelled your ((service)) on ((when)): ((reason)). We are sorry. You can book another time at "
           "((book_url))",
           "we have cancelled your ((service)) on ((when)): ((reason)). Book another time: ((book_url))",
           "We have cancelled your ((service)) on ((when)): ((reason)). We are sorry. You can book another time at "
           "((book_url)) or by calling ((council_phone))."),
    *_rows(APPOINTMENT_REMINDER, "Book it: reminder before an appointment", "Reminder: ((service))",
           "A reminder of your ((service)) on ((when)), ((where)).\n\nTo move or cancel it: ((account_url))",
           "a reminder of your ((service)) on ((when)), ((where)). To move or cancel: ((account_url))",
           "A reminder of your ((service)) on ((when)), ((where)).\n\nTo move or cancel it, sign in at "
           "((account_url)) or call ((council_phone))."),
]


def community_notify(*, customer, code: str, context: dict[str, Any], idempotency_key: str, by: Any,
                     channel: str | None = None):
    """Queue a community message (oxtom.notify.services.notification_queue) with exactly the keys CONTEXT names
    for its code, so the templates and the code cannot drift apart unnoticed."""
    from oxtom.notify.services import notification_queue

    expected = CONTEXT[code]
    if set(context) != expected:
        raise ValueError(f"{code} is sent with {sorted(expected)}, not {sorted(context)}")
    return notification_queue(customer=customer, template=code, context=context, by=by,
                              idempotency_key=idempotency_key, channel=channel)


def register_placeholders() -> None:
    """Tell the notify app which placeholders each community template may use (called from ready())."""
    from oxtom.notify.registry import register_placeholders as register

    for code, names in CONTEXT.items():
        register(code, names)


def seed_community_templates(template_model) -> int:
    """Create the missing community templates; never overwrite an administrator's wording."""
    created = 0
    for row in COMMUNITY_TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]})
        created += was_created
    return created
