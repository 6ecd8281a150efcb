"""The business admin measures in the performance registry (computed by bas/measures.py)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from bas.measures import DERIVED, MEASURES
    from performance.registry import measures_ensure

    measures_ensure(apps.get_model("performance", "Measure"), apps.get_model("performance", "MeasureVersion"),
                    MEASURES + DERIVED, owner="Business Administration Support Service Manager",
                    directorate="Customers, Organisational Development and Resources", tom_layer="enabling")


class Migration(migrations.Migration):
    dependencies = [("bas", "0002_menu_directorates_teams"), ("performance", "0007_cabinet_report_publication")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
