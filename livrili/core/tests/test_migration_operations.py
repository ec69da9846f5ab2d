import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from livrili.core.migration_operations import DropFieldIndex

# The schema is changed and put back: DDL outside a test transaction (SQLite's schema editor
# refuses to run inside one).
pytestmark = pytest.mark.django_db(transaction=True)

TABLE, COLUMN = "orders_cartitem", "retailer_id"


def _constraints() -> tuple[list, list]:
    """(the names of the plain indexes, of the foreign keys) on exactly the cart line's retailer column."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE).items()
    on_column = [(name, c) for name, c in constraints if c["columns"] == [COLUMN]]
    return (
        [name for name, c in on_column if c["index"] and not c["unique"] and not c["foreign_key"]],
        [name for name, c in on_column if c["foreign_key"]],
    )


def test_dropping_a_covered_index_keeps_the_foreign_key_and_reverses_to_the_index():
    loader = MigrationLoader(connection)
    migration = loader.get_migration("orders", "0004_covered_foreign_key_indexes")
    operation = next(op for op in migration.operations if op.model_name == "cartitem")
    before = loader.project_state(("orders", "0003_readable_history_labels"))
    after = loader.project_state(("orders", "0004_covered_foreign_key_indexes"))
    assert isinstance(operation, DropFieldIndex)
    assert _constraints()[0] == []  # migrated: no index of its own (the unique pair leads with it)

    with connection.schema_editor() as editor:
        operation.database_backwards("orders", editor, after, before)
    restored, foreign_keys = _constraints()
    assert len(restored) == 1
    assert len(foreign_keys) == 1

    with CaptureQueriesContext(connection) as queries, connection.schema_editor() as editor:
        operation.database_forwards("orders", editor, before, after)
    indexes, foreign_keys = _constraints()
    assert indexes == []
    assert len(foreign_keys) == 1
    changes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("ALTER", "DROP"))]
    assert len(changes) == 1  # the constraint is left alone
    assert changes[0].startswith("DROP INDEX")
    assert changes[0].endswith(f'"{restored[0]}"')
