"""The FOI services on the engine (the request and its internal review), the information governance team,
the disclosure log's full-text index (PostgreSQL), and the FOI measures."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure

TEAM = ("information-governance", "Information Governance", "FOI and EIR requests, the disclosure log and "
        "internal reviews")
TWENTY = {str(p): 20 for p in (1, 2, 3, 4)}


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    team = teams_ensure(Team, [TEAM])[TEAM[0]]
    common = dict(kind="request", team=team, sla_working_days=TWENTY, calendar="any_uk_nation", qa_sample_rate=0,
                  notify_customer_on_change=False)
    if not Service.objects.filter(code="foi-eir-request").exists():
        Service.objects.create(
            code="foi-eir-request", name="FOI or EIR request", reference_prefix="FOI",
            description="A request for recorded information (Freedom of Information Act 2000) or environmental "
                        "information (Environmental Information Regulations 2004): 20 working days, bank holidays "
                        "in any UK nation excluded; a clarification restarts the clock; one extension "
                        "(public interest for FOI, to 40 working days for EIR)",
            clock_pauses_for_customer=True, clock_restarts_for_customer=True, max_extensions=1,
            max_extension_working_days=20, **common)
    if not Service.objects.filter(code="foi-eir-internal-review").exists():
        Service.objects.create(
            code="foi-eir-internal-review", name="FOI internal review", reference_prefix="IR",
            description="A review of an FOI or EIR response, decided by someone not involved in it: 20 working days",
            different_decider=True, **common)


def index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite searches words with LIKE (selectors.search_log)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS foi_published_search ON foi_publishedresponse "
        "USING GIN (to_tsvector('english', search_document))")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS foi_published_search")


def measures(apps, schema_editor):
    from bas.foi.measures import DERIVED, MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Information Governance Manager", directorate="Resources",
                    tom_layer="enabling")


class Migration(migrations.Migration):
    dependencies = [
        ("foi", "0001_initial"),
        ("casework", "0014_paused_count_indexes"),
        ("accounts", "0003_team_membership_role"),
        ("performance", "0007_cabinet_report_publication"),
    ]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(index, unindex),
        migrations.RunPython(measures, migrations.RunPython.noop),
    ]
