"""The directory's generation (migration 0016, directory/facet_cache.py) also changes when an organisation's
municipalities served change — the link table alone, as `organisation.municipalities_served.set(…)`, an
import or a merge write it, touches no organisation row — and when a municipality of the reference table is
renamed: the cached profile facts list the municipalities served, and the cached search and profile show
municipalities' names. The same deferred, once-per-transaction trigger as on the other tables."""

from django.db import migrations

TABLES = [
    "directory_organisation_municipalities_served",
    "directory_municipality",
]

TRIGGER = """
CREATE CONSTRAINT TRIGGER facet_generation AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION directory_facet_generation_bump();
CREATE TRIGGER facet_generation_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION directory_facet_generation_bump();
"""

DROP = """
DROP TRIGGER IF EXISTS facet_generation ON {table};
DROP TRIGGER IF EXISTS facet_generation_truncate ON {table};
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0021_saved_search_forbund"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
