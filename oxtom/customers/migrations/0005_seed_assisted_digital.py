"""Seed contact reasons and the "carry on online" message template (never overwriting edits)."""
from django.db import migrations

from oxtom.customers.assist_defaults import seed_contact_reasons, seed_message_templates


def forwards(apps, schema_editor):
    seed_contact_reasons(apps.get_model("customers", "ContactReason"))
    seed_message_templates(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_assisted_digital"), ("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
