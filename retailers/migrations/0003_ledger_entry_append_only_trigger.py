"""On PostgreSQL the database itself refuses DELETE of ledger entries and any UPDATE that
changes more than `created_at`, so even raw SQL cannot rewrite the money history (the model
and its queryset refuse every update on every backend). Moving timestamps stays possible for
demo seeds that backdate their history."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION retailers_ledger_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'created_at') = (to_jsonb(OLD) - 'created_at') THEN
        RETURN NEW;
    END IF;
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
