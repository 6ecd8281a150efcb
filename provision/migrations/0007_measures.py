"""The provision measures in the performance registry (computed by provision/measures.py)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from performance.registry import measures_ensure
    from provision.measures import DERIVED, DIRECTORATE, MEASURES, OWNER

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner=OWNER, directorate=DIRECTORATE, tom_layer="provision")


class Migration(migrations.Migration):
    dependencies = [("provision", "0006_contract_modifications"), ("performance", "0007_cabinet_report_publication")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
