"""The contract review service: the hub's reviews of a contract before its end are cases on the engine,
in the provision team's queue, requested by the hub officer who opens them (not a resident)."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("provision", "Provision", "Commissioning, suppliers, contracts and spend")
TARGET_WORKING_DAYS = 20


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    if Service.objects.filter(code="contract-review").exists():
        return
    team = teams_ensure(Team, [TEAM])[TEAM[0]]
    Service.objects.create(
        code="contract-review", name="Contract review", kind="request", reference_prefix="CR", team=team,
        description="The hub reviews a contract in its runway: performance evidence, comparison with the "
                    "category's other contracts, value for money and the options (re-tender, extend, in-house, stop)",
        sla_working_days={str(p): TARGET_WORKING_DAYS for p in (1, 2, 3, 4)}, qa_sample_rate=0,
        notify_customer_on_change=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("provision", "0003_supplier_reviews"),
        ("casework", "0013_clock_policy_follow_ons_requesters_tasks"),
        ("accounts", "0003_team_membership_role"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
