"""Migration from Livrili v1 (`manage.py import_legacy`): reads the first version's PostgreSQL
database read-only and maps every row to this project's models (docs/decisions.md, Legacy import)."""
