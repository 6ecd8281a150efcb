"""The casework service that post with no customer and no case is routed on: the post room officer asks for it
as staff (the engine's staff requester), and the chosen team's queue receives it. Data an administrator then
edits in the catalogue (its target, its name); the post room finds it by code."""
from django.db import migrations

from bas.seed import DEFAULT_TEAM

CODE = "bas-post-for-team"


def seed(apps, schema_editor):
    from oxtom.accounts.seeding import teams_ensure

    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    team = teams_ensure(Team, [DEFAULT_TEAM])[DEFAULT_TEAM[0]]
    Service.objects.get_or_create(code=CODE, defaults=dict(
        name="Post to action", kind="request", reference_prefix="PT",
        description="A letter or document the post room could match to no customer and no case (a supplier's "
                    "invoice, a letter without a reference), sent to the team that deals with it",
        team=team, sla_working_days={str(p): 10 for p in (1, 2, 3, 4)}, qa_sample_rate=0,
        notify_customer_on_change=False))


class Migration(migrations.Migration):
    dependencies = [
        ("bas_intake", "0001_initial"),
        ("bas", "0002_menu_directorates_teams"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
