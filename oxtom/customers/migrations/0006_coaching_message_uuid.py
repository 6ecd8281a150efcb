"""DigitalCoaching.message_id holds an OutboundMessage id, which is a UUID.

Drop and re-add rather than alter: PostgreSQL can't cast bigint to uuid,
and no bigint value was ever valid here (queuing a link failed before this).
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_seed_assisted_digital'),
    ]

    operations = [
        migrations.RemoveField(model_name='digitalcoaching', name='message_id'),
        migrations.AddField(
            model_name='digitalcoaching',
            name='message_id',
            field=models.UUIDField(blank=True, help_text='The notify.OutboundMessage carrying the link', null=True),
        ),
    ]
