"""The permission matrix: every /api/v1/ operation × every identity → the expected outcome.

quality.md "Security": each endpoint is called as {anonymous, retailer A, retailer B, pending
retailer, driver A, driver B, staff without the permission, staff with it}; another tenant's
object answers 404 and a refused call has no side effect. `test_permission_matrix.py` builds
the world, walks the URL conf and fails when a route is missing here (or a row names a route
that no longer exists). How to add rows: docs/architecture.md "Permission matrix".

Each row's `expect` lists the outcome per identity, in the order of IDENTITIES:

    anon  ret_a ret_b pend  drv_a drv_b st_no st_ok

Outcomes: `ok` (any 2xx), `401` UNAUTHORIZED, `403` FORBIDDEN, `404` NOT_FOUND, `409` CONFLICT,
`400` VALIDATION_ERROR, or `<status>:<CODE>` for any other error code
(`422:RETAILER_NOT_ACTIVE`). Every non-2xx outcome is also checked to have written nothing.

Path templates name objects of the world (`{product}`, `{retailer_a}`, …). The tenant-owned
names (TENANT_OWNED) resolve per identity: retailer A and every non-retailer get retailer A's
object, retailer B gets retailer A's object too (the cross-tenant case: 404), and the pending
retailer gets its own (to show what a non-active retailer may do with its data).

`perms` are what "staff with it" holds: Django permissions `app.codename`, or
`group:<name>` for a seeded group (livrili/accounts/roles.py). ALL (the default) grants every
permission: on a retailer or driver endpoint it shows that no staff permission opens it.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

IDENTITIES = ("anon", "ret_a", "ret_b", "pend", "drv_a", "drv_b", "st_no", "st_ok")
IDENTITY_NAMES = {
    "anon": "anonymous",
    "ret_a": "retailer A (owner, active)",
    "ret_b": "retailer B (owner, active)",
    "pend": "pending retailer (owner)",
    "drv_a": "driver A",
    "drv_b": "driver B",
    "st_no": "staff without the permission",
    "st_ok": "staff with the permission",
}
TENANT_OWNED = frozenset({"address", "document", "member", "order"})
ALL = ("group:Superadmin",)
WORLD_KEY = "world-order-a"

PASSWORD = "Correct-Horse-42"
NEW_PASSWORD = "Quiz-Jump-Wolk-Yoyo"  # no hex digits: never similar to a generated username
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def png() -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")


@dataclass(frozen=True)
class Row:
    expect: str
    path: str | None = None  # the route with world names, when the route has parameters
    body: Callable[[Any], dict] | None = None  # c → body (c: the call context of the test)
    query: str = ""  # may name world objects, like the path
    perms: tuple[str, ...] = ALL
    multipart: bool = False
    # True: a fresh Idempotency-Key per call; a string: that key (WORLD_KEY: the key retailer A
    # placed an order with while the world was built, so other callers show their keys are theirs)
    idempotent: bool | str = False
    # identity → reason: a known authorization defect; the case runs as xfail(strict=True)
    defects: dict[str, str] = field(default_factory=dict)

    def outcomes(self) -> dict[str, str]:
        tokens = self.expect.split()
        if len(tokens) != len(IDENTITIES):
            raise ValueError(f"{self.expect!r}: one outcome per identity ({len(IDENTITIES)})")
        return dict(zip(IDENTITIES, tokens, strict=True))


def login(c):
    return {"identifier": c.username, "password": PASSWORD}


def product_body(c):
    return {
        "sku": "NEW-0001",
        "name_ar": "جديد",
        "name_fr": "Nouveau",
        "name_en": "New",
        "category_id": c["category"],
        "base_price": "120.00",
    }


def signup_body(c):
    return {
        "full_name": "Nadia New",
        "phone": "0770 12 34 56",
        "password": NEW_PASSWORD,
        "business_name": "Nouvelle Épicerie",
        "business_type": "grocery",
        "wilaya": "16",
        "commune": "Kouba",
        "address": "1 rue Neuve",
    }


def place_body(address_id: str) -> dict:
    return {"payment_method": "cash", "address_id": address_id}


def lines(c):
    return [{"product_id": c["product"], "quantity": 20}]


# fmt: off
MATRIX: dict[tuple[str, str], Row] = {
    # --- Auth (public endpoints answer everyone; the body uses the caller's own account) ---------
    #                                                   anon  ret_a ret_b pend  drv_a drv_b st_no st_ok
    ("POST", "/api/v1/auth/login"): Row(               "ok    ok    ok    ok    ok    ok    ok    ok", body=login),
    ("POST", "/api/v1/auth/refresh"): Row(             "ok    ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"refresh": c.refresh_token()}),
    ("POST", "/api/v1/auth/logout"): Row(              "401   ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"refresh": c.refresh_token()}),
    ("GET", "/api/v1/auth/me"): Row(                   "401   ok    ok    ok    ok    ok    ok    ok"),
    ("PATCH", "/api/v1/auth/me"): Row(                 "401   ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"full_name": "Renamed", "preferred_language": "fr"}),
    ("POST", "/api/v1/auth/password/change"): Row(     "401   ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ("POST", "/api/v1/auth/password/reset"): Row(      "ok    ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"identifier": c.username}),
    ("POST", "/api/v1/auth/password/reset/confirm"): Row(
                                                       "ok    ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"identifier": c.username, "code": c.reset_code(), "new_password": NEW_PASSWORD}),
    # --- Users (staff) ----------------------------------------------------------------------
    ("GET", "/api/v1/users"): Row(                     "401   403   403   403   403   403   403   ok",
        perms=("accounts.view_user",)),
    ("POST", "/api/v1/users"): Row(                    "401   403   403   403   403   403   403   ok",
        perms=("accounts.add_user",),
        body=lambda c: {"username": "new.driver", "role": "driver", "password": NEW_PASSWORD, "full_name": "D"}),
    ("GET", "/api/v1/users/{pk}"): Row(                "401   403   403   403   403   403   403   ok",
        path="/api/v1/users/{user}", perms=("accounts.view_user",)),
    ("PATCH", "/api/v1/users/{pk}"): Row(              "401   403   403   403   403   403   403   ok",
        path="/api/v1/users/{user}", perms=("accounts.change_user",), body=lambda c: {"full_name": "Renamed"}),
    ("POST", "/api/v1/users/{pk}/deactivate"): Row(    "401   403   403   403   403   403   403   ok",
        path="/api/v1/users/{user}/deactivate", perms=("accounts.change_user",)),
    # --- Catalog: reads for any user, writes for staff with the model permission -------------
    ("GET", "/api/v1/categories"): Row(                "401   ok    ok    ok    ok    ok    ok    ok",
        perms=("products.view_product",)),
    ("GET", "/api/v1/categories/tree"): Row(           "401   ok    ok    ok    ok    ok    ok    ok",
        perms=("products.view_product",)),
    ("POST", "/api/v1/categories"): Row(               "401   403   403   403   403   403   403   ok",
        perms=("products.add_category",),
        body=lambda c: {"name_ar": "فئة", "name_fr": "Catégorie", "name_en": "Category"}),
    ("GET", "/api/v1/categories/{pk}"): Row(           "401   ok    ok    ok    ok    ok    ok    ok",
        path="/api/v1/categories/{category}", perms=("products.view_product",)),
    ("PATCH", "/api/v1/categories/{pk}"): Row(         "401   403   403   403   403   403   403   ok",
        path="/api/v1/categories/{category}", perms=("products.change_category",),
        body=lambda c: {"sort_order": 5}),
    ("DELETE", "/api/v1/categories/{pk}"): Row(        "401   403   403   403   403   403   403   ok",
        path="/api/v1/categories/{category_empty}", perms=("products.delete_category",)),
    ("GET", "/api/v1/products"): Row(                  "401   ok    ok    ok    ok    ok    ok    ok",
        perms=("products.view_product",)),
    ("POST", "/api/v1/products"): Row(                 "401   403   403   403   403   403   403   ok",
        perms=("products.add_product",), body=product_body),
    ("GET", "/api/v1/products/{pk}"): Row(             "401   ok    ok    ok    ok    ok    ok    ok",
        path="/api/v1/products/{product}", perms=("products.view_product",)),
    ("PATCH", "/api/v1/products/{pk}"): Row(           "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product}", perms=("products.change_product",), body=lambda c: {"brand": "Ifri"}),
    ("DELETE", "/api/v1/products/{pk}"): Row(          "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product_spare}", perms=("products.delete_product",)),
    ("POST", "/api/v1/products/{pk}/images"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product}/images", perms=("products.change_product",), multipart=True,
        body=lambda c: {"image": png(), "alt_text": "front"}),
    ("DELETE", "/api/v1/products/{pk}/images/{image_id}"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product}/images/{image}", perms=("products.change_product",)),
    ("POST", "/api/v1/products/{pk}/stock"): Row(      "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product}/stock", perms=("products.adjust_stock",),
        body=lambda c: {"operation": "add", "quantity": 5, "note": "count"}),
    ("GET", "/api/v1/products/{pk}/stock-movements"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/products/{product}/stock-movements", perms=("products.view_stockmovement",)),
    ("POST", "/api/v1/products/{pk}/view"): Row(       "401   ok    ok    ok    403   403   403   403",
        path="/api/v1/products/{product}/view"),
    ("POST", "/api/v1/products/bulk-tags"): Row(       "401   403   403   403   403   403   403   ok",
        perms=("products.change_product",),
        body=lambda c: {"product_ids": [c["product"]], "operation": "add", "tag_ids": [c["tag"]]}),
    ("GET", "/api/v1/products/by-barcode/{code}"): Row("401   ok    ok    ok    ok    ok    ok    ok",
        path="/api/v1/products/by-barcode/{barcode}", perms=("products.view_product",)),
    ("GET", "/api/v1/products/by-sku/{sku}"): Row(     "401   ok    ok    ok    ok    ok    ok    ok",
        path="/api/v1/products/by-sku/{sku}", perms=("products.view_product",)),
    ("GET", "/api/v1/products/suggestions"): Row(      "401   ok    ok    ok    ok    ok    ok    ok",
        query="q=Produit", perms=("products.view_product",)),
    ("GET", "/api/v1/products/popular"): Row(          "401   ok    ok    ok    403   403   403   403"),
    ("GET", "/api/v1/products/recommendations"): Row(  "401   ok    ok    ok    403   403   403   403"),
    ("GET", "/api/v1/products/recently-viewed"): Row(  "401   ok    ok    ok    403   403   403   403"),
    ("GET", "/api/v1/tags"): Row(                      "401   ok    ok    ok    ok    ok    ok    ok",
        perms=("products.view_tag",)),
    ("POST", "/api/v1/tags"): Row(                     "401   403   403   403   403   403   403   ok",
        perms=("products.add_tag",), body=lambda c: {"name_ar": "حلال", "name_fr": "Halal", "name_en": "Halal"}),
    ("GET", "/api/v1/tags/{pk}"): Row(                 "401   ok    ok    ok    ok    ok    ok    ok",
        path="/api/v1/tags/{tag}", perms=("products.view_tag",)),
    ("PATCH", "/api/v1/tags/{pk}"): Row(               "401   403   403   403   403   403   403   ok",
        path="/api/v1/tags/{tag}", perms=("products.change_tag",), body=lambda c: {"color": "#112233"}),
    ("DELETE", "/api/v1/tags/{pk}"): Row(              "401   403   403   403   403   403   403   ok",
        path="/api/v1/tags/{tag}", perms=("products.delete_tag",)),
    ("POST", "/api/v1/tags/{pk}/merge"): Row(          "401   403   403   403   403   403   403   ok",
        path="/api/v1/tags/{tag}/merge", perms=("products.change_tag", "products.delete_tag"),
        body=lambda c: {"target_id": c["tag_target"]}),
    ("GET", "/api/v1/suppliers"): Row(                 "401   403   403   403   403   403   403   ok",
        perms=("products.view_supplier",)),
    ("POST", "/api/v1/suppliers"): Row(                "401   403   403   403   403   403   403   ok",
        perms=("products.add_supplier",), body=lambda c: {"name": "Cevital", "code": "CEV"}),
    ("GET", "/api/v1/suppliers/{pk}"): Row(            "401   403   403   403   403   403   403   ok",
        path="/api/v1/suppliers/{supplier}", perms=("products.view_supplier",)),
    ("PATCH", "/api/v1/suppliers/{pk}"): Row(          "401   403   403   403   403   403   403   ok",
        path="/api/v1/suppliers/{supplier}", perms=("products.change_supplier",), body=lambda c: {"city": "Béjaïa"}),
    ("DELETE", "/api/v1/suppliers/{pk}"): Row(         "401   403   403   403   403   403   403   ok",
        path="/api/v1/suppliers/{supplier}", perms=("products.delete_supplier",)),
    # --- Retailer self-service (own rows; another retailer's row is 404) ---------------------
    ("POST", "/api/v1/retailers/signup"): Row(         "ok    ok    ok    ok    ok    ok    ok    ok",
        body=signup_body),
    ("GET", "/api/v1/retailers/profile"): Row(         "401   ok    ok    ok    403   403   403   403"),
    ("PATCH", "/api/v1/retailers/profile"): Row(       "401   ok    ok    ok    403   403   403   403",
        body=lambda c: {"commune": "Hydra", "postal_code": "16035"}),
    ("GET", "/api/v1/retailers/addresses"): Row(       "401   ok    ok    ok    403   403   403   403"),
    ("POST", "/api/v1/retailers/addresses"): Row(      "401   ok    ok    ok    403   403   403   403",
        body=lambda c: {"label": "Dépôt", "address": "5 rue Didouche", "wilaya": "16"}),
    ("PATCH", "/api/v1/retailers/addresses/{pk}"): Row("401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/addresses/{address}", body=lambda c: {"label": "Mine"}),
    ("DELETE", "/api/v1/retailers/addresses/{pk}"): Row(
                                                       "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/addresses/{address}"),
    ("GET", "/api/v1/retailers/documents"): Row(       "401   ok    ok    ok    403   403   403   403"),
    ("POST", "/api/v1/retailers/documents"): Row(      "401   ok    ok    ok    403   403   403   403",
        multipart=True, body=lambda c: {"type": "tax_certificate", "file": pdf()}),
    ("GET", "/api/v1/retailers/documents/{pk}/file"): Row(
                                                       "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/documents/{document}/file"),
    ("GET", "/api/v1/retailers/members"): Row(         "401   ok    ok    ok    403   403   403   403"),
    ("POST", "/api/v1/retailers/members"): Row(        "401   ok    ok    ok    403   403   403   403",
        body=lambda c: {"full_name": "Karim Member", "phone": "0550 98 76 54", "password": NEW_PASSWORD}),
    ("PATCH", "/api/v1/retailers/members/{pk}"): Row(  "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/members/{member}", body=lambda c: {"full_name": "Renamed", "is_active": False}),
    ("GET", "/api/v1/retailers/statement"): Row(       "401   ok    ok    ok    403   403   403   403"),
    # --- Retailer cart and orders (writes need an active retailer) ---------------------------
    ("GET", "/api/v1/retailers/cart"): Row(            "401   ok    ok    ok    403   403   403   403"),
    ("DELETE", "/api/v1/retailers/cart"): Row(         "401   ok    ok    422:RETAILER_NOT_ACTIVE 403 403 403 403"),
    ("POST", "/api/v1/retailers/cart/items"): Row(     "401   ok    ok    422:RETAILER_NOT_ACTIVE 403 403 403 403",
        body=lambda c: {"product_id": c["product"], "quantity": 20}),
    ("PATCH", "/api/v1/retailers/cart/items/{product_id}"): Row(
                                                       "401   ok    ok    422:RETAILER_NOT_ACTIVE 403 403 403 403",
        path="/api/v1/retailers/cart/items/{product}", body=lambda c: {"quantity": 30}),
    ("DELETE", "/api/v1/retailers/cart/items/{product_id}"): Row(
                                                       "401   ok    ok    422:RETAILER_NOT_ACTIVE 403 403 403 403",
        path="/api/v1/retailers/cart/items/{product}"),
    ("POST", "/api/v1/retailers/cart/sync"): Row(      "401   ok    ok    422:RETAILER_NOT_ACTIVE 403 403 403 403",
        body=lambda c: {"device_id": "phone-1", "actions": [
            {"client_action_id": "a-1", "action": "add", "product_id": c["product"], "quantity": 10}]}),
    ("GET", "/api/v1/retailers/orders"): Row(          "401   ok    ok    ok    403   403   403   403"),
    # retailer B names retailer A's address (and reuses A's key): refused, nothing placed
    ("POST", "/api/v1/retailers/orders"): Row(         "401   ok    400   422:RETAILER_NOT_ACTIVE 403 403 403 403",
        idempotent=WORLD_KEY, body=lambda c: place_body(c["address"])),
    ("GET", "/api/v1/retailers/orders/{pk}"): Row(     "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/orders/{order}"),
    ("GET", "/api/v1/retailers/orders/{pk}/tracking"): Row(
                                                       "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/orders/{order}/tracking"),
    ("POST", "/api/v1/retailers/orders/{pk}/cancel"): Row(
                                                       "401   ok    404   ok    403   403   403   403",
        path="/api/v1/retailers/orders/{order}/cancel", body=lambda c: {"reason": "Ordered twice"}),
    # A's delivered order (another retailer's → 404); staff and drivers cannot rate for it
    ("POST", "/api/v1/retailers/orders/{pk}/rating"): Row(
                                                       "401   ok    404   404   403   403   403   403",
        path="/api/v1/retailers/orders/{order_delivered}/rating", body=lambda c: {"rating": 5, "feedback": "Merci"}),
    ("POST", "/api/v1/retailers/orders/{pk}/reorder"): Row(
                                                       "401   ok    404   422:RETAILER_NOT_ACTIVE 403 403 403 403",
        path="/api/v1/retailers/orders/{order}/reorder"),
    # --- Back office: retailers ----------------------------------------------------------------
    ("GET", "/api/v1/retailers"): Row(                 "401   403   403   403   403   403   403   ok",
        perms=("retailers.view_retailer",)),
    ("POST", "/api/v1/retailers"): Row(                "401   403   403   403   403   403   403   ok",
        perms=("retailers.add_retailer",), body=signup_body),
    ("GET", "/api/v1/retailers/{pk}"): Row(            "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}", perms=("retailers.view_retailer",)),
    ("PATCH", "/api/v1/retailers/{pk}"): Row(          "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}", perms=("retailers.change_retailer",),
        body=lambda c: {"segment": "vip"}),
    ("POST", "/api/v1/retailers/{pk}/approve"): Row(   "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_pending}/approve", perms=("retailers.approve_retailer",)),
    ("POST", "/api/v1/retailers/{pk}/reject"): Row(    "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_pending}/reject", perms=("retailers.approve_retailer",),
        body=lambda c: {"reason": "No licence"}),
    ("POST", "/api/v1/retailers/{pk}/suspend"): Row(   "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}/suspend", perms=("retailers.approve_retailer",),
        body=lambda c: {"reason": "Unpaid"}),
    ("POST", "/api/v1/retailers/{pk}/reactivate"): Row("401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_suspended}/reactivate", perms=("retailers.approve_retailer",)),
    ("POST", "/api/v1/retailers/{pk}/close"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_suspended}/close", perms=("retailers.approve_retailer",),
        body=lambda c: {"reason": "Shop closed"}),
    ("POST", "/api/v1/retailers/{pk}/credit-limit"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}/credit-limit", perms=("retailers.change_credit_limit",),
        body=lambda c: {"credit_limit": "5000.00", "reason": "Good payer"}),
    ("GET", "/api/v1/retailers/{pk}/ledger"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}/ledger", perms=("retailers.view_ledgerentry",)),
    ("POST", "/api/v1/retailers/{pk}/adjustments"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}/adjustments", perms=("retailers.add_ledger_adjustment",),
        body=lambda c: {"kind": "debit", "amount": "5.00", "reason": "Fee"}),
    ("GET", "/api/v1/retailers/{pk}/events"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/retailers/{retailer_a}/events", perms=("retailers.view_retailerevent",)),
    # --- Back office: orders -------------------------------------------------------------------
    ("GET", "/api/v1/orders"): Row(                    "401   403   403   403   403   403   403   ok",
        perms=("orders.view_order",)),
    ("POST", "/api/v1/orders"): Row(                   "401   403   403   403   403   403   403   ok",
        perms=("orders.add_order",), idempotent=True,
        body=lambda c: {"retailer_id": c["retailer_a"], "payment_method": "cash", "items": lines(c)}),
    ("GET", "/api/v1/orders/stats"): Row(              "401   403   403   403   403   403   403   ok",
        perms=("orders.view_order",)),
    ("GET", "/api/v1/orders/{pk}"): Row(               "401   403   403   403   403   403   403   ok",
        path="/api/v1/orders/{order}", perms=("orders.view_order",)),
    ("PATCH", "/api/v1/orders/{pk}"): Row(             "401   403   403   403   403   403   403   ok",
        path="/api/v1/orders/{order}", perms=("orders.change_order",),
        body=lambda c: {"items": [{"product_id": c["product"], "quantity": 25}], "notes": "Edited"}),
    ("POST", "/api/v1/orders/{pk}/status"): Row(       "401   403   403   403   403   403   403   ok",
        path="/api/v1/orders/{order}/status", perms=("orders.change_order",),
        body=lambda c: {"status": "confirmed", "note": "ok"}),
    ("POST", "/api/v1/orders/{pk}/cancel"): Row(       "401   403   403   403   403   403   403   ok",
        path="/api/v1/orders/{order}/cancel", perms=("orders.change_order",),
        body=lambda c: {"reason": "Customer called"}),
    ("POST", "/api/v1/orders/{pk}/release-hold"): Row( "401   403   403   403   403   403   403   ok",
        path="/api/v1/orders/{order_on_hold}/release-hold", perms=("orders.release_hold",),
        body=lambda c: {"note": "Paid by phone"}),
    ("POST", "/api/v1/orders/bulk-status"): Row(       "401   403   403   403   403   403   403   ok",
        perms=("orders.change_order",),
        body=lambda c: {"order_ids": [c["order"]], "status": "confirmed", "note": ""}),
    # --- Back office: routes (d-routes) -----------------------------------------------------------
    ("GET", "/api/v1/routes"): Row(                    "401   403   403   403   403   403   403   ok",
        perms=("deliveries.view_route",)),
    ("POST", "/api/v1/routes/plan"): Row(              "401   403   403   403   403   403   403   ok",
        perms=("deliveries.add_route",), body=lambda c: {"date": c["route_date"]}),
    ("GET", "/api/v1/routes/{pk}"): Row(               "401   403   403   403   403   403   403   ok",
        path="/api/v1/routes/{route}", perms=("deliveries.view_route",)),
    ("PATCH", "/api/v1/routes/{pk}/stops"): Row(       "401   403   403   403   403   403   403   ok",
        path="/api/v1/routes/{route}/stops", perms=("deliveries.change_route",),
        body=lambda c: {"delivery_ids": [c["route_delivery"]]}),
    ("POST", "/api/v1/routes/{pk}/start"): Row(        "401   403   403   403   403   403   403   ok",
        path="/api/v1/routes/{route}/start", perms=("deliveries.change_route",)),
    ("POST", "/api/v1/routes/{pk}/complete"): Row(
                                         "401   403   403   403   403   403   403   422:INVALID_TRANSITION",
        path="/api/v1/routes/{route}/complete", perms=("deliveries.change_route",)),
    ("POST", "/api/v1/routes/{pk}/cancel"): Row(       "401   403   403   403   403   403   403   ok",
        path="/api/v1/routes/{route}/cancel", perms=("deliveries.change_route",)),
    ("GET", "/api/v1/drivers/me/route"): Row(          "401   403   403   403   ok    ok    403   403"),
    # --- Back office: deliveries and drivers (the seeded Dispatch group has deliveries.*) -------
    ("GET", "/api/v1/deliveries"): Row(                "401   403   403   403   403   403   403   ok",
        perms=("deliveries.view_delivery",)),
    ("GET", "/api/v1/deliveries/{pk}"): Row(           "401   403   403   403   403   403   403   ok",
        path="/api/v1/deliveries/{delivery}", perms=("deliveries.view_delivery",)),
    ("PATCH", "/api/v1/deliveries/{pk}"): Row(         "401   403   403   403   403   403   403   ok",
        path="/api/v1/deliveries/{delivery_pending}", perms=("deliveries.change_delivery",),
        body=lambda c: {"priority": 2, "instructions": "Call first"}),
    ("POST", "/api/v1/deliveries/{pk}/assign"): Row(   "401   403   403   403   403   403   403   ok",
        path="/api/v1/deliveries/{delivery_pending}/assign", perms=("deliveries.change_delivery",),
        body=lambda c: {"driver_id": c["driver_a"], "note": "Est"}),
    ("POST", "/api/v1/deliveries/{pk}/status"): Row(   "401   403   403   403   403   403   403   ok",
        path="/api/v1/deliveries/{delivery}/status", perms=("deliveries.change_delivery",),
        body=lambda c: {"status": "in_transit", "note": "called by the driver"}),
    ("GET", "/api/v1/drivers"): Row(                   "401   403   403   403   403   403   403   ok",
        perms=("deliveries.view_driver",)),
    ("POST", "/api/v1/drivers"): Row(                  "401   403   403   403   403   403   403   ok",
        perms=("deliveries.add_driver",),
        body=lambda c: {"full_name": "New Driver", "phone": "0770 11 22 33", "password": NEW_PASSWORD,
                        "vehicle_type": "car", "vehicle_plate": "09999-116-16", "capacity_kg": "400.00"}),
    ("GET", "/api/v1/drivers/{pk}"): Row(              "401   403   403   403   403   403   403   ok",
        path="/api/v1/drivers/{driver_a}", perms=("deliveries.view_driver",)),
    ("PATCH", "/api/v1/drivers/{pk}"): Row(            "401   403   403   403   403   403   403   ok",
        path="/api/v1/drivers/{driver_a}", perms=("deliveries.change_driver",), body=lambda c: {"max_stops": 12}),
    ("GET", "/api/v1/drivers/{pk}/performance"): Row(  "401   403   403   403   403   403   403   ok",
        path="/api/v1/drivers/{driver_a}/performance", perms=("deliveries.view_driver",)),
    # --- Billing: invoices of delivered orders (A's; another retailer's → 404) -------------------
    ("GET", "/api/v1/invoices"): Row(                  "401   403   403   403   403   403   403   ok",
        perms=("billing.view_invoice",)),
    ("GET", "/api/v1/invoices/{pk}"): Row(             "401   403   403   403   403   403   403   ok",
        path="/api/v1/invoices/{invoice}", perms=("billing.view_invoice",)),
    ("GET", "/api/v1/invoices/{pk}/pdf"): Row(         "401   403   403   403   403   403   403   ok",
        path="/api/v1/invoices/{invoice}/pdf", perms=("billing.view_invoice",)),
    ("POST", "/api/v1/invoices/{pk}/cancel"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/invoices/{invoice}/cancel", perms=("billing.cancel_invoice",),
        body=lambda c: {"reason": "Wrong customer"}),
    # --- Billing: payments and cash handovers (Finance) -----------------------------------------
    ("GET", "/api/v1/payments"): Row(                  "401   403   403   403   403   403   403   ok",
        perms=("billing.view_payment",)),
    ("POST", "/api/v1/payments"): Row(                 "401   403   403   403   403   403   403   ok",
        perms=("billing.record_payment",), idempotent=True,
        body=lambda c: {"retailer_id": c["retailer_a"], "amount": "50.00", "method": "bank_transfer"}),
    ("GET", "/api/v1/payments/{pk}"): Row(             "401   403   403   403   403   403   403   ok",
        path="/api/v1/payments/{payment}", perms=("billing.view_payment",)),
    ("POST", "/api/v1/payments/{pk}/bounce"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/payments/{payment}/bounce", perms=("billing.record_payment",),
        body=lambda c: {"reason": "Returned unpaid"}),
    ("POST", "/api/v1/payments/{pk}/cancel"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/payments/{payment}/cancel", perms=("billing.record_payment",),
        body=lambda c: {"reason": "Recorded twice"}),
    ("GET", "/api/v1/cash-handovers"): Row(            "401   403   403   403   403   403   403   ok",
        perms=("billing.view_cashhandover",)),
    ("POST", "/api/v1/cash-handovers"): Row(           "401   403   403   403   403   403   403   ok",
        perms=("billing.count_cash",),
        body=lambda c: {"driver_id": c["driver_a"], "date": c["today"], "counted_amount": "0.00", "reason": "other"}),
    ("GET", "/api/v1/cash-handovers/expected"): Row(   "401   403   403   403   403   403   403   ok",
        query="driver={driver_a}&date={today}", perms=("billing.view_cashhandover",)),
    ("POST", "/api/v1/cash-handovers/{pk}/approve"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/cash-handovers/{handover}/approve", perms=("billing.count_cash",)),
    ("GET", "/api/v1/retailers/invoices"): Row(        "401   ok    ok    ok    403   403   403   403"),
    ("GET", "/api/v1/retailers/invoices/{pk}"): Row(   "401   ok    404   404   403   403   403   403",
        path="/api/v1/retailers/invoices/{invoice}"),
    ("GET", "/api/v1/retailers/invoices/{pk}/pdf"): Row(
                                                       "401   ok    404   404   403   403   403   403",
        path="/api/v1/retailers/invoices/{invoice}/pdf"),
    # --- Driver app (own Driver row; driver B names driver A's delivery: 404) -----------------
    ("GET", "/api/v1/drivers/me"): Row(                "401   403   403   403   ok    ok    403   403"),
    ("POST", "/api/v1/drivers/me/status"): Row(        "401   403   403   403   ok    ok    403   403",
        body=lambda c: {"status": "off_duty"}),
    ("POST", "/api/v1/drivers/me/location"): Row(      "401   403   403   403   ok    ok    403   403",
        body=lambda c: {"latitude": "36.75", "longitude": "3.05"}),
    ("GET", "/api/v1/drivers/me/deliveries"): Row(     "401   403   403   403   ok    ok    403   403"),
    ("GET", "/api/v1/drivers/me/deliveries/{pk}"): Row("401   403   403   403   ok    404   403   403",
        path="/api/v1/drivers/me/deliveries/{delivery}"),
    ("POST", "/api/v1/drivers/me/deliveries/{pk}/status"): Row(
                                                       "401   403   403   403   ok    404   403   403",
        path="/api/v1/drivers/me/deliveries/{delivery}/status", idempotent=True,
        body=lambda c: {"status": "in_transit", "latitude": "36.75", "longitude": "3.05"}),
    ("POST", "/api/v1/drivers/me/deliveries/{pk}/proof"): Row(
                                                       "401   403   403   403   ok    404   403   403",
        path="/api/v1/drivers/me/deliveries/{delivery}/proof", idempotent=True, multipart=True,
        body=lambda c: {"recipient_name": "Ahmed", "photos": [png()]}),
    ("GET", "/api/v1/drivers/me/cash"): Row(           "401   403   403   403   ok    ok    403   403"),
    # --- Notifications: everyone's own inbox (another user's notification: 404) -----------------
    ("GET", "/api/v1/notifications"): Row(             "401   ok    ok    ok    ok    ok    ok    ok"),
    ("GET", "/api/v1/notifications/unread-count"): Row("401   ok    ok    ok    ok    ok    ok    ok"),
    ("POST", "/api/v1/notifications/read-all"): Row(   "401   ok    ok    ok    ok    ok    ok    ok"),
    ("POST", "/api/v1/notifications/{pk}/read"): Row(  "401   ok    404   404   404   404   404   404",
        path="/api/v1/notifications/{notification}/read"),
    ("GET", "/api/v1/notifications/preferences"): Row( "401   ok    ok    ok    ok    ok    ok    ok"),
    ("PUT", "/api/v1/notifications/preferences"): Row( "401   ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"preferences": [{"category": "promotions", "channel": "sms", "enabled": True}]}),
    ("POST", "/api/v1/notifications/push-subscriptions"): Row(
                                                       "401   ok    ok    ok    ok    ok    ok    ok",
        body=lambda c: {"endpoint": "https://push.example/matrix", "keys": {"p256dh": "BPk2", "auth": "c2Vj"}}),
    # --- Back office: notification templates (the seeded Support group has notifications.*) ------
    ("GET", "/api/v1/notification-templates"): Row(    "401   403   403   403   403   403   403   ok",
        perms=("notifications.view_notificationtemplate",)),
    ("POST", "/api/v1/notification-templates"): Row(   "401   403   403   403   403   403   403   ok",
        perms=("notifications.add_notificationtemplate",),
        body=lambda c: {"event": "stock_arrived", "channel": "in_app", "body_fr": "{name} est là",
                        "variables": ["name"]}),
    ("PATCH", "/api/v1/notification-templates/{pk}"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/notification-templates/{notification_template}",
        perms=("notifications.change_notificationtemplate",), body=lambda c: {"is_active": False}),
    ("POST", "/api/v1/notification-templates/{pk}/preview"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        path="/api/v1/notification-templates/{notification_template}/preview",
        perms=("notifications.view_notificationtemplate",), body=lambda c: {"language": "fr"}),
    # --- Back office: broadcasts (the seeded Sales group prepares and sends them) ---------------
    ("GET", "/api/v1/broadcasts"): Row(                "401   403   403   403   403   403   403   ok",
        perms=("notifications.view_broadcast",)),
    ("POST", "/api/v1/broadcasts"): Row(               "401   403   403   403   403   403   403   ok",
        perms=("notifications.add_broadcast",),
        body=lambda c: {"body_fr": "Promo", "channels": ["in_app"], "segment": {"wilayas": ["16"]}}),
    ("POST", "/api/v1/broadcasts/{pk}/estimate"): Row( "401   403   403   403   403   403   403   ok",
        path="/api/v1/broadcasts/{broadcast}/estimate", perms=("notifications.add_broadcast",)),
    ("POST", "/api/v1/broadcasts/{pk}/send"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/broadcasts/{broadcast}/send", perms=("notifications.send_broadcast",)),
    ("POST", "/api/v1/broadcasts/{pk}/cancel"): Row(   "401   403   403   403   403   403   403   ok",
        path="/api/v1/broadcasts/{broadcast}/cancel", perms=("notifications.send_broadcast",)),
    # --- Analytics: the operator dashboard (analytics.view_dashboard: Sales, Dispatch, Finance) --
    ("GET", "/api/v1/analytics/dashboard"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    ("GET", "/api/v1/analytics/trends"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    ("GET", "/api/v1/analytics/geo"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    ("GET", "/api/v1/analytics/top-retailers"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    ("GET", "/api/v1/analytics/top-products"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    ("GET", "/api/v1/analytics/delivery-performance"): Row(
                                                       "401   403   403   403   403   403   403   ok",
        query="period=7d", perms=("analytics.view_dashboard",)),
    # --- Reports (analytics.run_report: Finance) and the record of their files --------------------
    ("GET", "/api/v1/reports/{report_type}"): Row(     "401   403   403   403   403   403   403   ok",
        path="/api/v1/reports/{report_type}", query="period=7d&by=wilaya", perms=("analytics.run_report",)),
    ("GET", "/api/v1/report-exports"): Row(            "401   403   403   403   403   403   403   ok",
        perms=("analytics.view_reportexport",)),
    # --- Alerts (analytics.view_alert / change_alert: Finance) -----------------------------------
    ("GET", "/api/v1/alerts"): Row(                    "401   403   403   403   403   403   403   ok",
        query="resolved=false", perms=("analytics.view_alert",)),
    ("POST", "/api/v1/alerts/{pk}/read"): Row(         "401   403   403   403   403   403   403   ok",
        path="/api/v1/alerts/{alert}/read", perms=("analytics.view_alert",)),
    ("POST", "/api/v1/alerts/{pk}/resolve"): Row(      "401   403   403   403   403   403   403   ok",
        path="/api/v1/alerts/{alert}/resolve", perms=("analytics.change_alert",)),
    # --- Report schedules (analytics model permissions: Finance) ------------------------------
    ("GET", "/api/v1/report-schedules"): Row(          "401   403   403   403   403   403   403   ok",
        perms=("analytics.view_reportschedule",)),
    ("POST", "/api/v1/report-schedules"): Row(         "401   403   403   403   403   403   403   ok",
        perms=("analytics.add_reportschedule",),
        body=lambda c: {"report_type": "tax", "frequency": "monthly", "format": "csv",
                        "recipients": ["finance@example.dz"]}),
    ("DELETE", "/api/v1/report-schedules/{pk}"): Row(  "401   403   403   403   403   403   403   ok",
        path="/api/v1/report-schedules/{report_schedule}", perms=("analytics.delete_reportschedule",)),
}
# fmt: on
