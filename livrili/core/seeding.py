"""Writing seed rows in bulk with their historical timestamps (the demo history's seeds)."""

import json
from collections import Counter
from collections.abc import Iterable

from django.db import connection

from .models import Sequence
from .numbering import sequence_name

BATCH = 10_000  # rows per COPY or executemany


class RowWriter:
    """Buffers rows of one model as column tuples and writes them in batches.

    Why not bulk_create: `created_at` is `auto_now_add`, which bulk_create overwrites with the
    current time, and updating it afterwards would write every row twice (and rewrite its
    indexes). Rows are therefore written once with their historical timestamps: on PostgreSQL
    with COPY (the fastest path, values adapted by psycopg), elsewhere (SQLite, tests) with one
    executemany INSERT per batch after each field's own `get_db_prep_save` conversion. Columns
    not given take the field default, NULL or "", so later nullable fields need no change here.
    """

    def __init__(self, model, columns: tuple[str, ...], *, batch: int = BATCH):
        self.model = model
        self.batch = batch
        self.columns = columns
        self.fields = [model._meta.get_field(name) for name in columns]
        self.rows: list[tuple] = []
        self.written = 0
        given = {field.attname for field in self.fields}
        self.extra = []
        for field in model._meta.concrete_fields:
            if field.attname in given:
                continue
            if field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif field.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name} needs a value")
            self.extra.append((field, value))
        self.all_fields = self.fields + [field for field, _value in self.extra]
        self.tail = tuple(value for _field, value in self.extra)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        names = ", ".join(quote(field.column) for field in self.all_fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                json_columns = [i for i, f in enumerate(self.all_fields) if f.get_internal_type() == "JSONField"]
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        row = row + self.tail
                        if json_columns:
                            row = list(row)
                            for i in json_columns:
                                row[i] = json.dumps(row[i])
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.all_fields))
                prepare = [field.get_db_prep_save for field in self.all_fields]
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (model's own names)
                    [
                        [conv(value, connection) for conv, value in zip(prepare, row + self.tail, strict=True)]
                        for row in rows
                    ],
                )
        self.written += len(rows)


def numbers_in_use(prefix: str, numbers: Iterable[str]) -> Counter:
    """Per year, the last `prefix` number already used (by `numbers`, the existing documents'
    numbers, or by the counter rows), so the seeded numbers continue after it."""
    last = Counter()
    for number in numbers:
        _prefix, year, value = number.split("-")
        last[int(year)] = max(last[int(year)], int(value))
    for year, value in Sequence.objects.filter(prefix=prefix).values_list("year", "last_value"):
        last[year] = max(last[year], value)
    return last


def advance_numbering(prefix: str, last: dict[int, int]) -> None:
    """`next_number(prefix, gap_free=False)` must continue after the seeded numbers: per year,
    the PostgreSQL sequence (or, elsewhere, the counter row) moves up to `last[year]`, never back."""
    for year, value in last.items():
        if connection.vendor == "postgresql":
            name = sequence_name(prefix, year)
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
                cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608 (fixed name)
                current, called = cursor.fetchone()
                if value > (current if called else current - 1):
                    cursor.execute("SELECT setval(%s, %s)", [name, value])
        else:
            Sequence.objects.bulk_create([Sequence(prefix=prefix, year=year)], ignore_conflicts=True)
            Sequence.objects.filter(prefix=prefix, year=year, last_value__lt=value).update(last_value=value)
