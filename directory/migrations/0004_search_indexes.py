"""PostgreSQL search: pg_trgm and a GIN index on the folded search text (substring and typo matching),
a GIN index on the `swedish` tsvector (stemmed full text). On SQLite nothing is needed: search falls back
to a simple contains over the folded text."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS directory_org_search_text_trgm "
    "ON directory_organisation USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS directory_org_search_vector ON directory_organisation USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS directory_org_search_vector",
    "DROP INDEX IF EXISTS directory_org_search_text_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_reference_data")]
    operations = [migrations.RunPython(forward, backward)]
