"""The foundation's message templates, seeded by migration 0002 and editable in admin afterwards.

Other apps add their own templates with a data migration of the same shape.
Seeding never overwrites words an administrator has changed.
"""
from __future__ import annotations

DEFAULT_TEMPLATES: list[dict[str, str]] = [
    {
        "code": "generic-update", "channel": "email", "name": "Generic update",
        "subject": "((subject))",
        "body": (
            "Dear ((name)),\n\n((message))\n\n"
            "Your reference is ((reference)).\n\n"
            "Oxfordshire County Council"
        ),
    },
    {
        "code": "generic-update", "channel": "sms", "name": "Generic update",
        "subject": "",
        "body": "Oxfordshire County Council: ((message)) Ref ((reference))",
    },
    {
        "code": "generic-update", "channel": "letter", "name": "Generic update",
        "subject": "((subject))",
        "body": "Dear ((name)),\n\n((message))\n\nYour reference is ((reference)).\n\nYours sincerely,\n\nOxfordshire County Council",
    },
    {
        "code": "account-created", "channel": "email", "name": "Account created",
        "subject": "Your Oxfordshire County Council account",
        "body": (
            "Dear ((name)),\n\nYou have created an account with Oxfordshire County Council. "
            "You can now report problems, apply for services and track your requests online.\n\n"
            "If you did not create this account, call us on ((council_phone)).\n\n"
            "Oxfordshire County Council"
        ),
    },
    {
        "code": "account-created", "channel": "sms", "name": "Account created",
        "subject": "",
        "body": (
            "Oxfordshire County Council: your online account has been created. "
            "If this was not you, call ((council_phone))."
        ),
    },
    {
        "code": "account-created", "channel": "letter", "name": "Account created",
        "subject": "Your Oxfordshire County Council account",
        "body": (
            "Dear ((name)),\n\nAn adviser has created an account for you with Oxfordshire County Council.\n\n"
            "Yours sincerely,\n\nOxfordshire County Council"
        ),
    },
    {
        "code": "staff-alert", "channel": "email", "name": "Alert to a staff mailbox",
        "subject": "((subject))",
        "body": "((message))\n\nThis message was sent by OxTOM.",
    },
]


def seed_templates(template_model) -> int:
    """Create any missing default template; leave edited ones alone. Returns how many were created.

    Takes the model class so the data migration can pass its historical model.
    """
    created = 0
    for row in DEFAULT_TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]},
        )
        created += was_created
    return created
