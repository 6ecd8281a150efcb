"""Absences from a date-time to a date-time (part days), step 2 of 3: whole days become times.

Each whole-day absence becomes local midnight of its first day to local midnight after its last day
(Europe/London, so a day across a clock change keeps its 23 or 25 hours). Reversible: a part-day absence
going back becomes the whole days it touches."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

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

    dependencies = [("community", "0009_absence_times")]

    operations = [migrations.RunPython(to_times, to_days)]
