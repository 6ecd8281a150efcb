"""Seed data for assisted digital: contact reasons and the "carry on online" message.

Seeded by migration 0005 and edited by administrators afterwards: seeding
never overwrites a row that already exists.
"""
from __future__ import annotations

CONTACT_REASONS: list[tuple[str, str]] = [
    ("general-information", "General information about a council service"),
    ("opening-hours", "Opening hours, locations or how to contact a service"),
    ("progress-chase", "Progress of an existing request or case"),
    ("bins-district", "Bins, council tax or housing (district council matters)"),
    ("health-nhs", "Health or NHS matters"),
    ("community-support", "Community support, food or warm spaces"),
    ("payment-query", "A payment or invoice query"),
    ("digital-help", "Help using the website or account"),
    ("complaint-compliment", "Complaint or compliment (passed on)"),
    ("other", "Something else"),
]

# Journeys an adviser can send a link to (code, label, path on the portal).
COACHING_JOURNEYS: list[tuple[str, str, str]] = [
    ("account", "Manage your details and track your requests", "/account/"),
    ("report", "Report a problem", "/report/"),
    ("apply", "Apply for a permit, badge or pass", "/apply/"),
    ("pay", "Pay for a service", "/pay/"),
    ("chat", "Ask us for help by webchat", "/chat/"),
]

TEMPLATE_CODE = "assist-continue-online"

TEMPLATES: list[dict[str, str]] = [
    {
        "code": TEMPLATE_CODE, "channel": "email", "name": "Assisted digital: carry on online",
        "subject": "Carry on online: ((journey))",
        "body": (
            "Dear ((name)),\n\nThank you for contacting Oxfordshire County Council. "
            "As we talked about, you can carry on yourself online at any time:\n\n((journey)): ((link))\n\n"
            "If you get stuck, use the webchat on any page of our website or call us on ((council_phone)).\n\n"
            "Oxfordshire County Council"
        ),
    },
    {
        "code": TEMPLATE_CODE, "channel": "sms", "name": "Assisted digital: carry on online",
        "subject": "",
        "body": "Oxfordshire County Council: as we talked about, you can carry on online: ((journey)) ((link))",
    },
    {
        "code": TEMPLATE_CODE, "channel": "letter", "name": "Assisted digital: carry on online",
        "subject": "Carry on online: ((journey))",
        "body": (
            "Dear ((name)),\n\nAs we talked about, you can do this yourself online next time.\n\n"
            "((journey)): ((link))\n\nYou can use a computer at any Oxfordshire library, where staff can help.\n\n"
            "Yours sincerely,\n\nOxfordshire County Council"
        ),
    },
]


def seed_contact_reasons(model) -> int:
    created = 0
    for position, (code, label) in enumerate(CONTACT_REASONS):
        _, was_created = model.objects.get_or_create(code=code, defaults={"label": label, "position": position * 10})
        created += was_created
    return created


def seed_message_templates(model) -> int:
    created = 0
    for row in TEMPLATES:
        _, was_created = model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]},
        )
        created += was_created
    return created
