"""The audit log is append-only for the application: on PostgreSQL a trigger refuses UPDATE and DELETE.
(The retention purge of later issues anonymises source records, never audit rows.)"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION asfnet_auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'asfnet_auditlog is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER asfnet_auditlog_append_only
    BEFORE UPDATE OR DELETE ON asfnet_auditlog
    FOR EACH ROW EXECUTE FUNCTION asfnet_auditlog_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS asfnet_auditlog_append_only ON asfnet_auditlog;
DROP FUNCTION IF EXISTS asfnet_auditlog_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("asfnet", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
