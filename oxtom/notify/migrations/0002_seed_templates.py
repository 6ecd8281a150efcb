"""Seed the foundation's message templates (generic update, account created, staff alert)."""
from django.db import migrations

from oxtom.notify.defaults import seed_templates


def forwards(apps, schema_editor):
    seed_templates(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
