from django.db import migrations


def seed(apps, schema_editor):
    from community.taxonomy import seed_taxonomy

    seed_taxonomy(apps.get_model("community", "Taxonomy"), apps.get_model("community", "TaxonomyTerm"))


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
