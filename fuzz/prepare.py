"""Identities and known ids for the schema fuzz (fuzz/run.py), after `seed_demo --size small`.

Run with the fuzz server's environment (its database): `python fuzz/prepare.py OUT.json`.
Gives the demo retailer (active, with credit and an address) a non-empty cart, mints one
access token per identity (admin = superuser, retailer = owner, driver) with a lifetime that
covers the run, and lists real ids per resource so that a share of the generated requests
reach an existing object instead of a 404.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livrili.settings")

import django  # noqa: E402 (after the path and settings module)

django.setup()

from django.db.models import F  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from livrili.accounts.models import User  # noqa: E402
from livrili.ops.management.commands.bench_prepare import valid_quantity  # noqa: E402
from orders.models import CartItem, Order  # noqa: E402
from orders.services.cart import cart_add  # noqa: E402
from products import selectors as product_selectors  # noqa: E402
from products.models import Category, ProductImage, Supplier, Tag  # noqa: E402
from retailers.models import DeliveryAddress, Retailer, RetailerDocument  # noqa: E402

TOKEN_LIFETIME = timedelta(hours=2)
IDS_PER_RESOURCE = 5


def token(user: User) -> str:
    access = AccessToken.for_user(user)
    access.set_exp(lifetime=TOKEN_LIFETIME)
    return str(access)


def ids(queryset, field: str = "id") -> list[str]:
    return [str(value) for value in queryset.order_by(field).values_list(field, flat=True)[:IDS_PER_RESOURCE]]


def main(out: Path) -> None:
    admin = User.objects.get(username="admin", is_superuser=True, is_active=True)
    driver = User.objects.get(username="driver", is_active=True)
    owner = User.objects.select_related("retailer").get(username="retailer", is_active=True)
    retailer = owner.retailer
    if not DeliveryAddress.objects.filter(retailer=retailer).exists():
        raise SystemExit("fuzz prepare: the demo retailer has no delivery address (seed_demo changed?)")
    # three products the cart can hold: the seeded history (dated from today) may have sold one out
    in_stock = (
        product_selectors.visible_products(retail=True)
        .filter(stock_quantity__gte=F("min_order_quantity"))
        .prefetch_related("price_tiers")
        .order_by("sku")
    )
    products = [p for p in in_stock[:20] if valid_quantity(p, 0) <= p.stock_quantity][:3]
    if not CartItem.objects.filter(retailer=retailer).exists():
        for product in products:
            cart_add(retailer=retailer, actor=owner, product_id=product.pk, quantity=valid_quantity(product, 0))
    visible = product_selectors.visible_products(retail=True)
    shared = {
        "products": ids(visible),
        "skus": ids(visible, "sku"),
        "categories": ids(Category.objects.all()),
        "tags": ids(Tag.objects.all()),
        "suppliers": ids(Supplier.objects.all()),
        "images": ids(ProductImage.objects.all()),
    }
    data = {
        "identities": {
            "anonymous": {"token": None, "ids": shared},
            "retailer": {
                "token": token(owner),
                "ids": {
                    **shared,
                    "own_orders": ids(Order.objects.filter(retailer=retailer)),
                    "addresses": ids(DeliveryAddress.objects.filter(retailer=retailer)),
                    "cart_products": ids(CartItem.objects.filter(retailer=retailer), "product_id"),
                    "documents": ids(RetailerDocument.objects.filter(retailer=retailer)),
                    "members": ids(User.objects.filter(retailer=retailer)),
                },
            },
            "driver": {"token": token(driver), "ids": shared},
            "admin": {
                "token": token(admin),
                "ids": {
                    **shared,
                    "orders": ids(Order.objects.all()),
                    "retailers": ids(Retailer.objects.all()),
                    "users": ids(User.objects.exclude(pk=admin.pk)),
                },
            },
        },
    }
    out.write_text(json.dumps(data, indent=1))
    print(f"fuzz prepare: 4 identities, retailer {retailer.pk} cart of {len(products)} lines → {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
