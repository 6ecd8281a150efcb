"""The messages the performance framework sends (through oxtom/notify's outbox), seeded by migration."""
from __future__ import annotations

CABINET_PUBLISHED = "cabinet-report-published"

TEMPLATES: list[dict[str, str]] = [
    {
        "code": CABINET_PUBLISHED, "channel": "email", "name": "Cabinet performance report published (to members)",
        "subject": "Performance report for Cabinet: ((month))",
        "body": (
            "Dear ((name)),\n\nThe performance report for Cabinet for ((month)) has been approved and published. "
            "((exceptions)) measures are exceptions (off target or getting worse).\n\n"
            "Read it, and compare it with the month before, in the members' area:\n((link))\n\n"
            "Oxfordshire County Council performance and insight team"
        ),
    },
]


def seed_templates(template_model) -> int:
    """Create the missing templates; never overwrite an administrator's wording."""
    created = 0
    for row in TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]})
        created += was_created
    return created
