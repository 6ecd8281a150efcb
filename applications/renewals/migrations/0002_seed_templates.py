"""Seed the renewal messages (never overwriting words an administrator has changed)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from applications.renewals.messages import seed_renewal_templates

    seed_renewal_templates(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0001_initial"),
        ("notify", "0002_seed_templates"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
