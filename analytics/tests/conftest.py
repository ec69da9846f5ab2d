"""A generated dataset for the analytics tests: orders of every status placed over the last 70
days, their items, deliveries, credit invoices and ledger entries, written row by row with
random (seeded) values and historical timestamps. Tests recompute each figure from these raw
rows in Python and compare with the SQL answers."""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from model_bakery import baker

from billing.models import Invoice
from deliveries.models import Delivery
from livrili.core.models import Wilaya
from orders.models import Order, OrderItem, OrderStatus
from retailers.models import LedgerEntry, Retailer

WILAYAS = ("16", "31", "09")
COMMUNES = {"16": ("Bab Ezzouar", "Hydra"), "31": ("Es Senia",), "09": ("Boufarik", "Ouled Yaich")}


def money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Dataset:
    retailers: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    products: list = field(default_factory=list)


@pytest.fixture
def make_dataset(db, make_product):
    def build(*, orders: int = 40, seed: int = 7) -> Dataset:
        rng = random.Random(seed)  # noqa: S311 - reproducible test data
        today = timezone.localdate()
        data = Dataset()
        for code in WILAYAS:
            Wilaya.objects.get_or_create(code=code, defaults={"name": f"W{code}"})
        data.products = [make_product(stock=100) for _ in range(3)]
        for index in range(4):
            retailer = baker.make_recipe(
                "retailers.retailer",
                wilaya_id=WILAYAS[index % 3],
                status="pending" if index == 3 else "active",
            )
            Retailer.objects.filter(pk=retailer.pk).update(created_at=at(today - timedelta(days=index * 20), 10))
            data.retailers.append(retailer)
        for index in range(orders):
            retailer = rng.choice(data.retailers[:3])
            wilaya = rng.choice(WILAYAS)
            cash = rng.random() < 0.5
            subtotal, fee, tax = money(rng, 100, 9000), money(rng, 0, 300), money(rng, 0, 900)
            stamp = money(rng, 0, 50) if cash else Decimal("0.00")
            order = baker.make_recipe(
                "orders.order",
                retailer=retailer,
                status=rng.choice(OrderStatus.values),
                payment_method="cash" if cash else "credit",
                subtotal=subtotal,
                delivery_fee=fee,
                tax_total=tax,
                stamp_duty=stamp,
                total=subtotal + fee + tax + stamp,
                delivery_wilaya_code=wilaya,
                delivery_commune=rng.choice(COMMUNES[wilaya]),
            )
            placed = at(today - timedelta(days=rng.randint(0, 69)), rng.randint(0, 23), rng.randint(0, 59))
            Order.objects.filter(pk=order.pk).update(created_at=placed)
            for product in rng.sample(data.products, rng.randint(1, 3)):
                quantity = rng.randint(1, 12)
                line_subtotal = money(rng, 10, 3000)
                line_tax = money(rng, 0, 500)
                OrderItem.objects.create(
                    order=order,
                    product=product,
                    sku=product.sku,
                    name_ar=product.name_ar,
                    name_fr=product.name_fr,
                    name_en=product.name_en,
                    quantity=quantity,
                    unit_price=money(rng, 1, 300),
                    tax_rate=Decimal("19.00"),
                    line_subtotal=line_subtotal,
                    line_tax=line_tax,
                    line_total=line_subtotal + line_tax,
                )
            _delivery(rng, order, f"{seed}-{index}", placed)
            if not cash and rng.random() < 0.6:
                _invoice(rng, order, f"{seed}-{index}", placed)
            data.orders.append(order)
        for retailer in data.retailers[:3]:
            _ledger(rng, retailer, today)
        return data

    return build


def _delivery(rng, order, index, placed):
    if rng.random() < 0.2:
        return
    day = placed.date() + timedelta(days=rng.randint(0, 3))
    status = rng.choice(["pending", "delivered", "delivered", "failed", "cancelled"])
    windowed, eta = rng.random() < 0.4, rng.random() < 0.4
    fields = {
        "number": f"DEL-T-{index}",
        "order": order,
        "status": status,
        "scheduled_date": day,
        "window_start": time(8) if windowed else None,
        "window_end": time(12) if windowed else None,
        "estimated_at": at(day, 11) if (eta and not windowed) else None,
        "cash_to_collect": order.total,
        "wilaya_code": order.delivery_wilaya_code,
    }
    if status == "delivered":
        fields["delivered_at"] = at(day + timedelta(days=rng.choice([-1, 0, 0, 1])), rng.randint(7, 16))
    if status == "failed" or (status == "cancelled" and rng.random() < 0.5):
        fields["failed_at"] = at(day, 15)
        fields["failure_reason"] = rng.choice(["absent", "refused", "closed"])
    baker.make(Delivery, **fields)


def _invoice(rng, order, index, placed):
    issued = placed + timedelta(days=rng.randint(0, 5))
    invoice = baker.make(
        Invoice,
        number=f"FAC-T-{index}",
        order=order,
        retailer=order.retailer,
        issued_at=issued,
        due_date=issued.date() + timedelta(days=rng.choice([0, 10, 30])),
        status=rng.choice(["issued", "issued", "cancelled"]),
        payment_method="credit",
        language="fr",
        seller={},
        buyer={},
        subtotal=order.subtotal,
        discount_total=Decimal("0.00"),
        delivery_fee=order.delivery_fee,
        tax_total=order.tax_total,
        stamp_duty=Decimal("0.00"),
        total=order.total,
    )
    return invoice


def _ledger(rng, retailer, today):
    balance = Decimal("0.00")
    for position in range(1, rng.randint(3, 8)):
        amount = money(rng, 100, 20000) * rng.choice([1, 1, -1])
        balance += amount
        entry = LedgerEntry(
            retailer=retailer,
            position=position,
            kind="opening_balance",
            amount=amount,
            balance_after=balance,
            reason="test",
        )
        entry.save()
        _set_created(entry, at(today - timedelta(days=70 - position * 9), 9))
    Retailer.objects.filter(pk=retailer.pk).update(balance=balance)


def _set_created(entry, moment):
    # the ledger is append-only for the application (its queryset refuses update); tests date rows
    # through the base manager's SQL update
    LedgerEntry._base_manager.filter(pk=entry.pk).update(created_at=moment)
