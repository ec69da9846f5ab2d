"""On PostgreSQL the database itself refuses UPDATE and DELETE of ledger entries, so even raw
SQL cannot rewrite history (the model and its queryset refuse them on every backend)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION retailers_ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER retailers_ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON retailers_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION retailers_ledger_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS retailers_ledger_entry_append_only ON retailers_ledgerentry;
DROP FUNCTION IF EXISTS retailers_ledger_entry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("retailers", "0002_ledgerentry_order")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
