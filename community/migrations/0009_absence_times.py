"""Absences from a date-time to a date-time (part days), not only whole days.

Each whole-day absence becomes local midnight of its first day to local midnight after its last day
(Europe/London, so a day across a clock change keeps its 23 or 25 hours). Reversible: a part-day absence
going back becomes the whole days it touches."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations, models

LONDON = ZoneInfo("Europe/London")


def to_times(apps, schema_editor):
    ResourceAbsence = apps.get_model("community", "ResourceAbsence")
    for absence in ResourceAbsence.objects.all().iterator():
        absence.starts_at = dt.datetime.combine(absence.starts_on, dt.time.min, tzinfo=LONDON)
        absence.ends_at = dt.datetime.combine(absence.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
        absence.save(update_fields=["starts_at", "ends_at"])


def to_days(apps, schema_editor):
    ResourceAbsence = apps.get_model("community", "ResourceAbsence")
    for absence in ResourceAbsence.objects.all().iterator():
        absence.starts_on = absence.starts_at.astimezone(LONDON).date()
        absence.ends_on = (absence.ends_at - dt.timedelta(microseconds=1)).astimezone(LONDON).date()
        absence.save(update_fields=["starts_on", "ends_on"])


class Migration(migrations.Migration):

    dependencies = [("community", "0008_appointment_resources")]

    operations = [
        migrations.AddField("resourceabsence", "starts_at", models.DateTimeField(null=True)),
        migrations.AddField("resourceabsence", "ends_at", models.DateTimeField(null=True)),
        migrations.AlterField("resourceabsence", "starts_on", models.DateField(null=True)),
        migrations.AlterField("resourceabsence", "ends_on", models.DateField(null=True)),
        migrations.RunPython(to_times, to_days),
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
