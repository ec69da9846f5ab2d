"""Identities and known ids for the schema fuzz (fuzz/run.py), after `seed_demo --size small`.

Run with the fuzz server's environment (its database): `python fuzz/prepare.py OUT.json`.
Gives the demo retailer (active, with credit and an address) a non-empty cart, gives the demo
driver its Driver row and a delivery picked up (so the driver-app endpoints reach a real
delivery, whose id the driver's ids list), mints one
access token per identity (admin = superuser, retailer = owner, driver) with a lifetime that
covers the run, and lists real ids per resource so that a share of the generated requests
reach an existing object instead of a 404.
"""

import json
import os
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livrili.settings")

import django  # noqa: E402 (after the path and settings module)

django.setup()

from django.db.models import F  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from analytics.models import Alert, ReportSchedule  # noqa: E402
from analytics.services import alerts_raise  # noqa: E402
from billing.models import CashHandover, Invoice, Payment  # noqa: E402
from deliveries.models import Delivery, Driver  # noqa: E402
from deliveries.services.lifecycle import delivery_assign, delivery_report  # noqa: E402
from livrili.accounts.models import User  # noqa: E402
from livrili.core.models import BusinessSettings  # noqa: E402
from livrili.ops.management.commands.bench_prepare import valid_quantity  # noqa: E402
from notifications.broadcasts import broadcast_create  # noqa: E402
from notifications.models import Broadcast, Notification, NotificationTemplate  # noqa: E402
from orders.models import CartItem, Order  # noqa: E402
from orders.services.cart import cart_add  # noqa: E402
from orders.services.lifecycle import order_confirm  # noqa: E402
from orders.services.placement import LineRequest, order_place  # noqa: E402
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


def driver_with_a_delivery(user: User, *, retailer: Retailer, owner: User, admin: User) -> Driver:
    """The demo driver's Driver row (available, licence valid for the run) and one delivery of
    its own on the road: an admin order of the demo retailer, confirmed, assigned, picked up."""
    driver, _created = Driver.objects.get_or_create(
        user=user,
        defaults={
            "vehicle_type": "van",
            "vehicle_plate": "FUZZ-0001",
            "capacity_kg": Decimal("800.00"),
            "status": "available",
            "license_expiry": date(2099, 12, 31),
        },
    )
    if Delivery.objects.filter(driver=driver).exists():
        return driver
    minimum = BusinessSettings.load().minimum_order_value
    # one line worth the minimum order, of a product with the stock for it (the seeded history
    # may have sold some out)
    visible = product_selectors.visible_products(retail=True).prefetch_related("price_tiers").order_by("sku")
    product = next(p for p in visible if valid_quantity(p, minimum) <= p.stock_quantity)
    order, _replayed = order_place(
        retailer=retailer,
        actor=owner,
        payment_method="cash",
        idempotency_key="fuzz-driver-delivery",
        fingerprint="fuzz",
        channel="admin",
        lines=[LineRequest(product_id=product.pk, quantity=valid_quantity(product, minimum))],
    )
    order = order_confirm(order=order, actor=admin)
    delivery = delivery_assign(delivery=Delivery.objects.get(order=order), driver=driver, actor=admin)
    delivery_report(delivery=delivery, actor=user, status="picked_up", operator=False)
    return driver


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
    alerts_raise()  # the seeded data's alerts (low stock, stock-out risk…), so alert ids exist
    driver_row = driver_with_a_delivery(driver, retailer=retailer, owner=owner, admin=admin)
    if not Broadcast.objects.filter(status="draft").exists():  # a draft the fuzz may estimate, send, cancel
        broadcast_create(actor=admin, title_fr="Fuzz", body_fr="Fuzz", channels=["in_app"], segment={"wilayas": ["16"]})
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
                    "own_notifications": ids(Notification.objects.filter(recipient=owner, channel="in_app")),
                    "own_invoices": ids(Invoice.objects.filter(retailer=retailer)),
                },
            },
            "driver": {
                "token": token(driver),
                "ids": {**shared, "own_deliveries": ids(Delivery.objects.filter(driver=driver_row))},
            },
            "admin": {
                "token": token(admin),
                "ids": {
                    **shared,
                    "orders": ids(Order.objects.all()),
                    "retailers": ids(Retailer.objects.all()),
                    "users": ids(User.objects.exclude(pk=admin.pk)),
                    "deliveries": ids(Delivery.objects.all()),
                    "drivers": ids(Driver.objects.all()),
                    "broadcasts": ids(Broadcast.objects.all()),
                    "notification_templates": ids(NotificationTemplate.objects.all()),
                    "invoices": ids(Invoice.objects.all()),
                    "payments": ids(Payment.objects.all()),
                    "cash_handovers": ids(CashHandover.objects.all()),
                    "alerts": ids(Alert.objects.all()),
                    "report_schedules": ids(ReportSchedule.objects.all()),
                },
            },
        },
    }
    out.write_text(json.dumps(data, indent=1))
    print(f"fuzz prepare: 4 identities, retailer {retailer.pk} cart of {len(products)} lines → {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
