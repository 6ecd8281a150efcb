"""Seed the members' enquiry service so councillors can raise enquiries on a fresh install.

The council's response target is the service's SLA table: 10 working days
for every priority until an administrator changes it in the admin. Creates
only what is missing and never overwrites an administrator's edits.
"""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("member-services", "Member services", "Answers councillors' enquiries and routes them to the right service")
TARGET_WORKING_DAYS = 10


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    if Service.objects.filter(code="members-enquiry").exists():
        return
    team = teams_ensure(Team, [TEAM])[TEAM[0]]
    Service.objects.create(
        code="members-enquiry", name="Members' enquiry", kind="enquiry", reference_prefix="ME", team=team,
        description="An enquiry a councillor raises for a constituent or about a place in their division",
        sla_working_days={str(p): TARGET_WORKING_DAYS for p in (1, 2, 3, 4)},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_customer_reply_and_automatic_decision_qa"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
