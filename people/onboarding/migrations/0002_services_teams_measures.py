"""The three staff services on the case engine, the teams that work them, and the onboarding measures.

Staff onboarding and leavers are worked by the recruitment team (HR); staff IT requests by the ICT service desk.
Each case's requester is a member of staff (the hiring manager, the leaver's manager, the person asking).
"""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAMS = [
    ("recruitment", "Recruitment", "The council-wide recruitment team: vacancies, the pool of talent, onboarding"),
    ("ict-service-desk", "ICT service desk", "Staff password resets and access to the council's systems"),
    ("finance", "Finance", "Budget monitoring, forecasts, accounts payable and month-end close"),
]
SERVICES = [
    # code, name, prefix, team, working days, description
    ("staff-onboarding", "Staff onboarding", "SO", "recruitment", 20,
     "A new starter from the accepted offer to the end of their first week: buddy, e-learning, day-one items "
     "and access"),
    ("staff-leaver", "Staff leaver", "SL", "recruitment", 10,
     "A member of staff leaving: handover, equipment returned, exit questionnaire, sign-in closed"),
    ("staff-it-access", "Staff IT request", "IT", "ict-service-desk", 2,
     "A password reset or access to a council system, asked for by a member of staff and confirmed by their manager"),
]


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    teams = teams_ensure(Team, TEAMS)
    for code, name, prefix, team, days, description in SERVICES:
        if Service.objects.filter(code=code).exists():
            continue
        Service.objects.create(code=code, name=name, kind="request", reference_prefix=prefix, team=teams[team],
                               description=description, sla_working_days={str(p): days for p in (1, 2, 3, 4)},
                               qa_sample_rate=0, notify_customer_on_change=False)
    from people.onboarding.measures import DERIVED, MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Head of HR", directorate="Resources", tom_layer="enabling")


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0001_starters_leavers_access"),
        ("casework", "0014_paused_count_indexes"),
        ("accounts", "0003_team_membership_role"),
        ("performance", "0007_cabinet_report_publication"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
