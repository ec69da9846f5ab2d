"""Catalog import and export (CSV and XLSX), used by the management commands.

Products are validated row by row with the same rules as the API (`services.product_rule_errors`)
against data loaded once, then written in bulk inside one transaction: all-or-nothing by
default, or only the valid rows with `skip_invalid`. Imported stock is written as `import`
stock movements, so the ledger invariant holds. A dry run validates and writes, then rolls back.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from livrili.core.audit import audit_record, diff
from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings

from . import services
from .models import Category, PriceTier, Product, StockMovement, StockReason, Supplier, Tag, Unit
from .search import product_search_text

PRODUCT_COLUMNS = [
    "sku",
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
    "stock_quantity",
    "low_stock_threshold",
    "weight_kg",
    "dimensions",
    "is_active",
    "is_featured",
    "tags",
    "price_tiers",
]
CATEGORY_COLUMNS = [
    "slug",
    "name_ar",
    "name_fr",
    "name_en",
    "description_ar",
    "description_fr",
    "description_en",
    "parent",
    "icon",
    "sort_order",
    "is_active",
]
REQUIRED_PRODUCT_COLUMNS = {"sku", "name_ar", "name_fr", "name_en", "category", "base_price"}
TRUE, FALSE = {"1", "true", "yes", "oui", "y"}, {"0", "false", "no", "non", "n"}
BATCH = 1000


class ImportFileError(Exception):
    """The file cannot be read at all (unknown format, missing columns)."""


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


def _identity(iterable, **kwargs):
    return iterable


# --- Files ----------------------------------------------------------------------------------


def read_rows(path: str | Path) -> list[tuple[int, dict]]:
    """(line number, {column: text}) for every data row; the header is line 1."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = []
            for row in reader:
                rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
            return rows
    if suffix == ".xlsx":
        sheet = load_workbook(path, read_only=True, data_only=True).active
        lines = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(lines, [])]
        rows = []
        for number, values in enumerate(lines, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            rows.append(
                (number, {h: "" if v is None else str(v).strip() for h, v in zip(header, values, strict=False)})
            )
        return rows
    raise ImportFileError(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"})


def write_rows(path: str | Path, columns: list[str], rows: Iterable[list]) -> None:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    elif path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
    else:
        raise ImportFileError(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": path.suffix})


# --- Cell parsing -----------------------------------------------------------------------------


class CellError(Exception):
    pass


def _int(value: str, minimum: int = 0) -> int:
    try:
        number = int(Decimal(value))
    except (InvalidOperation, ValueError) as exc:
        raise CellError(_("Enter a whole number.")) from exc
    if number < minimum:
        raise CellError(_("Must be at least %(minimum)d.") % {"minimum": minimum})
    return number


def _decimal(value: str, places: int = 2) -> Decimal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation as exc:
        raise CellError(_("Enter a number.")) from exc
    if number.as_tuple().exponent < -places:
        raise CellError(_("Use at most %(places)d decimal places.") % {"places": places})
    return number


def _bool(value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise CellError(_("Enter true or false."))


def _tiers(value: str) -> list[dict]:
    tiers = []
    for part in filter(None, (p.strip() for p in value.split("|"))):
        quantity, _sep, price = part.partition(":")
        if not price:
            raise CellError(_("Write tiers as quantity:price separated by |."))
        tiers.append({"min_quantity": _int(quantity, 2), "unit_price": _decimal(price)})
    return tiers


# --- Products ---------------------------------------------------------------------------------


@dataclass
class _Lookups:
    categories: dict
    suppliers: dict
    tags: dict
    existing: dict
    barcodes: dict
    tax_rates: list
    default_tax_rate: Decimal


def _load_lookups(rows) -> _Lookups:
    skus = sorted({row.get("sku", "").lower() for _line, row in rows if row.get("sku")})
    existing = {}
    for start in range(0, len(skus), BATCH):
        chunk = skus[start : start + BATCH]
        for product in (
            Product.objects.annotate(lsku=Lower("sku")).filter(lsku__in=chunk).prefetch_related("price_tiers", "tags")
        ):
            existing[product.sku.lower()] = product
    return _Lookups(
        categories={c.slug: c for c in Category.objects.all()},
        suppliers={s.code.lower(): s for s in Supplier.objects.all()},
        tags={t.slug: t for t in Tag.objects.all()},
        existing=existing,
        barcodes=dict(Product.objects.exclude(barcode=None).values_list("barcode", "id")),
        tax_rates=services.allowed_tax_rates(),
        default_tax_rate=BusinessSettings.load().default_tax_rate,
    )


@dataclass
class _ProductRow:
    line: int
    product: Product
    is_new: bool
    stock: int | None
    tags: list | None
    tiers: list | None
    before: dict


def _parse_product(line: int, row: dict, lookups: _Lookups, seen: dict, errors: list[RowError]) -> _ProductRow | None:
    row_errors: list[RowError] = []

    def cell(name, convert=None, **kwargs):
        raw = row.get(name, "")
        if raw == "" or convert is None:
            return raw
        try:
            return convert(raw, **kwargs)
        except CellError as exc:
            row_errors.append(RowError(line, name, str(exc)))
            return None

    sku = cell("sku")
    if not sku:
        row_errors.append(RowError(line, "sku", _("This field is required.")))
    elif sku.lower() in seen:
        errors.append(RowError(line, "sku", _("Duplicate of line %(line)d.") % {"line": seen[sku.lower()]}))
        return None  # and leave the first line's product untouched
    existing = lookups.existing.get(sku.lower()) if sku else None
    before = services.product_snapshot_values(existing) if existing else {}
    product = existing or Product(tax_rate=lookups.default_tax_rate)
    product.sku = sku

    text_fields = ["name_ar", "name_fr", "name_en", "description_ar", "description_fr", "description_en"]
    text_fields += ["brand", "dimensions"]
    for name in text_fields:
        if name in row and (row[name] or not existing):
            setattr(product, name, row[name])
    if "barcode" in row:
        product.barcode = row["barcode"] or None
    if "category" in row or not existing:
        category = lookups.categories.get(row.get("category", ""))
        if category is None:
            row_errors.append(RowError(line, "category", _("Unknown category slug.")))
        else:
            product.category = category
    if row.get("supplier"):
        supplier = lookups.suppliers.get(row["supplier"].lower())
        if supplier is None:
            row_errors.append(RowError(line, "supplier", _("Unknown supplier code.")))
        product.supplier = supplier
    if row.get("unit"):
        if row["unit"] not in Unit.values:
            row_errors.append(RowError(line, "unit", _("Unknown unit.")))
        product.unit = row["unit"]
    for name in ("pack_size", "order_multiple", "min_order_quantity"):
        if row.get(name):
            setattr(product, name, cell(name, _int, minimum=1))
    for name in ("base_price", "cost_price", "tax_rate"):
        if row.get(name):
            setattr(product, name, cell(name, _decimal))
    if row.get("low_stock_threshold"):
        product.low_stock_threshold = cell("low_stock_threshold", _int)
    if row.get("weight_kg"):
        product.weight_kg = cell("weight_kg", _decimal, places=3)
    for name in ("is_active", "is_featured"):
        if row.get(name):
            setattr(product, name, cell(name, _bool))
    stock = cell("stock_quantity", _int) if row.get("stock_quantity") else None
    tiers = cell("price_tiers", _tiers) if "price_tiers" in row else None
    tags = None
    if "tags" in row:
        slugs = [s.strip() for s in row["tags"].split("|") if s.strip()]
        unknown = [s for s in slugs if s not in lookups.tags]
        if unknown:
            row_errors.append(RowError(line, "tags", _("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)}))
        tags = [lookups.tags[s] for s in slugs if s in lookups.tags]

    if not row_errors:
        if product.base_price is None:
            row_errors.append(RowError(line, "base_price", _("This field is required.")))
        else:
            rule_tiers = tiers if tiers is not None else _existing_tiers(existing)
            for name, messages in services.product_rule_errors(product, rule_tiers, lookups.tax_rates).items():
                row_errors.extend(RowError(line, name, message) for message in messages)
    if product.barcode and not row_errors:
        owner = lookups.barcodes.get(product.barcode)
        if owner is not None and owner != product.pk:
            row_errors.append(RowError(line, "barcode", _("A product with this barcode already exists.")))
    if sku:
        seen.setdefault(sku.lower(), line)
    if row_errors:
        errors.extend(row_errors)
        return None
    if product.barcode:
        lookups.barcodes[product.barcode] = product.pk
    product.search_text = product_search_text(product)
    return _ProductRow(line, product, existing is None, stock, tags, tiers, before)


def _existing_tiers(existing) -> list[dict]:
    if existing is None:
        return []
    return [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in existing.price_tiers.all()]


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


def _write_products(valid: list[_ProductRow], actor, progress) -> None:
    new = [row for row in valid if row.is_new]
    for row in new:
        row.product.stock_quantity = row.stock or 0
    for start in progress(range(0, len(new), BATCH), desc=_("Creating"), unit="batch"):
        Product.objects.bulk_create([row.product for row in new[start : start + BATCH]])
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                product=row.product,
                delta=row.stock,
                reason=StockReason.IMPORT,
                stock_after=row.stock,
                actor=actor,
                note=_("Import line %(line)d") % {"line": row.line},
            )
            for row in new
            if row.stock
        ],
        batch_size=BATCH,
    )
    updated = sorted((row for row in valid if not row.is_new), key=lambda row: row.product.pk)
    if updated:
        # Lock the rows in primary-key order before touching them (orders may change their stock).
        current = dict(
            Product.objects.select_for_update()
            .filter(pk__in=[row.product.pk for row in updated])
            .order_by("pk")
            .values_list("id", "stock_quantity")
        )
        Product.objects.bulk_update([row.product for row in updated], UPDATE_FIELDS, batch_size=BATCH)
        for row in updated:
            if row.stock is not None and row.stock != current[row.product.pk]:
                services.stock_move(
                    product_id=row.product.pk,
                    delta=row.stock - current[row.product.pk],
                    reason=StockReason.IMPORT,
                    actor=actor,
                    note=_("Import line %(line)d") % {"line": row.line},
                )
            audit_record(
                actor=actor,
                instance=row.product,
                action="update",
                changes=diff(row.before, services.product_snapshot_values(row.product, row.tiers)),
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
    progress: Callable = _identity,
) -> ImportReport:
    """Create or update (by SKU, any case) the products of `rows`."""
    header = set(rows[0][1]) if rows else set()
    missing = REQUIRED_PRODUCT_COLUMNS - header
    if rows and missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))})
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    with transaction.atomic():
        lookups = _load_lookups(rows)
        seen: dict[str, int] = {}
        valid = []
        for line, row in progress(rows, desc=_("Validating"), unit="row"):
            parsed = _parse_product(line, row, lookups, seen, report.errors)
            if parsed is not None:
                valid.append(parsed)
        report.skipped = len(rows) - len(valid)
        if report.errors and not skip_invalid:
            report.skipped = len(rows)
            return report
        _write_products(valid, actor, progress)
        report.created = sum(1 for row in valid if row.is_new)
        report.updated = len(valid) - report.created
        services.catalog_changed()
        if dry_run:
            transaction.set_rollback(True)
    return report


def export_products(path: str | Path, queryset=None, progress: Callable = _identity) -> int:
    queryset = (
        (queryset if queryset is not None else Product.objects.all())
        .select_related("category", "supplier")
        .prefetch_related("tags", "price_tiers")
    )

    def rows():
        for product in progress(queryset.order_by("sku").iterator(chunk_size=2000), desc=_("Exporting"), unit="row"):
            yield [
                product.sku,
                product.barcode or "",
                product.name_ar,
                product.name_fr,
                product.name_en,
                product.description_ar or "",
                product.description_fr or "",
                product.description_en or "",
                product.category.slug,
                product.supplier.code if product.supplier else "",
                product.brand,
                product.unit,
                product.pack_size,
                product.order_multiple,
                product.min_order_quantity,
                str(product.base_price),
                "" if product.cost_price is None else str(product.cost_price),
                str(product.tax_rate),
                product.stock_quantity,
                "" if product.low_stock_threshold is None else product.low_stock_threshold,
                "" if product.weight_kg is None else str(product.weight_kg),
                product.dimensions,
                "true" if product.is_active else "false",
                "true" if product.is_featured else "false",
                "|".join(sorted(tag.slug for tag in product.tags.all())),
                "|".join(f"{t.min_quantity}:{t.unit_price}" for t in product.price_tiers.all()),
            ]

    count = queryset.count()
    write_rows(path, PRODUCT_COLUMNS, rows())
    return count


# --- Categories -------------------------------------------------------------------------------


def import_categories(
    rows: list[tuple[int, dict]],
    *,
    actor=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable = _identity,
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
    slug = row.get("slug", "")
    if not slug:
        raise DomainError("VALIDATION_ERROR", details={"slug": [_("This field is required.")]})
    fields = {name: row[name] for name in CATEGORY_COLUMNS[1:7] if name in row}
    if row.get("icon"):
        fields["icon"] = row["icon"]
    if row.get("sort_order"):
        fields["sort_order"] = _int(row["sort_order"], minimum=-(10**6))
    if row.get("is_active"):
        fields["is_active"] = _bool(row["is_active"])
    if "parent" in row:
        parent = None
        if row["parent"]:
            parent = Category.objects.filter(slug=row["parent"]).first()
            if parent is None:
                raise DomainError("VALIDATION_ERROR", details={"parent": [_("Unknown parent slug.")]})
        fields["parent"] = parent
    existing = Category.objects.filter(slug=slug).first()
    if existing:
        services.category_update(actor=actor, category=existing, **fields)
        return False
    services.category_create(actor=actor, slug=slug, **fields)
    return True


def export_categories(path: str | Path) -> int:
    categories = list(Category.objects.select_related("parent").order_by("depth", "sort_order", "slug"))
    write_rows(
        path,
        CATEGORY_COLUMNS,
        (
            [
                c.slug,
                c.name_ar,
                c.name_fr,
                c.name_en,
                c.description_ar or "",
                c.description_fr or "",
                c.description_en or "",
                c.parent.slug if c.parent else "",
                c.icon,
                c.sort_order,
                "true" if c.is_active else "false",
            ]
            for c in categories
        ),
    )
    return len(categories)
