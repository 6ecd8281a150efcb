"""A holder may cancel a permit, badge or pass ("cancelled"); seed the messages for an early end and a refund."""
from django.db import migrations, models


def forwards(apps, schema_editor):
    from applications.seed import seed

    seed(apps)  # creates only what is missing: the "entitlement-ended" and "refund-made" templates


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0007_text_when_decided'),
        ('notify', '0002_seed_templates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='entitlement',
            name='status',
            field=models.CharField(choices=[('active', 'Active'), ('expired', 'Expired'), ('lapsed', 'Lapsed'), ('revoked', 'Revoked'), ('cancelled', 'Cancelled'), ('superseded', 'Replaced')], default='active', max_length=12),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
