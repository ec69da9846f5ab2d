import threading
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from livrili.core.errors import DomainError
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error
from products import selectors
from products.models import Category, Tag, TagAlias
from products.services.cache import catalog_structure_version
from products.services.categories import category_update

pytestmark = pytest.mark.django_db


def test_category_move_updates_the_subtree_and_refuses_cycles(client_for, catalog_staff, make_category):
    a = make_category(slug="a")
    b = make_category(parent=a, slug="b")
    c = make_category(parent=b, slug="c")
    other = make_category(slug="other")
    client = client_for(catalog_staff)

    cycle = client.patch(f"/api/v1/categories/{a.pk}", {"parent_id": str(c.pk)}, format="json")
    moved = client.patch(f"/api/v1/categories/{b.pk}", {"parent_id": str(other.pk)}, format="json")

    assert "parent_id" in assert_error(cycle, 400, "VALIDATION_ERROR")["details"]
    assert moved.status_code == 200 and moved.json()["data"]["depth"] == 1
    c.refresh_from_db()
    assert (c.depth, c.path) == (2, f"{other.pk.hex}/{b.pk.hex}/{c.pk.hex}")
    a.refresh_from_db()
    assert (a.parent_id, a.depth) == (None, 0)


def test_categories_nest_at_most_five_levels(client_for, catalog_staff, make_category):
    level = make_category()
    for _ in range(4):
        level = make_category(parent=level)

    response = client_for(catalog_staff).post(
        "/api/v1/categories",
        {"name_ar": "س", "name_fr": "Six", "name_en": "Six", "parent_id": str(level.pk)},
        format="json",
    )

    assert "parent_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert Category.objects.count() == 5


def test_category_names_are_required_in_three_languages(client_for, catalog_staff):
    response = client_for(catalog_staff).post(
        "/api/v1/categories", {"name_ar": "حليب", "name_fr": "Lait"}, format="json"
    )

    assert "name_en" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_category_with_children_or_products_cannot_be_deleted(client_for, catalog_staff, make_category, make_product):
    parent = make_category()
    make_category(parent=parent)
    with_product = make_category()
    make_product(category=with_product)
    client = client_for(catalog_staff)

    for category in (parent, with_product):
        assert_error(client.delete(f"/api/v1/categories/{category.pk}"), 409, "CONFLICT")
    assert Category.objects.count() == 4  # with the `category` fixture behind make_product


def test_retailer_category_tree_shows_active_branches_only(client_for, retailer, make_category):
    root = make_category(slug="root", sort_order=1)
    make_category(parent=root, slug="leaf")
    hidden = make_category(slug="hidden", sort_order=2)
    make_category(parent=hidden, slug="under-hidden")
    category_update(actor=None, category=hidden, is_active=False)

    tree = client_for(retailer).get("/api/v1/categories/tree").json()["data"]

    assert [(n["slug"], [c["slug"] for c in n["children"]]) for n in tree] == [("root", ["leaf"])]
    listing = client_for(retailer).get("/api/v1/categories").json()["data"]
    assert sorted(c["slug"] for c in listing) == ["leaf", "root"]


def test_hidden_categories_are_kept_in_process_per_structure_version(category, make_category):
    child = make_category(parent=category)
    version = catalog_structure_version()
    assert selectors.hidden_category_ids(version) == frozenset()

    no_cache = mock.patch.object(selectors.cache, "get", side_effect=AssertionError("cache read"))
    with no_cache, CaptureQueriesContext(connection) as ctx:
        assert selectors.hidden_category_ids(version) == frozenset()
    assert ctx.captured_queries == []

    category_update(actor=None, category=category, is_active=False)
    assert selectors.hidden_category_ids() == {category.pk, child.pk}


def test_duplicate_category_slug_is_409(client_for, catalog_staff, make_category):
    make_category(slug="milk")

    response = client_for(catalog_staff).post(
        "/api/v1/categories", {"slug": "milk", "name_ar": "ح", "name_fr": "L", "name_en": "M"}, format="json"
    )

    assert list(assert_error(response, 409, "CONFLICT")["details"]) == ["slug"]


def test_tag_merge_moves_products_and_keeps_names_as_aliases(client_for, catalog_staff, make_tag, make_product):
    promo = make_tag(slug="promo", name_ar="عرض", name_fr="Promo", name_en="Promo")
    sale = make_tag(slug="solde", name_ar="تخفيض", name_fr="Solde", name_en="Sale", aliases=["Discount"])
    both = make_product(tags=[promo, sale])
    only_sale = make_product(tags=[sale])

    response = client_for(catalog_staff).post(
        f"/api/v1/tags/{sale.pk}/merge", {"target_id": str(promo.pk)}, format="json"
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["slug"], data["usage_count"]) == ("promo", 2)
    assert data["aliases"] == ["Discount", "Sale", "Solde", "تخفيض"]
    assert not Tag.objects.filter(pk=sale.pk).exists()
    assert set(both.tags.values_list("slug", flat=True)) == {"promo"}
    assert set(only_sale.tags.values_list("slug", flat=True)) == {"promo"}


def test_tag_alias_is_unique_in_any_case(client_for, catalog_staff, make_tag):
    make_tag(aliases=["Bio"])

    response = client_for(catalog_staff).post(
        "/api/v1/tags",
        {"name_ar": "ع", "name_fr": "Organique", "name_en": "Organic", "aliases": ["BIO"]},
        format="json",
    )

    assert "aliases" in assert_error(response, 409, "CONFLICT")["details"]
    assert (Tag.objects.count(), TagAlias.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("add", {"a": {"t1", "t2", "t3"}, "b": {"t2", "t3"}}),
        ("remove", {"a": {"t1"}, "b": set()}),
        ("replace", {"a": {"t2", "t3"}, "b": {"t2", "t3"}}),
    ],
)
def test_bulk_tags(client_for, catalog_staff, make_tag, make_product, operation, expected):
    t1, t2, t3 = (make_tag(slug=f"t{n}") for n in (1, 2, 3))
    a, b = make_product(tags=[t1, t2]), make_product()

    response = client_for(catalog_staff).post(
        "/api/v1/products/bulk-tags",
        {"product_ids": [str(a.pk), str(b.pk)], "operation": operation, "tag_ids": [str(t2.pk), str(t3.pk)]},
        format="json",
    )

    assert response.json()["data"] == {"updated": 2}
    assert {p.pk: set(p.tags.values_list("slug", flat=True)) for p in (a, b)} == {
        a.pk: expected["a"],
        b.pk: expected["b"],
    }


def test_supplier_crud_and_delete_refused_while_it_has_products(client_for, catalog_staff, make_user, make_product):
    client = client_for(catalog_staff)
    created = client.post("/api/v1/suppliers", {"name": "Cevital", "code": "CEV", "wilaya_id": "16"}, format="json")
    supplier_id = created.json()["data"]["id"]
    duplicate = client.post("/api/v1/suppliers", {"name": "Other", "code": "cev"}, format="json")
    make_product(supplier_id=supplier_id)

    assert created.status_code == 201
    assert_error(duplicate, 409, "CONFLICT")
    assert_error(client.delete(f"/api/v1/suppliers/{supplier_id}"), 409, "CONFLICT")
    assert_error(client_for(make_user(role="retailer")).get("/api/v1/suppliers"), 403, "FORBIDDEN")
    assert AuditLog.objects.filter(action="create", object_id=supplier_id).count() == 1


@pytest.mark.postgres
def test_search_is_served_by_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM products_product WHERE search_text::text LIKE '%cafe%'")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "products_product_search_trgm" in plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossing_moves_never_create_a_cycle(make_category):
    a, b = make_category(slug="a"), make_category(slug="b")
    barrier = threading.Barrier(2)
    outcomes = []

    def move(category, parent):
        try:
            barrier.wait()
            try:
                category_update(actor=None, category=category, parent=parent)
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=args) for args in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["VALIDATION_ERROR", "ok"]
    roots = Category.objects.filter(parent=None)
    assert roots.count() == 1
    child = Category.objects.exclude(pk=roots.get().pk).get()
    assert (child.depth, child.path) == (1, f"{roots.get().pk.hex}/{child.pk.hex}")
