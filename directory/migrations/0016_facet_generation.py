"""A generation number for the directory's facet counts (directory/facet_cache.py): PostgreSQL triggers give
it a new value whenever a transaction that changed an organisation, its services, a certification or a
service category commits, however the change was written (a save, a queryset update, a bulk import, raw
SQL). On SQLite (the embedded default) nothing is created and the counts are not cached."""

from django.db import migrations

TABLES = [
    "directory_organisation",
    "directory_organisation_services",
    "directory_certification",
    "directory_servicecategory",
]

CREATE = """
CREATE SEQUENCE directory_facet_generation_seq;
CREATE TABLE directory_facet_generation (id smallint PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
INSERT INTO directory_facet_generation VALUES (1, nextval('directory_facet_generation_seq'));
-- Once per transaction (a transaction-local mark), at commit: the new number becomes visible together with
-- the change. A sequence value is never handed out twice, so a rolled-back transaction's number is never
-- the number of committed data.
CREATE FUNCTION directory_facet_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('directory.facet_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE directory_facet_generation SET n = nextval('directory_facet_generation_seq') WHERE id = 1;
        PERFORM set_config('directory.facet_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$;
"""

# Deferred to commit: the generation row is locked for the moment of the commit only, after every other
# lock the transaction takes, so writers to different organisations neither wait on each other for long
# nor deadlock over it.
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
    schema_editor.execute(CREATE)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP.format(table=table))
    schema_editor.execute("DROP FUNCTION directory_facet_generation_bump(); DROP TABLE directory_facet_generation;")
    schema_editor.execute("DROP SEQUENCE directory_facet_generation_seq;")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0015_approve_certifications_entered_before_approval"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
