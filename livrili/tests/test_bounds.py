"""Every number and string input has a bound the database can hold: 400 before any write."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from livrili.accounts.models import User
from livrili.core.testing.assertions import assert_error
from products.models import Category, Product, ProductImage, StockMovement, Supplier
from products.services.categories import category_create
from products.services.products import product_create
from products.services.stock import stock_adjust
from retailers.models import DeliveryAddress, Retailer

pytestmark = pytest.mark.django_db

TOO_BIG = 3_000_000_000  # above PostgreSQL's integer (2 147 483 647)


@pytest.fixture
def catalog(make_user, client_for):
    return client_for(make_user(is_superuser=True))


@pytest.fixture
def product(db):
    category = category_create(actor=None, parent=None, name_ar="فئة", name_fr="Catégorie", name_en="Category")
    return product_create(
        actor=None,
        sku="SKU-1",
        name_ar="منتج",
        name_fr="Produit",
        name_en="Product",
        category=category,
        base_price=Decimal("100.00"),
    )


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


# --- 6. Integers and decimals -------------------------------------------------------------


def test_stock_quantity_over_the_column_is_400_and_writes_nothing(catalog, product):
    response = catalog.post(f"/api/v1/products/{product.pk}/stock", {"operation": "add", "quantity": TOO_BIG})

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"quantity"}
    product.refresh_from_db()
    assert (product.stock_quantity, StockMovement.objects.count()) == (0, 0)


def test_image_sort_order_over_the_column_is_400_and_stores_nothing(catalog, product):
    response = catalog.post(
        f"/api/v1/products/{product.pk}/images", {"image": png(), "sort_order": TOO_BIG}, format="multipart"
    )

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"sort_order"}
    assert ProductImage.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pack_size", TOO_BIG),
        ("order_multiple", TOO_BIG),
        ("min_order_quantity", TOO_BIG),
        ("low_stock_threshold", TOO_BIG),
        ("price_tiers", [{"min_quantity": TOO_BIG, "unit_price": "90.00"}]),
        ("base_price", "1000000000000.00"),
        ("base_price", "1.001"),
    ],
)
def test_product_numbers_over_their_column_are_400(catalog, product, field, value):
    body = {"sku": "NEW-1", "name_ar": "ا", "name_fr": "a", "name_en": "a", "category_id": str(product.category_id)}
    body = {"base_price": "10.00", **body, field: value}

    response = catalog.post("/api/v1/products", body, format="json")

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert [key.split(".")[0] for key in details] == [field]
    assert Product.objects.count() == 1


def test_category_sort_order_over_the_column_is_400(catalog):
    body = {"name_ar": "ا", "name_fr": "a", "name_en": "a", "sort_order": TOO_BIG}

    response = catalog.post("/api/v1/categories", body, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"sort_order"}
    assert Category.objects.count() == 0


def test_supplier_payment_terms_over_a_small_integer_is_400(catalog):
    response = catalog.post("/api/v1/suppliers", {"name": "S", "code": "S1", "payment_terms_days": 40_000})

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"payment_terms_days"}
    assert Supplier.objects.count() == 0


@pytest.mark.parametrize(
    "query", ["min_price=1e999999", "max_price=100000000000000", "min_price=-1", "offset=99999999999999999999"]
)
def test_query_numbers_are_bounded(catalog, query):
    assert_error(catalog.get(f"/api/v1/products?{query}"), 400, "VALIDATION_ERROR")


# --- 7. Wrong JSON types and string lengths ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", 123), ("business_name", 1.5), ("address", True), ("commune", ["x"]), ("address", "x" * 1001)],
)
def test_signup_strings_are_strict_and_bounded(api_client, field, value):
    body = {
        "full_name": "Yacine",
        "phone": "0770 11 22 33",
        "password": "Strong-Pass-2026",
        "business_name": "Shop",
        "business_type": "convenience",
        "wilaya": "16",
        "commune": "Bab Ezzouar",
        "address": "12 rue",
        field: value,
    }

    response = api_client.post("/api/v1/retailers/signup", body, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {field}
    assert (User.objects.count(), Retailer.objects.count()) == (0, 0)


def test_a_number_for_a_string_names_the_type(api_client):
    response = api_client.post("/api/v1/auth/login?lang=en", {"identifier": 123, "password": "x"}, format="json")

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {
        "identifier": ["Enter a text value (a JSON string)."]
    }


def test_a_megabyte_address_is_refused(make_user, client_for):
    client = client_for(make_user(role="retailer"))
    before = DeliveryAddress.objects.count()

    response = client.post("/api/v1/retailers/addresses", {"address": "x" * 5000, "wilaya": "16"}, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {"address"}
    assert DeliveryAddress.objects.count() == before


@pytest.mark.parametrize(("field", "value"), [("notes", "x" * 5001), ("name", 12), ("address", "x" * 1001)])
def test_supplier_strings_are_strict_and_bounded(catalog, field, value):
    response = catalog.post("/api/v1/suppliers", {"name": "S", "code": "S1", field: value}, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {field}
    assert Supplier.objects.count() == 0


@pytest.mark.parametrize(("field", "value"), [("description_fr", "x" * 5001), ("brand", 7), ("sku", 12345)])
def test_product_strings_are_strict_and_bounded(catalog, product, field, value):
    body = {"sku": "NEW-1", "name_ar": "ا", "name_fr": "a", "name_en": "a", "category_id": str(product.category_id)}

    response = catalog.post("/api/v1/products", {"base_price": "10.00", **body, field: value}, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == {field}
    assert Product.objects.count() == 1


@pytest.mark.postgres
def test_stock_that_would_overflow_its_column_is_400(catalog, product):
    stock_adjust(actor=None, product=product, operation="set", quantity=2_147_483_000)

    response = catalog.post(f"/api/v1/products/{product.pk}/stock", {"operation": "add", "quantity": 1000})

    assert_error(response, 400, "VALIDATION_ERROR")
    product.refresh_from_db()
    assert (product.stock_quantity, StockMovement.objects.count()) == (2_147_483_000, 1)


def test_an_incomplete_price_tier_in_a_patch_is_400_and_changes_nothing(catalog, product):
    response = catalog.patch(
        f"/api/v1/products/{product.pk}?lang=en", {"price_tiers": [{"unit_price": "90.00"}]}, format="json"
    )

    assert assert_error(response, 400, "VALIDATION_ERROR")["details"] == {
        "price_tiers.0.min_quantity": ["This field is required."]
    }
    assert product.price_tiers.count() == 0
