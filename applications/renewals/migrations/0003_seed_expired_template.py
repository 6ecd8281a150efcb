"""Seed the "renewal-expired" message (a term that ended without a renewal or a lapse)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from applications.renewals.messages import seed_renewal_templates

    seed_renewal_templates(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0002_seed_templates"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
