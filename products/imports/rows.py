"""The import columns and validating rows: cells parsed, products checked with the API's
rules against data loaded once (`Lookups`), category rows turned into service arguments."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings

from ..models import Category, Product, Supplier, Tag, Unit
from ..search import product_search_text
from ..services.products import allowed_tax_rates, product_rule_errors, product_snapshot_values

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

BATCH = 1000  # SKUs per lookup query


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.field}: {self.message}"


class CellError(Exception):
    pass


def parse_int(value: str, minimum: int = 0) -> int:
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


def parse_bool(value: str) -> bool:
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
        tiers.append({"min_quantity": parse_int(quantity, 2), "unit_price": _decimal(price)})
    return tiers


@dataclass
class Lookups:
    categories: dict
    suppliers: dict
    tags: dict
    existing: dict
    barcodes: dict
    tax_rates: list
    default_tax_rate: Decimal


def load_lookups(rows) -> Lookups:
    skus = sorted({row.get("sku", "").lower() for _line, row in rows if row.get("sku")})
    existing = {}
    for start in range(0, len(skus), BATCH):
        chunk = skus[start : start + BATCH]
        for product in (
            Product.objects.annotate(lsku=Lower("sku")).filter(lsku__in=chunk).prefetch_related("price_tiers", "tags")
        ):
            existing[product.sku.lower()] = product
    return Lookups(
        categories={c.slug: c for c in Category.objects.all()},
        suppliers={s.code.lower(): s for s in Supplier.objects.all()},
        tags={t.slug: t for t in Tag.objects.all()},
        existing=existing,
        barcodes=dict(Product.objects.exclude(barcode=None).values_list("barcode", "id")),
        tax_rates=allowed_tax_rates(),
        default_tax_rate=BusinessSettings.load().default_tax_rate,
    )


@dataclass
class ProductRow:
    line: int
    product: Product
    is_new: bool
    stock: int | None
    tags: list | None
    tiers: list | None
    before: dict


def parse_product(line: int, row: dict, lookups: Lookups, seen: dict, errors: list[RowError]) -> ProductRow | None:
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
    before = product_snapshot_values(existing) if existing else {}
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
            setattr(product, name, cell(name, parse_int, minimum=1))
    for name in ("base_price", "cost_price", "tax_rate"):
        if row.get(name):
            setattr(product, name, cell(name, _decimal))
    if row.get("low_stock_threshold"):
        product.low_stock_threshold = cell("low_stock_threshold", parse_int)
    if row.get("weight_kg"):
        product.weight_kg = cell("weight_kg", _decimal, places=3)
    for name in ("is_active", "is_featured"):
        if row.get(name):
            setattr(product, name, cell(name, parse_bool))
    stock = cell("stock_quantity", parse_int) if row.get("stock_quantity") else None
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
            for name, messages in product_rule_errors(product, rule_tiers, lookups.tax_rates).items():
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
    return ProductRow(line, product, existing is None, stock, tags, tiers, before)


def _existing_tiers(existing) -> list[dict]:
    if existing is None:
        return []
    return [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in existing.price_tiers.all()]


def parse_category(row: dict) -> tuple[str, dict]:
    """(slug, fields for `category_create`/`category_update`) of a category row; a parent must
    exist already (or come on an earlier line)."""
    slug = row.get("slug", "")
    if not slug:
        raise DomainError("VALIDATION_ERROR", details={"slug": [_("This field is required.")]})
    fields = {name: row[name] for name in CATEGORY_COLUMNS[1:7] if name in row}
    if row.get("icon"):
        fields["icon"] = row["icon"]
    if row.get("sort_order"):
        fields["sort_order"] = parse_int(row["sort_order"], minimum=-(10**6))
    if row.get("is_active"):
        fields["is_active"] = parse_bool(row["is_active"])
    if "parent" in row:
        parent = None
        if row["parent"]:
            parent = Category.objects.filter(slug=row["parent"]).first()
            if parent is None:
                raise DomainError("VALIDATION_ERROR", details={"parent": [_("Unknown parent slug.")]})
        fields["parent"] = parent
    return slug, fields
