"""The FOI services' codes move to foi-eir-*: casework's demo keeps its own generic "foi-request" and
"foi-internal-review" example services (worked by the business admin team), which must not be these."""
from django.db import migrations

RENAMES = (("foi-request", "foi-eir-request", "FOI"), ("foi-internal-review", "foi-eir-internal-review", "IR"))


def rename(apps, schema_editor):
    Service = apps.get_model("casework", "Service")
    for old, new, prefix in RENAMES:
        if Service.objects.filter(code=new).exists():
            continue
        Service.objects.filter(code=old, reference_prefix=prefix, team__slug="information-governance").update(code=new)


class Migration(migrations.Migration):
    dependencies = [("foi", "0002_service_team_search_measures")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
