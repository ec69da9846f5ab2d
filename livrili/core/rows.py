"""Models built from the rows of a written-out statement exactly as a queryset builds them: the
backend's and the fields' converters, then `Model.from_db`. For the few hot reads that skip the
ORM's query building (docs/performance.md, pass 2)."""

from functools import cache

from django.db import connection


@cache  # per model, alias and backend: names never change in a process
def columns(model, alias: str, vendor: str) -> str:
    """The model's concrete columns, quoted and qualified by `alias`, in field order (a row of
    them is what `from_row` takes)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@cache
def _converters(model, vendor: str) -> list:
    """(position, column, converters) of each field the backend or the field converts, as a
    queryset's compiler applies them to the row."""
    found = []
    for position, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            found.append((position, column, functions))
    return found


def from_row(model, row, db):
    """The `model` instance of `row` (every concrete field, in order) read on connection `db`."""
    values = list(row)
    for position, column, functions in _converters(model, db.vendor):
        for convert in functions:
            values[position] = convert(values[position], column, db)
    return model.from_db(db.alias, None, values)
