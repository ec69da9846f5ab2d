"""The v1 database, read-only: one read-only transaction (`default_transaction_read_only`),
every table read whole, in a stable order."""

import psycopg
from psycopg.rows import dict_row

# (name in the report, query). Ordered so that the same database gives the same import.
TABLES = {
    "auth.users": "SELECT * FROM auth.users ORDER BY created_at, id",
    "user_profiles": "SELECT * FROM public.user_profiles ORDER BY created_at, id",
    "users": "SELECT * FROM public.users ORDER BY created_at, id",
    "retailers": "SELECT * FROM public.retailers ORDER BY created_at, id",
    "drivers": "SELECT * FROM public.drivers ORDER BY created_at, id",
    "categories": "SELECT * FROM public.categories ORDER BY created_at, id",
    "products": "SELECT * FROM public.products ORDER BY created_at, id",
    "tags": "SELECT * FROM public.tags ORDER BY created_at, id",
    "product_tags": "SELECT * FROM public.product_tags ORDER BY created_at, id",
    "tag_aliases": "SELECT * FROM public.tag_aliases ORDER BY created_at, id",
    "shopping_carts": "SELECT * FROM public.shopping_carts ORDER BY added_at, id",
    "orders": "SELECT * FROM public.orders ORDER BY created_at, id",
    "order_items": "SELECT * FROM public.order_items ORDER BY created_at, id",
    "delivery_routes": "SELECT * FROM public.delivery_routes ORDER BY created_at, id",
    "deliveries": "SELECT * FROM public.deliveries ORDER BY created_at, id",
    "payments": "SELECT * FROM public.payments ORDER BY created_at, id",
    "audit_logs": "SELECT * FROM public.audit_logs ORDER BY created_at, id",
}


def read_source(dsn: str) -> dict[str, list[dict]]:
    """Every v1 table as a list of dicts (uuid, Decimal, aware datetimes in UTC, JSON decoded).
    The connection is read-only: the session default and the transaction itself."""
    with psycopg.connect(dsn, row_factory=dict_row, autocommit=False) as connection:
        connection.read_only = True
        connection.execute("SET default_transaction_read_only = on")
        connection.execute("SET TIME ZONE 'UTC'")
        data = {name: connection.execute(query).fetchall() for name, query in TABLES.items()}
        connection.rollback()
    return data
