"""The MASH team and its referral service on the case engine (safeguarding: urgent, a day to screen)."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("mash", "Multi-Agency Safeguarding Hub (MASH)",
        "Screens safeguarding referrals about children from police, schools, health and the public")


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    team = teams_ensure(Team, [TEAM])[TEAM[0]]
    if not Service.objects.filter(code="mash-referral").exists():
        Service.objects.create(
            code="mash-referral", name="Safeguarding referral (MASH)", reference_prefix="SG", kind="request",
            team=team, description="A multi-agency safeguarding referral about a child: screened within one working "
            "day to no further action, early help or a social care assessment. Special category: the MASH team only.",
            sla_working_days={str(p): 1 for p in (1, 2, 3, 4)}, qa_sample_rate=0, notify_customer_on_change=False)


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0003_mash_referrals_weekly_scoring"),
        ("casework", "0014_paused_count_indexes"),
        ("accounts", "0003_team_membership_role"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
