import io

import pytest
from django.db.models import Sum

from products import seed, selectors
from products.models import Category, Product, StockMovement
from products.validators import ean_check_digit_ok

pytestmark = pytest.mark.django_db


def test_small_seed_is_a_consistent_trilingual_catalog_and_idempotent():
    assert seed.run(size="small", out=io.StringIO()) == []

    assert (Product.objects.count(), Category.objects.count()) == (200, 40)
    first = Product.objects.get(sku="LV-000001")
    assert (first.name_ar, first.name_fr, first.name_en) == (
        "سميد رقيق Sim 1 kg",
        "Semoule fine Sim 1 kg",
        "Fine semolina Sim 1 kg",
    )
    assert ean_check_digit_ok(first.barcode)
    assert (
        Product.objects.aggregate(s=Sum("stock_quantity"))["s"] == StockMovement.objects.aggregate(s=Sum("delta"))["s"]
    )
    assert Category.objects.filter(depth__gte=5).count() == 0
    assert not selectors.stock_ledger_mismatches().exists()
    assert seed.run(size="small", out=io.StringIO()) == []
    assert Product.objects.count() == 200
