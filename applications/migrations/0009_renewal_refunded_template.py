"""Seed the message that tells a holder their renewal was not made and its fee refunded in full."""
from django.db import migrations


def forwards(apps, schema_editor):
    from applications.seed import seed

    seed(apps)  # creates only what is missing: the "renewal-refunded" templates


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0008_entitlement_cancelled'),
        ('notify', '0002_seed_templates'),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
