"""PostgreSQL refuses any UPDATE of a stock movement (the ledger is append-only) except the
actor being cleared when its user is deleted; a no-op on SQLite.

DELETE stays possible only through the cascade of a product that was never ordered
(`services.product_delete` checks that first)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION products_stockmovement_append_only() RETURNS trigger AS $$
BEGIN
    -- Only the actor may change: it is set to NULL when its user is deleted (SET_NULL).
    IF (NEW.id, NEW.product_id, NEW.delta, NEW.reason, NEW.stock_after, NEW.reference, NEW.note, NEW.created_at)
       IS NOT DISTINCT FROM
       (OLD.id, OLD.product_id, OLD.delta, OLD.reason, OLD.stock_after, OLD.reference, OLD.note, OLD.created_at)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'stock movements are append-only';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS products_stockmovement_no_update ON products_stockmovement;
CREATE TRIGGER products_stockmovement_no_update BEFORE UPDATE ON products_stockmovement
    FOR EACH ROW EXECUTE FUNCTION products_stockmovement_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS products_stockmovement_no_update ON products_stockmovement;
DROP FUNCTION IF EXISTS products_stockmovement_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("products", "0003_price_validators")]

    operations = [migrations.RunPython(create, drop)]
