"""model-bakery recipes (`baker.make_recipe("orders.order")`) for tests.

A recipe order is an order row without items, stock movements or charges: for tests that read
orders (figures, listings). Its default (pending, cash, 0.00) agrees with the stock and retailer
ledgers; an order a test moves through the lifecycle is placed with `order_place`, which takes
the stock and posts the charge."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone
from model_bakery.recipe import Recipe, foreign_key, seq

from orders.models import Order, OrderStatus, PaymentMethod
from retailers.baker_recipes import retailer

ZERO = Decimal("0.00")

order = Recipe(
    Order,
    number=(f"ORD-TEST-{n:04d}" for n in count(1)),
    idempotency_key=seq("key-"),
    retailer=foreign_key(retailer),
    status=OrderStatus.PENDING,
    payment_method=PaymentMethod.CASH,
    subtotal=ZERO,
    tax_total=ZERO,
    delivery_fee=ZERO,
    discount_total=ZERO,
    stamp_duty=ZERO,
    total=ZERO,
    requested_delivery_date=lambda: timezone.localdate() + timedelta(days=1),
    time_slot="morning",
)
