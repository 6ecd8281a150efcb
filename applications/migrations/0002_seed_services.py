"""Seed the parking permit, blue badge and bus pass services, their case services, teams and messages."""
from django.db import migrations


def forwards(apps, schema_editor):
    from applications.seed import seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("casework", "0006_triage"),
        ("notify", "0002_seed_templates"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
