"""The complaints team, the two complaint services on the case engine with their clock stages
(the Ombudsman's complaint handling code), and the complaints measures."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("corporate-complaints", "Corporate Complaints", "Corporate complaints at stage 1 and stage 2, and their learning")
# (code, name, prefix, stages [(name, working days)], different decider)
SERVICES = (
    ("complaint-stage-1", "Complaint (stage 1)", "CO", (("Acknowledge", 5), ("Stage 1 response", 10)), False),
    ("complaint-stage-2", "Complaint (stage 2)", "CT", (("Acknowledge", 5), ("Stage 2 final response", 20)), True),
)


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    ServiceStage = apps.get_model("casework", "ServiceStage")
    team = teams_ensure(Team, [TEAM])[TEAM[0]]
    for code, name, prefix, stages, different in SERVICES:
        if Service.objects.filter(code=code).exists():
            continue
        total = sum(days for _, days in stages)
        service = Service.objects.create(
            code=code, name=name, kind="request", reference_prefix=prefix, team=team,
            description="A complaint about a council service, handled under the Local Government and Social Care "
                        "Ombudsman's complaint handling code",
            sla_working_days={str(p): total for p in (1, 2, 3, 4)}, qa_sample_rate=0,
            # The complaints app tells the complainant itself (acknowledgement, response); the engine still
            # sends the extension notice with its reason.
            notify_customer_on_change=False, clock_pauses_for_customer=False,
            max_extensions=1, max_extension_working_days=10, different_decider=different,
        )
        for position, (stage_name, days) in enumerate(stages, start=1):
            ServiceStage.objects.create(service=service, position=position, name=stage_name, working_days=days)


def measures(apps, schema_editor):
    from bas.complaints.measures import DERIVED, MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Corporate Complaints Manager", directorate="Resources",
                    tom_layer="enabling")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_complaints"),
        ("casework", "0014_paused_count_indexes"),
        ("accounts", "0003_team_membership_role"),
        ("performance", "0007_cabinet_report_publication"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop),
                  migrations.RunPython(measures, migrations.RunPython.noop)]
