import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from products import selectors
from products.imports.rows import PRODUCT_COLUMNS
from products.models import Category, PriceTier, Product, StockMovement
from products.services.categories import category_update

pytestmark = pytest.mark.django_db

HEADER = [
    "sku",
    "name_ar",
    "name_fr",
    "name_en",
    "category",
    "brand",
    "base_price",
    "tax_rate",
    "stock_quantity",
    "tags",
    "price_tiers",
]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def row(n, **overrides):
    values = {
        "sku": f"IMP-{n:05d}",
        "name_ar": f"حليب {n}",
        "name_fr": f"Lait {n}",
        "name_en": f"Milk {n}",
        "category": "grocery",
        "brand": "Candia",
        "base_price": "120.00",
        "tax_rate": "9.00",
        "stock_quantity": str(n % 50),
        "tags": "",
        "price_tiers": "",
    }
    values.update(overrides)
    return [values[column] for column in HEADER]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_ten_thousand_rows_import_with_a_progress_bar(tmp_path, category):
    path = write_csv(tmp_path / "products.csv", [row(n) for n in range(10_000)])

    with CaptureQueriesContext(connection) as ctx:
        out, err = run("import_products", str(path))

    assert "10000 rows: 10000 created, 0 updated, 0 skipped, 0 errors" in out
    assert "10000/10000" in err  # the tqdm bar
    assert Product.objects.count() == 10_000
    total_stock = sum(n % 50 for n in range(10_000))
    assert sum(Product.objects.values_list("stock_quantity", flat=True)) == total_stock
    assert sum(StockMovement.objects.filter(reason="import").values_list("delta", flat=True)) == total_stock
    assert not selectors.stock_ledger_mismatches().exists()
    assert Product.objects.get(sku="IMP-00042").search_text == "imp-00042 candia حليب 42 lait 42 milk 42"
    # Bulk writes in batches, never a query per row (428 measured). A budget, not a timing:
    # timings belong in the bench.
    assert len(ctx.captured_queries) < 1_000


def test_three_bad_rows_name_their_lines_and_nothing_is_imported(tmp_path, category):
    rows = [row(n) for n in range(20)]
    rows[3] = row(3, base_price="-1")  # line 5
    rows[9] = row(9, tax_rate="7")  # line 11
    rows[15] = row(15, category="nope")  # line 17
    path = write_csv(tmp_path / "bad.csv", rows)

    with pytest.raises(CommandError, match=r"3 invalid rows \(lines 5, 11, 17\)"):
        run("import_products", str(path))

    assert (Product.objects.count(), StockMovement.objects.count()) == (0, 0)


def test_skip_invalid_imports_the_valid_rows(tmp_path, category):
    path = write_csv(tmp_path / "mixed.csv", [row(1), row(2, sku="IMP-00001"), row(3, base_price="1.234")])

    out, err = run("import_products", str(path), "--skip-invalid", "--no-progress")

    assert "3 rows: 1 created, 0 updated, 2 skipped, 2 errors" in out
    assert "line 3: sku: Duplicate of line 2." in err
    assert "line 4: base_price" in err
    assert list(Product.objects.values_list("sku", flat=True)) == ["IMP-00001"]


def test_dry_run_writes_nothing(tmp_path, category):
    path = write_csv(tmp_path / "ok.csv", [row(1), row(2)])

    out, _err = run("import_products", str(path), "--dry-run", "--no-progress")

    assert "2 created" in out and "dry run" in out
    assert Product.objects.count() == 0


def test_reimport_updates_by_sku_in_any_case_with_stock_movements(tmp_path, category, make_product, make_tag):
    existing = make_product(sku="IMP-00001", stock=10)
    make_tag(slug="promo")
    path = write_csv(
        tmp_path / "update.csv",
        [
            row(
                1,
                sku="imp-00001",
                base_price="150.00",
                stock_quantity="4",
                tags="promo",
                price_tiers="10:140|20:135.50",
            )
        ],
    )

    out, _err = run("import_products", str(path), "--no-progress")

    assert "0 created, 1 updated" in out
    existing.refresh_from_db()
    assert (existing.base_price, existing.stock_quantity, existing.name_fr) == (Decimal("150.00"), 4, "Lait 1")
    assert list(existing.tags.values_list("slug", flat=True)) == ["promo"]
    assert list(PriceTier.objects.filter(product=existing).values_list("min_quantity", "unit_price")) == [
        (10, Decimal("140.00")),
        (20, Decimal("135.50")),
    ]
    assert list(
        StockMovement.objects.filter(product=existing).order_by("created_at").values_list("delta", "stock_after")
    ) == [
        (10, 10),
        (-6, 4),
    ]


def test_export_then_import_round_trips_in_xlsx(tmp_path, category, make_product):
    make_product(sku="RT-1", barcode="6130001000014", stock=3, price_tiers=[{"min_quantity": 5, "unit_price": "90.00"}])
    path = tmp_path / "catalog.xlsx"

    run("export_products", str(path), "--no-progress")
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == PRODUCT_COLUMNS
    Product.objects.update(base_price=Decimal("1.00"))
    out, _err = run("import_products", str(path), "--no-progress")

    assert "0 created, 1 updated, 0 skipped, 0 errors" in out
    product = Product.objects.get()
    assert (product.base_price, product.stock_quantity, product.barcode) == (Decimal("100.00"), 3, "6130001000014")


def test_import_categories_builds_the_tree_and_reports_bad_lines(tmp_path):
    path = tmp_path / "categories.csv"
    path.write_text(
        "slug,name_ar,name_fr,name_en,parent,sort_order\n"
        "food,أغذية,Alimentation,Food,,1\n"
        "dairy,ألبان,Produits laitiers,Dairy,food,2\n"
        "orphan,يتيم,Orphelin,Orphan,missing,3\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"lines 4\)"):
        run("import_categories", str(path), "--no-progress")
    assert Category.objects.count() == 0

    out, _err = run("import_categories", str(path), "--skip-invalid", "--no-progress")
    assert "2 created" in out
    dairy = Category.objects.get(slug="dairy")
    assert (dairy.parent.slug, dairy.depth, dairy.name_fr) == ("food", 1, "Produits laitiers")
    category_update(actor=None, category=dairy, is_active=False)
