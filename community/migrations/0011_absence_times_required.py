"""Absences from a date-time to a date-time (part days), step 3 of 3: the days go, the times are required."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("community", "0010_absence_days_to_times")]

    operations = [
        migrations.RemoveIndex("resourceabsence", "resource_absence_days"),
        migrations.RemoveConstraint("resourceabsence", "resource_absence_order"),
        migrations.RemoveField("resourceabsence", "starts_on"),
        migrations.RemoveField("resourceabsence", "ends_on"),
        migrations.AlterField("resourceabsence", "starts_at", models.DateTimeField()),
        migrations.AlterField("resourceabsence", "ends_at", models.DateTimeField()),
        migrations.AlterField("resourceabsence", "reason", models.CharField(
            choices=[("leave", "Leave"), ("training", "Training"), ("sickness", "Sickness"),
                     ("appointment", "Medical or other appointment"), ("other", "Other")],
            default="leave", max_length=12)),
        migrations.AlterModelOptions("resourceabsence", {"ordering": ["starts_at", "id"]}),
        migrations.AddIndex("resourceabsence", models.Index(fields=["resource", "starts_at", "ends_at"],
                                                            name="resource_absence_span")),
        migrations.AddConstraint("resourceabsence", models.CheckConstraint(
            condition=models.Q(starts_at__lt=models.F("ends_at")), name="resource_absence_span_order")),
    ]
