"""The disclosure log's search keeps its tsvector in a stored generated column (PostgreSQL), GIN-indexed.

Ranking needs each match's vector: computed from the text per query (the expression index of 0002) it cost
seconds at 50,000 responses for common words; stored, it is read. PostgreSQL computes it on every insert and
update, so no code writes it. SQLite has neither and searches with LIKE (selectors.search_log).
"""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS foi_published_search")
    schema_editor.execute(
        "ALTER TABLE foi_publishedresponse ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english', search_document)) STORED")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS foi_published_search_vector ON foi_publishedresponse USING GIN (search_vector)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS foi_published_search_vector")
    schema_editor.execute("ALTER TABLE foi_publishedresponse DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("foi", "0003_service_codes_apart_from_the_engine_demo")]
    operations = [migrations.RunPython(forwards, backwards)]
