"""The community messages with words of their own, seeded by migration 0007 and editable in admin afterwards.

Most community messages go as "generic-update"; the ask for feedback after an appointment has its own
template so its wording (and a GOV.UK Notify template id) can be changed without a release. No message
carries more personal data than the resident's name.
"""
from __future__ import annotations

_SIGN = "Oxfordshire County Council"

COMMUNITY_TEMPLATES: list[dict[str, str]] = [
    {"code": "community-appointment-feedback", "channel": "email", "name": "Book it: feedback after an appointment",
     "subject": "How was your ((service))?",
     "body": "Dear ((name)),\n\nThank you for coming to your ((service)) on ((when)).\n\n"
             "Tell us how it went: rate it from 1 to 5 and add a comment if you like. It takes a minute:\n"
             "((feedback_url))\n\nYour reference is ((reference)).\n\n" + _SIGN},
    {"code": "community-appointment-feedback", "channel": "sms", "name": "Book it: feedback after an appointment",
     "subject": "",
     "body": f"{_SIGN}: thank you for coming to your ((service)). Tell us how it went: ((feedback_url)) "
             "Ref ((reference))"},
    {"code": "community-appointment-feedback", "channel": "letter", "name": "Book it: feedback after an appointment",
     "subject": "How was your ((service))?",
     "body": "Dear ((name)),\n\nThank you for coming to your ((service)) on ((when)).\n\n"
             "You can tell us how it went by signing in to your account at ((feedback_url)) or by calling "
             "((council_phone)).\n\nYour reference is ((reference)).\n\nYours sincerely,\n\n" + _SIGN},
]


def seed_community_templates(template_model) -> int:
    """Create the missing community templates; never overwrite an administrator's wording."""
    created = 0
    for row in COMMUNITY_TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]})
        created += was_created
    return created
