import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from livrili.core.errors import DomainError
from livrili.core.models import AuditLog
from livrili.core.testing.concurrency import run_together
from livrili.core.tests.files import png_bytes
from products.models import Product, ProductImage, StockMovement, Tag
from products.services.cache import catalog_structure_version
from products.services.images import product_image_add, product_image_set_primary

pytestmark = pytest.mark.django_db

ADMIN = "/admin/products/product/"


@pytest.fixture
def admin_client_catalog(catalog_staff):
    client = Client(headers={"accept-language": "en"})
    client.force_login(catalog_staff)
    return client


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def product_form(category, **overrides):
    data = {
        "sku": "ADM-1",
        "barcode": "6130001000014",
        "name_ar": "سكر",
        "name_fr": "Sucre",
        "name_en": "Sugar",
        "category": str(category.pk),
        "unit": "bag",
        "pack_size": "1",
        "order_multiple": "1",
        "min_order_quantity": "1",
        "base_price": "95.00",
        "tax_rate": "9.00",
        "is_active": "on",
        "metadata": "{}",
        **inline_management("price_tiers", 1),
        "price_tiers-0-min_quantity": "10",
        "price_tiers-0-unit_price": "90.00",
        **inline_management("images"),
    }
    data.update(overrides)
    return data


def test_product_add_goes_through_the_service_with_tiers(admin_client_catalog, category, catalog_staff):
    response = admin_client_catalog.post(f"{ADMIN}add/", product_form(category))

    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(sku="ADM-1")
    assert list(product.price_tiers.values_list("min_quantity", flat=True)) == [10]
    assert product.search_text.startswith("adm-1 6130001000014")
    assert AuditLog.objects.filter(object_id=str(product.pk), action="create", actor=catalog_staff).exists()
    change = admin_client_catalog.get(f"{ADMIN}{product.pk}/change/")
    assert change.status_code == 200
    assert b"<svg" in change.content  # barcode rendering


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tax_rate": "7.00"}, "tax rate"),
        ({"price_tiers-0-unit_price": "99.00"}, "Tier prices"),
        ({"sku": "adm-0"}, "SKU"),
    ],
)
def test_product_admin_form_applies_the_service_rules(admin_client_catalog, category, make_product, overrides, message):
    make_product(sku="ADM-0")

    response = admin_client_catalog.post(f"{ADMIN}add/", product_form(category, **overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.filter(sku="ADM-1").exists()


def test_stock_action_requires_a_reason_and_writes_movements(admin_client_catalog, make_product):
    product = make_product(stock=5)
    base = {"action": "adjust_stock", "_selected_action": [str(product.pk)]}

    form_page = admin_client_catalog.post(ADMIN, base)
    missing_reason = admin_client_catalog.post(ADMIN, {**base, "apply": "1", "operation": "add", "quantity": "3"})
    applied = admin_client_catalog.post(
        ADMIN, {**base, "apply": "1", "operation": "add", "quantity": "3", "note": "delivery from Cevital"}
    )

    assert form_page.status_code == 200 and b"quantity" in form_page.content
    assert missing_reason.status_code == 200
    assert applied.status_code == 302
    product.refresh_from_db()
    assert product.stock_quantity == 8
    movement = StockMovement.objects.filter(product=product).latest("created_at")
    assert (movement.delta, movement.reason, movement.note) == (3, "adjust_add", "delivery from Cevital")


def test_bulk_deactivate_and_filters_and_search(admin_client_catalog, make_product):
    low = make_product(sku="LOW", stock=2, name_fr="Café moulu")
    make_product(sku="HIGH", stock=500)

    response = admin_client_catalog.post(ADMIN, {"action": "deactivate", "_selected_action": [str(low.pk)]})

    assert response.status_code == 302
    low.refresh_from_db()
    assert low.is_active is False
    assert AuditLog.objects.filter(object_id=str(low.pk), action="update").exists()
    page = admin_client_catalog.get(ADMIN, {"low_stock": "yes"}).content.decode()
    assert "LOW" in page and "HIGH" not in page
    page = admin_client_catalog.get(ADMIN, {"q": "cafe"}).content.decode()
    assert "LOW" in page and "HIGH" not in page


def test_admin_import_uses_the_catalog_importer(admin_client_catalog, category, tmp_path):
    csv_path = tmp_path / "p.csv"
    csv_path.write_text(
        "sku,name_ar,name_fr,name_en,category,base_price,stock_quantity\nIMP-1,زيت,Huile,Oil,grocery,650.00,12\n",
        encoding="utf-8",
    )

    with csv_path.open("rb") as handle:
        response = admin_client_catalog.post(f"{ADMIN}import-file/", {"file": handle})

    assert response.status_code == 200
    assert "1 created" in response.content.decode()
    assert Product.objects.get(sku="IMP-1").stock_quantity == 12


def test_admin_pages_render(admin_client_catalog, make_category, make_product):
    child = make_category(parent=make_category())
    make_product(category=child)

    for url in (
        ADMIN,
        f"{ADMIN}add/",
        "/admin/products/category/",
        "/admin/products/tag/",
        "/admin/products/supplier/",
        "/admin/products/stockmovement/",
        f"{ADMIN}export/",
    ):
        assert admin_client_catalog.get(url).status_code == 200, url


def tag_form(**overrides):
    data = {
        "name_ar": "عضوي",
        "name_fr": "Bio",
        "name_en": "Organic",
        "slug": "bio",
        "color": "#00AA00",
        "description": "",
        **inline_management("aliases", total=1),
        "aliases-0-alias": "Biologique",
    }
    return {**data, **overrides}


def test_tag_admin_add_goes_through_tag_save(admin_client_catalog, catalog_staff):
    structure = catalog_structure_version()

    response = admin_client_catalog.post("/admin/products/tag/add/", tag_form())

    assert response.status_code == 302, response.content.decode()[:2000]
    tag = Tag.objects.get(slug="bio")
    assert list(tag.aliases.values_list("alias", flat=True)) == ["Biologique"]
    audit = AuditLog.objects.get(object_id=str(tag.pk))
    assert (audit.action, audit.actor) == ("create", catalog_staff)
    assert audit.changes == {
        "slug": [None, "bio"],
        "name_ar": [None, "عضوي"],
        "name_fr": [None, "Bio"],
        "name_en": [None, "Organic"],
        "color": [None, "#00AA00"],
        "description": [None, ""],
    }
    assert catalog_structure_version() != structure


def test_tag_admin_edit_goes_through_tag_save_with_its_aliases(admin_client_catalog, make_tag):
    tag = make_tag(slug="bio", name_ar="عضوي", name_fr="Bio", name_en="Organic", aliases=["Biologique", "Organique"])
    keep, drop = tag.aliases.order_by("alias")
    form = tag_form(color="#112233")
    form.update(
        {
            "aliases-TOTAL_FORMS": "3",
            "aliases-INITIAL_FORMS": "2",
            "aliases-0-id": str(keep.pk),
            "aliases-0-tag": str(tag.pk),
            "aliases-0-alias": "Biologique",
            "aliases-1-id": str(drop.pk),
            "aliases-1-tag": str(tag.pk),
            "aliases-1-alias": "Organique",
            "aliases-1-DELETE": "on",
            "aliases-2-tag": str(tag.pk),
            "aliases-2-alias": "  Naturel ",
        }
    )
    structure = catalog_structure_version()

    response = admin_client_catalog.post(f"/admin/products/tag/{tag.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(tag.aliases.order_by("alias").values_list("alias", flat=True)) == ["Biologique", "Naturel"]
    audit = AuditLog.objects.get(object_id=str(tag.pk), action="update")
    assert audit.changes == {"color": ["#6B7280", "#112233"]}
    assert catalog_structure_version() != structure


def test_tag_admin_refuses_an_alias_of_another_tag_and_writes_nothing(admin_client_catalog, make_tag):
    make_tag(slug="other", aliases=["Biologique"])
    audits = AuditLog.objects.count()

    response = admin_client_catalog.post("/admin/products/tag/add/", tag_form(), follow=True)

    assert response.status_code == 200 and "<title>Error: Add tag" in response.content.decode()
    assert not Tag.objects.filter(slug="bio").exists()
    assert AuditLog.objects.count() == audits


def test_product_admin_primary_image_change_goes_through_the_service(admin_client_catalog, category, catalog_staff):
    # given a product with two images, the first one primary
    admin_client_catalog.post(f"{ADMIN}add/", product_form(category))
    product = Product.objects.get(sku="ADM-1")
    first, second = (
        product_image_add(
            actor=None, product=product, image=SimpleUploadedFile(f"{n}.png", png_bytes((8, 8))), sort_order=n
        )
        for n in (1, 2)
    )
    form = product_form(category, **inline_management("images", 2))
    form["images-INITIAL_FORMS"] = "2"
    for index, image in enumerate((first, second)):
        form.update(
            {
                f"images-{index}-id": str(image.pk),
                f"images-{index}-product": str(product.pk),
                f"images-{index}-alt_text": "",
                f"images-{index}-sort_order": str(image.sort_order),
            }
        )
    form["images-1-is_primary"] = "on"

    # when the second one is ticked as primary in the admin
    response = admin_client_catalog.post(f"{ADMIN}{product.pk}/change/", form)

    # then it is the one primary, and the change is audited like any service write
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(product.images.filter(is_primary=True).values_list("pk", flat=True)) == [second.pk]
    audit = AuditLog.objects.get(object_id=str(product.pk), action="image_primary")
    assert (audit.actor, audit.changes) == (catalog_staff, {"primary": [first.image.name, second.image.name]})


def test_product_admin_adds_and_deletes_images_through_the_services(admin_client_catalog, category, catalog_staff):
    # given a product with one (primary) image
    admin_client_catalog.post(f"{ADMIN}add/", product_form(category))
    product = Product.objects.get(sku="ADM-1")
    old = product_image_add(actor=None, product=product, image=SimpleUploadedFile("old.png", png_bytes((8, 8))))
    form = product_form(category, **inline_management("images", 2))
    form.update(
        {
            "images-INITIAL_FORMS": "1",
            "images-0-id": str(old.pk),
            "images-0-product": str(product.pk),
            "images-0-sort_order": "0",
            "images-0-is_primary": "on",
            "images-0-DELETE": "on",
            "images-1-product": str(product.pk),
            "images-1-image": SimpleUploadedFile("new.png", png_bytes((8, 8)), content_type="image/png"),
            "images-1-alt_text": "New",
            "images-1-sort_order": "1",
        }
    )

    # when the admin deletes the old image and uploads a new one
    response = admin_client_catalog.post(f"{ADMIN}{product.pk}/change/", form)

    # then both went through the image services: audited, and the new one is the primary
    assert response.status_code == 302, response.content.decode()[:3000]
    new = product.images.get()
    assert (new.alt_text, new.is_primary) == ("New", True)
    actions = AuditLog.objects.filter(object_id=str(product.pk), actor=catalog_staff).values_list("action", flat=True)
    assert sorted(a for a in actions if a.startswith("image_")) == ["image_add", "image_delete"]


def test_the_primary_image_service_locks_audits_and_refuses_a_foreign_image(make_product):
    product, other = make_product(), make_product()
    first, second = (
        product_image_add(actor=None, product=product, image=SimpleUploadedFile(f"{n}.png", png_bytes((8, 8))))
        for n in (1, 2)
    )
    foreign = product_image_add(actor=None, product=other, image=SimpleUploadedFile("x.png", png_bytes((8, 8))))
    audits = AuditLog.objects.count()

    with pytest.raises(DomainError) as refused:
        product_image_set_primary(actor=None, product=product, image=foreign)
    unchanged = product_image_set_primary(actor=None, product=product, image=first)
    moved = product_image_set_primary(actor=None, product=product, image=second)

    assert refused.value.code == "VALIDATION_ERROR"
    assert (unchanged, moved) == (first, second)
    assert list(ProductImage.objects.filter(is_primary=True).order_by("pk").values_list("pk", flat=True)) == sorted(
        [second.pk, foreign.pk]
    )
    assert AuditLog.objects.count() == audits + 1
    assert AuditLog.objects.filter(object_id=str(product.pk), action="image_primary").count() == 1


def test_tag_admin_delete_goes_through_tag_delete(admin_client_catalog, catalog_staff, make_tag):
    tag = make_tag(slug="bio")
    structure = catalog_structure_version()

    response = admin_client_catalog.post(f"/admin/products/tag/{tag.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    audit = AuditLog.objects.get(object_id=str(tag.pk), action="delete")
    assert audit.actor == catalog_staff
    assert catalog_structure_version() != structure


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_primary_image_changes_leave_exactly_one_primary(make_product):
    # given a product with four images, the first one primary
    product = make_product()
    images = [
        product_image_add(actor=None, product=product, image=SimpleUploadedFile(f"{n}.png", png_bytes((8, 8))))
        for n in range(4)
    ]

    # when four requests each make a different image primary at the same time
    outcomes = run_together(4, lambda i: product_image_set_primary(actor=None, product=product, image=images[i]))

    # then each one applied under the product's lock: one primary, and the audit rows form one chain
    assert [image.pk for image in outcomes] == [image.pk for image in images]
    primary = ProductImage.objects.get(product=product, is_primary=True)
    audits = AuditLog.objects.filter(object_id=str(product.pk), action="image_primary").order_by("created_at")
    chain = [images[0].image.name]
    for before, after in (audit.changes["primary"] for audit in audits):
        assert before == chain[-1]
        chain.append(after)
    assert chain[-1] == primary.image.name and len(chain) in (4, 5)
