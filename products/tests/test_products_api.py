import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from products.models import PriceTier, Product, ProductImage, StockMovement, Tag
from products.services.categories import category_update
from products.services.images import product_image_add
from products.services.products import product_tags_bulk, product_update
from products.services.stock import stock_adjust, stock_move

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def png_bytes(color="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def body(category):
    return {
        "sku": "SEM-FINE-25",
        "barcode": "6130001000014",
        "name_ar": "سميد رقيق 25 كغ",
        "name_fr": "Semoule fine 25 kg",
        "name_en": "Fine semolina 25 kg",
        "category_id": str(category.pk),
        "brand": "Sim",
        "unit": "bag",
        "base_price": "1850.00",
        "tax_rate": "9.00",
        "min_order_quantity": 2,
        "price_tiers": [{"min_quantity": 20, "unit_price": "1790.00"}, {"min_quantity": 10, "unit_price": "1820.00"}],
    }


def test_staff_creates_a_product_with_nested_tiers_and_an_audit_entry(client_for, catalog_staff, body):
    response = client_for(catalog_staff).post(PRODUCTS, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["price_tiers"] == [
        {"min_quantity": 10, "unit_price": "1820.00"},
        {"min_quantity": 20, "unit_price": "1790.00"},
    ]
    assert (data["base_price"], data["price_with_tax"], data["stock_quantity"]) == ("1850.00", "2016.50", 0)
    product = Product.objects.get()
    assert product.search_text == "sem-fine-25 6130001000014 sim سميد رقيق 25 كغ semoule fine 25 kg fine semolina 25 kg"
    log = AuditLog.objects.get(action="create", object_id=str(product.pk))
    assert log.actor == catalog_staff
    assert log.changes["base_price"] == [None, "1850.00"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"barcode": "6130001000010"}, "barcode"),  # wrong check digit
        ({"tax_rate": "7.00"}, "tax_rate"),
        ({"base_price": "-5.00"}, "base_price"),
        ({"base_price": "10.005"}, "base_price"),
        ({"name_fr": ""}, "name_fr"),
        ({"price_tiers": [{"min_quantity": 10, "unit_price": "1900.00"}]}, "price_tiers"),
        (
            {"price_tiers": [{"min_quantity": 5, "unit_price": "1800"}, {"min_quantity": 9, "unit_price": "1810"}]},
            "price_tiers",
        ),
    ],
)
def test_invalid_product_is_400_naming_the_field_and_writes_nothing(client_for, catalog_staff, body, override, field):
    audit_entries = AuditLog.objects.count()

    response = client_for(catalog_staff).post(PRODUCTS, {**body, **override}, format="json")

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert (Product.objects.count(), PriceTier.objects.count(), AuditLog.objects.count()) == (0, 0, audit_entries)


@pytest.mark.parametrize("sku", ["SEM-FINE-25", "sem-fine-25", "Sem-Fine-25"])
def test_duplicate_sku_in_any_case_is_409(client_for, catalog_staff, body, sku):
    client = client_for(catalog_staff)
    assert client.post(PRODUCTS, body, format="json").status_code == 201

    response = client.post(PRODUCTS, {**body, "sku": sku, "barcode": None}, format="json")

    assert list(assert_error(response, 409, "CONFLICT")["details"]) == ["sku"]
    assert Product.objects.count() == 1


def test_duplicate_barcode_is_409(client_for, catalog_staff, body, make_product):
    make_product(barcode="6130001000014")

    response = client_for(catalog_staff).post(PRODUCTS, body, format="json")

    assert "barcode" in assert_error(response, 409, "CONFLICT")["details"]


@pytest.mark.parametrize("user_kind", ["retailer", "staff_without_perms", "staff_view_only"])
def test_writes_without_the_catalog_permission_are_403_and_change_nothing(
    client_for, make_user, make_product, body, user_kind
):
    product = make_product(base_price=Decimal("50.00"))
    user = {
        "retailer": lambda: make_user(role="retailer"),
        "staff_without_perms": lambda: make_user(role="admin"),
        "staff_view_only": lambda: make_user(role="admin", perms=["products.view_product"]),
    }[user_kind]()
    client = client_for(user)

    responses = [
        client.post(PRODUCTS, body, format="json"),
        client.patch(f"{PRODUCTS}/{product.pk}", {"base_price": "1.00"}, format="json"),
        client.delete(f"{PRODUCTS}/{product.pk}"),
    ]

    for response in responses:
        assert_error(response, 403, "FORBIDDEN")
    product.refresh_from_db()
    assert (Product.objects.count(), product.base_price) == (1, Decimal("50.00"))


def test_retailers_never_see_inactive_products_hidden_categories_or_raw_stock(
    client_for, retailer, catalog_staff, make_category, make_product
):
    parent = make_category(slug="drinks")
    child = make_category(parent=parent, slug="juices")
    visible = make_product(sku="VISIBLE", stock=8, min_order_quantity=10)
    inactive = make_product(sku="INACTIVE", is_active=False)
    hidden = make_product(sku="UNDER-INACTIVE", category=child)
    category_update(actor=None, category=parent, is_active=False)
    client = client_for(retailer)

    listing = client.get(PRODUCTS).json()["data"]

    assert [p["sku"] for p in listing] == ["VISIBLE"]
    assert "stock_quantity" not in listing[0] and "low_stock_threshold" not in listing[0]
    assert (listing[0]["available_quantity"], listing[0]["in_stock"]) == (8, False)
    for product in (inactive, hidden):
        assert_error(client.get(f"{PRODUCTS}/{product.pk}"), 404, "NOT_FOUND")
        assert_error(client.get(f"{PRODUCTS}/by-sku/{product.sku}"), 404, "NOT_FOUND")
    assert client.get(f"{PRODUCTS}/{visible.pk}").json()["data"]["available_quantity"] == 8
    staff = client_for(catalog_staff).get(f"{PRODUCTS}?include_inactive=true").json()["data"]
    assert sorted(p["sku"] for p in staff) == ["INACTIVE", "UNDER-INACTIVE", "VISIBLE"]


def test_retail_reads_are_cached_but_stock_is_live_and_changes_invalidate(client_for, retailer, make_product):
    product = make_product(sku="OIL-5L", name_fr="Huile 5 L", stock=5)
    client = client_for(retailer)
    first = client.get(f"{PRODUCTS}?lang=fr").json()["data"][0]

    stock_adjust(actor=None, product=product, operation="add", quantity=3)
    with CaptureQueriesContext(connection) as cached_read:
        second = client.get(f"{PRODUCTS}?lang=fr").json()["data"][0]
    product_update(actor=None, product=product, name_fr="Huile Elio 5 L")
    third = client.get(f"{PRODUCTS}?lang=fr").json()["data"][0]

    assert (first["name"], first["available_quantity"]) == ("Huile 5 L", 5)
    assert (second["name"], second["available_quantity"]) == ("Huile 5 L", 8)
    assert not any("products_productimage" in q["sql"] for q in cached_read.captured_queries)
    assert (third["name"], third["available_quantity"]) == ("Huile Elio 5 L", 8)
    assert client.get(f"{PRODUCTS}?lang=ar").json()["data"][0]["name"] == product.name_ar


def _serialized_product_ids(queries) -> set[str]:
    """Products whose representation was built (their images were read) during `queries`."""
    image_reads = [q["sql"] for q in queries if 'FROM "products_productimage"' in q["sql"]]
    return {pid for sql in image_reads for pid in re.findall(r"[0-9a-f]{32}|[0-9a-f-]{36}", sql)}


def test_an_edit_rebuilds_only_the_edited_products_cached_representation(client_for, retailer, make_product):
    oil = make_product(sku="OIL", name_fr="Huile")
    sugar = make_product(sku="SUGAR", name_fr="Sucre")
    client = client_for(retailer)
    client.get(PRODUCTS, {"lang": "fr"})

    product_update(actor=None, product=oil, name_fr="Huile Elio")
    with CaptureQueriesContext(connection) as ctx:
        names = [p["name"] for p in client.get(PRODUCTS, {"lang": "fr"}).json()["data"]]

    assert names == ["Huile Elio", "Sucre"]
    built = _serialized_product_ids(ctx.captured_queries)
    assert oil.pk.hex in built or str(oil.pk) in built
    assert sugar.pk.hex not in built and str(sugar.pk) not in built


def test_images_tags_and_category_renames_reach_cached_representations(
    client_for, retailer, catalog_staff, category, make_product, make_tag
):
    product, tag = make_product(sku="TEA", name_fr="The"), make_tag()
    client = client_for(retailer)
    assert client.get(f"{PRODUCTS}/{product.pk}").json()["data"]["images"] == []
    client.get(PRODUCTS, {"lang": "fr"})

    def shown():
        return client.get(f"{PRODUCTS}/{product.pk}", {"lang": "fr"}).json()["data"], client.get(
            PRODUCTS, {"lang": "fr"}
        ).json()["data"][0]

    product_image_add(actor=None, product=product, image=SimpleUploadedFile("t.png", png_bytes()))
    product_tags_bulk(actor=None, products=[product], operation="add", tags=[tag])
    for data in shown():
        assert len(data["images"]) == 1
        assert [t["id"] for t in data["tags"]] == [str(tag.pk)]

    category_update(actor=None, category=category, name_fr="Boissons chaudes")
    assert [data["category"]["name"] for data in shown()] == ["Boissons chaudes", "Boissons chaudes"]


def test_name_follows_the_request_language_and_all_translations_are_present(client_for, retailer, make_product):
    make_product(name_ar="قهوة", name_fr="Café moulu", name_en="Ground coffee")
    client = client_for(retailer)

    for lang, name in (("ar", "قهوة"), ("fr", "Café moulu"), ("en", "Ground coffee")):
        data = client.get(f"{PRODUCTS}?lang={lang}").json()["data"][0]
        assert data["name"] == name
        assert (data["name_ar"], data["name_fr"], data["name_en"]) == ("قهوة", "Café moulu", "Ground coffee")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cafe", ["COF-1"]),
        ("CAFÉ moulu", ["COF-1"]),
        ("coffee 250", ["COF-1"]),
        ("قهوه", ["COF-1"]),  # ة folded to ه
        ("هوة", ["COF-1"]),  # a substring of an Arabic name
        ("زيت", ["OIL-1"]),
        ("الزيت", []),
        ("اسمر", ["SUG-1"]),  # أ/harakat/tatweel folded in the index
        ("sug-1", ["SUG-1"]),
        ("6130001000014", ["OIL-1"]),
        ("moulu zzz", []),
    ],
)
def test_search_matches_every_word_across_sku_barcode_and_names(client_for, retailer, make_product, query, expected):
    make_product(sku="COF-1", name_ar="قهوة مطحونة", name_fr="Café moulu 250 g", name_en="Ground coffee 250 g")
    make_product(sku="OIL-1", barcode="6130001000014", name_ar="زيت مائدة", name_fr="Huile", name_en="Oil")
    make_product(sku="SUG-1", name_ar="سُكَّر أَسْمـــر", name_fr="Sucre roux", name_en="Brown sugar")

    response = client_for(retailer).get(PRODUCTS, {"search": query})

    assert sorted(p["sku"] for p in response.json()["data"]) == expected


def test_filters_and_ordering(client_for, catalog_staff, make_category, category, make_product, make_tag):
    child = make_category(parent=category)
    promo = make_tag()
    make_product(sku="A", base_price=Decimal("300.00"), brand="Elio", stock=5, tags=[promo])
    make_product(sku="B", base_price=Decimal("100.00"), category=child, brand="Cevital")
    make_product(sku="C", base_price=Decimal("200.00"), category=child, brand="elio", stock=1)
    client = client_for(catalog_staff)

    def skus(**params):
        return [p["sku"] for p in client.get(PRODUCTS, params).json()["data"]]

    assert skus(category=str(category.pk), ordering="price") == ["B", "C", "A"]
    assert skus(category=str(child.pk), ordering="-price") == ["C", "B"]
    assert skus(brand="ELIO") == ["A", "C"]
    assert skus(tag=str(promo.pk)) == ["A"]
    assert skus(in_stock="true") == ["A", "C"]
    assert skus(min_price="150", max_price="250") == ["C"]
    assert skus(ordering="-stock_quantity") == ["A", "C", "B"]
    assert_error(client.get(PRODUCTS, {"ordering": "cost_price"}), 400, "VALIDATION_ERROR")


def test_retailers_cannot_order_by_raw_stock(client_for, retailer):
    assert_error(client_for(retailer).get(PRODUCTS, {"ordering": "stock_quantity"}), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("who", ["staff", "retailer"])
def test_product_list_query_count_does_not_grow_with_the_page(
    client_for, catalog_staff, retailer, make_product, make_tag, who
):
    tags = [make_tag(), make_tag()]
    for n in range(12):
        product = make_product(
            sku=f"P{n:02d}", tags=tags, price_tiers=[{"min_quantity": 10, "unit_price": "90.00"}], stock=n + 1
        )
        for i in range(2):
            ProductImage.objects.create(product=product, image=f"products/p{n}-{i}.png", is_primary=i == 0)
    client = client_for(catalog_staff if who == "staff" else retailer)
    client.get(PRODUCTS, {"limit": 1})  # warm the per-version category visibility cache

    counts = []
    for limit in (5, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(PRODUCTS, {"limit": limit})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))

    assert len(response.json()["data"]) == 12
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10


def test_lookup_by_sku_in_any_case_and_by_barcode(client_for, retailer, make_product):
    product = make_product(sku="Milk-1L", barcode="6130001000014")
    client = client_for(retailer)

    assert client.get(f"{PRODUCTS}/by-sku/MILK-1l").json()["data"]["id"] == str(product.pk)
    assert client.get(f"{PRODUCTS}/by-barcode/6130001000014").json()["data"]["id"] == str(product.pk)
    assert_error(client.get(f"{PRODUCTS}/by-barcode/0000"), 404, "NOT_FOUND")


def test_delete_refuses_an_ordered_product_and_allows_a_never_ordered_one(client_for, catalog_staff, make_product):
    ordered = make_product(stock=5)
    stock_move(product_id=ordered.pk, delta=-1, reason="order", reference="ORD-2026-000001")
    fresh = make_product(stock=2)
    client = client_for(catalog_staff)

    assert_error(client.delete(f"{PRODUCTS}/{ordered.pk}"), 409, "CONFLICT")
    deleted = client.delete(f"{PRODUCTS}/{fresh.pk}")

    assert deleted.status_code == 204 and deleted.content == b""
    assert list(Product.objects.values_list("pk", flat=True)) == [ordered.pk]
    assert StockMovement.objects.filter(product=ordered).count() == 2


def test_image_upload_sniffs_the_type_and_keeps_one_primary(client_for, catalog_staff, make_product):
    product = make_product()
    client = client_for(catalog_staff)
    url = f"{PRODUCTS}/{product.pk}/images"

    first = client.post(url, {"image": SimpleUploadedFile("a.png", png_bytes())}, format="multipart")
    second = client.post(
        url, {"image": SimpleUploadedFile("b.png", png_bytes("blue")), "is_primary": "true"}, format="multipart"
    )
    fake = client.post(
        url, {"image": SimpleUploadedFile("evil.jpg", b"MZ\x90\x00" + b"\x00" * 300, "image/jpeg")}, format="multipart"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert "image" in assert_error(fake, 400, "VALIDATION_ERROR")["details"]
    assert list(product.images.order_by("created_at").values_list("is_primary", flat=True)) == [False, True]
    deleted = client.delete(f"{url}/{second.json()['data']['id']}")
    assert deleted.status_code == 204
    assert list(product.images.values_list("is_primary", flat=True)) == [True]


def test_oversized_image_is_refused(client_for, catalog_staff, make_product):
    product = make_product()
    big = png_bytes() + b"\x00" * (5 * 1024 * 1024)

    response = client_for(catalog_staff).post(
        f"{PRODUCTS}/{product.pk}/images", {"image": SimpleUploadedFile("big.png", big)}, format="multipart"
    )

    assert "image" in assert_error(response, 413, "PAYLOAD_TOO_LARGE")["details"]
    assert ProductImage.objects.count() == 0


def test_recently_viewed_lists_the_last_distinct_views_latest_first(client_for, retailer, catalog_staff, make_product):
    first, second = make_product(sku="FIRST"), make_product(sku="SECOND")
    client = client_for(retailer)
    for product in (first, second, first):
        assert client.post(f"{PRODUCTS}/{product.pk}/view").status_code == 200

    data = client.get(f"{PRODUCTS}/recently-viewed").json()["data"]

    assert [p["sku"] for p in data] == ["FIRST", "SECOND"]
    assert "available_quantity" in data[0]
    assert_error(client_for(catalog_staff).get(f"{PRODUCTS}/recently-viewed"), 403, "FORBIDDEN")


def test_suggestions_cover_products_categories_and_brands(client_for, retailer, make_category, make_product):
    coffee = make_category(name_fr="Café et thé", slug="cafe")
    make_product(sku="COF-1", name_fr="Café Bonal 250 g", brand="Café Bonal", category=coffee)

    data = client_for(retailer).get(f"{PRODUCTS}/suggestions", {"q": "cafe", "lang": "fr"}).json()["data"]

    assert [p["sku"] for p in data["products"]] == ["COF-1"]
    assert [c["name"] for c in data["categories"]] == ["Café et thé"]
    assert data["brands"] == ["Café Bonal"]


def test_deactivating_a_category_invalidates_cached_retail_reads(client_for, retailer, category, make_product):
    product = make_product(sku="MILK")
    client = client_for(retailer)
    assert [p["sku"] for p in client.get(PRODUCTS).json()["data"]] == ["MILK"]
    assert client.get(f"{PRODUCTS}/{product.pk}").status_code == 200

    category_update(actor=None, category=category, is_active=False)

    assert client.get(PRODUCTS).json()["data"] == []
    assert_error(client.get(f"{PRODUCTS}/{product.pk}"), 404, "NOT_FOUND")


def test_a_file_with_image_magic_but_broken_content_is_refused(client_for, catalog_staff, make_product):
    product = make_product()
    broken = png_bytes()[:40]  # PNG signature and header, then nothing

    response = client_for(catalog_staff).post(
        f"{PRODUCTS}/{product.pk}/images", {"image": SimpleUploadedFile("x.png", broken)}, format="multipart"
    )

    assert "image" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert ProductImage.objects.count() == 0


@pytest.mark.parametrize("user_kind", ["retailer", "staff_view_only"])
def test_staff_actions_need_their_permission_and_change_nothing(
    client_for, make_user, make_product, make_tag, user_kind
):
    product = make_product(stock=5)
    tag, other = make_tag(), make_tag()
    user = (
        make_user(role="retailer")
        if user_kind == "retailer"
        else make_user(role="admin", perms=["products.view_product"])
    )
    client = client_for(user)

    responses = [
        client.post(f"{PRODUCTS}/{product.pk}/stock", {"operation": "set", "quantity": 0}, format="json"),
        client.post(
            f"{PRODUCTS}/bulk-tags",
            {"product_ids": [str(product.pk)], "operation": "add", "tag_ids": [str(tag.pk)]},
            format="json",
        ),
        client.post(
            f"{PRODUCTS}/{product.pk}/images", {"image": SimpleUploadedFile("a.png", png_bytes())}, format="multipart"
        ),
        client.post(f"/api/v1/tags/{tag.pk}/merge", {"target_id": str(other.pk)}, format="json"),
        client.delete(f"/api/v1/tags/{tag.pk}"),
        client.post("/api/v1/categories", {"name_ar": "س", "name_fr": "S", "name_en": "S"}, format="json"),
    ]

    for response in responses:
        assert_error(response, 403, "FORBIDDEN")
    product.refresh_from_db()
    assert (product.stock_quantity, product.tags.count(), product.images.count()) == (5, 0, 0)
    assert StockMovement.objects.filter(product=product).count() == 1
    assert Tag.objects.count() == 2
