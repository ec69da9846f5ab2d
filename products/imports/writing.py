"""Writing imports: the valid rows of a product import in bulk inside one transaction (stock
through `products.services.stock`), category rows through the category services."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff
from livrili.core.errors import DomainError

from ..models import Category, PriceTier, Product, StockReason
from ..services.cache import catalog_changed
from ..services.categories import category_create, category_update
from ..services.products import product_snapshot_values
from ..services.stock import stock_set
from .reading import ImportFileError, no_progress
from .rows import (
    BATCH,
    REQUIRED_PRODUCT_COLUMNS,
    CellError,
    ProductRow,
    RowError,
    load_lookups,
    parse_category,
    parse_product,
)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


UPDATE_FIELDS = [
    "barcode",
    "name_ar",
    "name_fr",
    "name_en",
    "description_ar",
    "description_fr",
    "description_en",
    "category",
    "supplier",
    "brand",
    "unit",
    "pack_size",
    "order_multiple",
    "min_order_quantity",
    "base_price",
    "cost_price",
    "tax_rate",
    "low_stock_threshold",
    "weight_kg",
    "dimensions",
    "is_active",
    "is_featured",
    "search_text",
]


def _write_products(valid: list[ProductRow], actor, progress) -> None:
    new = [row for row in valid if row.is_new]
    for start in progress(range(0, len(new), BATCH), desc=_("Creating"), unit="batch"):
        Product.objects.bulk_create([row.product for row in new[start : start + BATCH]])
    updated = sorted((row for row in valid if not row.is_new), key=lambda row: row.product.pk)
    if updated:
        # Lock the rows in primary-key order before touching them (orders may change their stock).
        list(Product.objects.select_for_update().filter(pk__in=[row.product.pk for row in updated]).order_by("pk"))
        Product.objects.bulk_update([row.product for row in updated], UPDATE_FIELDS, batch_size=BATCH)
    # New products start at 0: their stock column, like an updated one's, is a stock to reach.
    with_stock = [row for row in valid if row.stock is not None]
    stock_set(
        quantities={row.product.pk: row.stock for row in with_stock},
        reason=StockReason.IMPORT,
        actor=actor,
        notes={row.product.pk: _("Import line %(line)d") % {"line": row.line} for row in with_stock},
    )
    for row in updated:
        audit_record(
            actor=actor,
            instance=row.product,
            action="update",
            changes=diff(row.before, product_snapshot_values(row.product, row.tiers)),
        )
    with_tiers = [row for row in valid if row.tiers is not None]
    PriceTier.objects.filter(product_id__in=[row.product.pk for row in with_tiers if not row.is_new]).delete()
    PriceTier.objects.bulk_create(
        [PriceTier(product=row.product, **tier) for row in with_tiers for tier in row.tiers], batch_size=BATCH
    )
    with_tags = [row for row in valid if row.tags is not None]
    through = Product.tags.through
    through.objects.filter(product_id__in=[row.product.pk for row in with_tags if not row.is_new]).delete()
    through.objects.bulk_create(
        [through(product_id=row.product.pk, tag_id=tag.pk) for row in with_tags for tag in row.tags],
        batch_size=BATCH,
    )


def import_products(
    rows: list[tuple[int, dict]],
    *,
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable = no_progress,
) -> ImportReport:
    """Create or update (by SKU, any case) the products of `rows`."""
    header = set(rows[0][1]) if rows else set()
    missing = REQUIRED_PRODUCT_COLUMNS - header
    if rows and missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))})
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    with transaction.atomic():
        lookups = load_lookups(rows)
        seen: dict[str, int] = {}
        valid = []
        for line, row in progress(rows, desc=_("Validating"), unit="row"):
            parsed = parse_product(line, row, lookups, seen, report.errors)
            if parsed is not None:
                valid.append(parsed)
        report.skipped = len(rows) - len(valid)
        if report.errors and not skip_invalid:
            report.skipped = len(rows)
            return report
        _write_products(valid, actor, progress)
        report.created = sum(1 for row in valid if row.is_new)
        report.updated = len(valid) - report.created
        catalog_changed()
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_categories(
    rows: list[tuple[int, dict]],
    *,
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable = no_progress,
) -> ImportReport:
    """Create or update (by slug) categories; a parent must exist or come on an earlier line."""
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    with transaction.atomic():
        for line, row in progress(rows, desc=_("Importing"), unit="row"):
            try:
                with transaction.atomic():
                    created = _import_category(row, actor)
                report.created += created
                report.updated += not created
            except (DomainError, CellError) as exc:
                details = getattr(exc, "details", None) or {"non_field_errors": [str(exc)]}
                for name, messages in details.items():
                    report.errors.extend(RowError(line, name, str(m)) for m in messages)
                report.skipped += 1
        if (report.errors and not skip_invalid) or dry_run:
            transaction.set_rollback(True)
            if report.errors and not skip_invalid:
                report.created = report.updated = 0
                report.skipped = len(rows)
    return report


def _import_category(row: dict, actor) -> bool:
    slug, fields = parse_category(row)
    existing = Category.objects.filter(slug=slug).first()
    if existing:
        category_update(actor=actor, category=existing, **fields)
        return False
    category_create(actor=actor, slug=slug, **fields)
    return True
