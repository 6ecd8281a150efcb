"""Give the seeded report types' questions sane number bounds and mark the emergency answers.

Only where an administrator has not set them already (the seed never
overwrites); fresh databases get them from portal/seed.py in 0002.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    from portal.seed import BOUNDS, EMERGENCIES

    ReportType = apps.get_model("portal", "ReportType")
    for report_type in ReportType.objects.select_related("service"):
        changed = False
        for question in report_type.questions or []:
            if not isinstance(question, dict):
                continue
            bounds = BOUNDS.get(question.get("code"))
            if bounds and question.get("datatype") == "number" and not {"min", "max"} & set(question):
                question.update(bounds)
                changed = True
            for value in question.get("values") or []:
                emergency = EMERGENCIES.get((report_type.service.code, question.get("code")), ())
                if isinstance(value, dict) and value.get("key") in emergency and "emergency" not in value:
                    value["emergency"] = True
                    changed = True
        if changed:
            report_type.save(update_fields=["questions"])


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_photo_web_sizes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
