"""Seed the eight street report types, their response templates and notification templates."""
from django.db import migrations


def forwards(apps, schema_editor):
    from portal.seed import seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("casework", "0006_triage"),
        ("notify", "0002_seed_templates"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
