"""Absences from a date-time to a date-time (part days), step 1 of 3: the new columns, and the old ones nullable.

Three migrations, each its own transaction: on PostgreSQL a table whose rows were just updated cannot be
altered in the same transaction ("pending trigger events"). 0010 copies the days into times, 0011 drops the days."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("community", "0008_appointment_resources")]

    operations = [
        migrations.AddField("resourceabsence", "starts_at", models.DateTimeField(null=True)),
        migrations.AddField("resourceabsence", "ends_at", models.DateTimeField(null=True)),
        migrations.AlterField("resourceabsence", "starts_on", models.DateField(null=True)),
        migrations.AlterField("resourceabsence", "ends_on", models.DateField(null=True)),
    ]
