"""Exporting the catalog to CSV or XLSX, in the columns an import reads back."""

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ..models import Category, Product
from .reading import ImportFileError, no_progress
from .rows import CATEGORY_COLUMNS, PRODUCT_COLUMNS


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


def export_products(path: str | Path, queryset=None, progress: Callable = no_progress) -> int:
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
