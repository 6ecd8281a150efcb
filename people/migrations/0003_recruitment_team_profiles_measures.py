"""The council-wide recruitment team, a starting library of role profiles and the recruitment measures."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("recruitment", "Recruitment", "The council-wide recruitment team: vacancies, the pool of talent, "
                                      "interviews, offers and pre-employment checks")

CRITERIA = ["Knowledge and experience", "Communication", "Working with others", "Values and behaviours"]

PROFILES = [
    dict(title="Customer Service Adviser", grade="Grade 4", directorate="Customers, Culture and Corporate Services",
         summary="Answers residents' calls, webchats and emails first time, and raises cases for the back office.",
         dbs_level="basic", essential_skills=["customer service", "telephone", "case management", "empathy"],
         staff_roles=["adviser"], teams=["contact-centre"]),
    dict(title="Business Support Officer", grade="Grade 5", directorate="Customers, Culture and Corporate Services",
         summary="Part of Business Admin Support: minutes, correspondence, FOI logging and service requests.",
         dbs_level="none", essential_skills=["administration", "minute taking", "microsoft office", "accuracy"],
         staff_roles=["bas_officer"], teams=["business-admin-support"]),
    dict(title="Highways Inspector", grade="Grade 7", directorate="Environment and Highways",
         summary="Inspects roads and footways, assesses defects reported by residents and orders repairs.",
         dbs_level="none", essential_skills=["highways", "risk assessment", "driving licence", "case management"],
         staff_roles=["officer"], teams=["highways-north"]),
    dict(title="Social Worker (Children's Services)", grade="Grade 10", directorate="Children's Services",
         summary="Holds a caseload of children in need and child protection plans; works with families and partners.",
         dbs_level="enhanced_barred", essential_skills=["social work england registration", "safeguarding",
                                                         "assessment", "report writing"],
         staff_roles=["officer"], teams=[]),
    dict(title="Occupational Therapist (Adult Social Care)", grade="Grade 9", directorate="Adult Social Care",
         summary="Assesses adults at home and arranges equipment and adaptations so they can live independently.",
         dbs_level="enhanced_barred", essential_skills=["hcpc registration", "assessment", "moving and handling",
                                                         "driving licence"],
         staff_roles=["officer"], teams=[]),
    dict(title="Library Assistant", grade="Grade 3", directorate="Customers, Culture and Corporate Services",
         summary="Helps people find books and information, runs children's reading sessions and digital help.",
         dbs_level="enhanced", essential_skills=["customer service", "digital skills", "working with children"],
         staff_roles=[], teams=[]),
    dict(title="Performance Analyst", grade="Grade 8", directorate="Resources",
         summary="Computes and explains the council's measures, targets and forecasts.",
         dbs_level="none", essential_skills=["data analysis", "sql", "statistics", "report writing"],
         staff_roles=["performance_analyst"], teams=["performance-insight"]),
    dict(title="Recruitment Co-ordinator", grade="Grade 6", directorate="Resources",
         summary="Runs recruitment from the vacancy request to the appointment, and keeps the pool of talent.",
         dbs_level="none", essential_skills=["recruitment", "organisation", "data protection", "customer service"],
         staff_roles=["recruitment_coordinator"], teams=["recruitment"]),
]


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    RoleProfile = apps.get_model("people", "RoleProfile")
    teams_ensure(Team, [TEAM])
    for row in PROFILES:
        row = dict(row)
        team_slugs = row.pop("teams")
        profile, created = RoleProfile.objects.get_or_create(
            title=row.pop("title"), grade=row.pop("grade"), directorate=row.pop("directorate"),
            defaults={**row, "interview_criteria": CRITERIA})
        if created:
            profile.teams.set(Team.objects.filter(slug__in=team_slugs))
    from people.measures import MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES, owner="Head of HR", directorate="Resources", tom_layer="enabling")


class Migration(migrations.Migration):
    dependencies = [("people", "0002_recruitment"), ("accounts", "0003_team_membership_role"),
                    ("performance", "0007_cabinet_report_publication")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
