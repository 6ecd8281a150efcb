"""The community measures in the performance registry (computed by community/measures.py)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from community.measures import DERIVED, MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Head of Communities", directorate="Public Health and Communities",
                    tom_layer="front_office")


class Migration(migrations.Migration):
    dependencies = [("community", "0003_booking_from_waiting_list"), ("performance", "0007_cabinet_report_publication")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
