"""The category pillars of the provision hub and the categories under them, with lead times.

Lead times are the months a re-procurement takes in the category, mobilisation the months a new
supplier needs; together they are the runway before a contract ends (provision/rules.py).
"""
from django.db import migrations

CATEGORIES = (
    ("hesc", "Adult social care", "adult-social-care", 12, 6),
    ("hesc", "Children's services", "childrens-services", 12, 6),
    ("hesc", "Education and schools", "education", 9, 3),
    ("hesc", "Public health", "public-health", 9, 3),
    ("ei", "Highways and transport", "highways-transport", 12, 6),
    ("ei", "Waste and environment", "waste-environment", 12, 6),
    ("ei", "Property and facilities", "property-facilities", 9, 3),
    ("ei", "Construction and capital works", "construction", 12, 3),
    ("cc", "ICT and digital", "ict-digital", 9, 3),
    ("cc", "Professional services", "professional-services", 6, 2),
    ("cc", "Corporate services", "corporate-services", 6, 2),
)


def seed(apps, schema_editor):
    Category = apps.get_model("provision", "Category")
    for pillar, name, slug, lead, mobilise in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"pillar": pillar, "name": name, "lead_time_months": lead,
                                                            "mobilisation_months": mobilise})


class Migration(migrations.Migration):
    dependencies = [("provision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
