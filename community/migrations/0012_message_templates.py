"""Seed a template for every message the community app sends, on email, text and letter (community/messages.py).

Until now most went as the generic update, so their words could not be changed without a release. Existing rows
(an administrator's wording) are left alone.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    from community.messages import seed_community_templates

    seed_community_templates(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("community", "0011_absence_times_required"), ("notify", "0005_delivery_status")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
