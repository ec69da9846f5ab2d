"""Every index is written on every insert of its table. A B-tree serves lookups on any leading
column of its key, so a single-column index on the first column of another (non-partial) index
is paid for on each insert and never needed: Django adds one to every foreign key unless
`db_index=False` says the composite covers it."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models import UniqueConstraint


def _our_models():
    root = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and ".venv" not in path.parts:
            yield from (model for model in config.get_models() if model._meta.managed and not model._meta.proxy)


def _leading_fields(model) -> set[str]:
    """The first field of each composite index or unique constraint that applies to every row."""
    meta = model._meta
    keys = [index.fields for index in meta.indexes if index.condition is None and len(index.fields) > 1]
    keys += [
        constraint.fields
        for constraint in meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.condition is None and len(constraint.fields) > 1
    ]
    keys += [fields for fields in meta.unique_together if len(fields) > 1]
    return {meta.get_field(fields[0].lstrip("-")).name for fields in keys}  # a key may name `retailer_id`


def test_no_single_column_index_repeats_the_leading_column_of_a_composite_one():
    redundant = sorted(
        f"{model._meta.label}.{field.name}"
        for model in _our_models()
        for field in model._meta.local_fields
        if field.db_index and not field.unique and field.name in _leading_fields(model)
    )

    assert redundant == []
