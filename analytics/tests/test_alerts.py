"""Alerts raised from live data by the periodic check: opened once per condition, resolved when
it clears, told to the staff who handle them; read and resolved through the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from model_bakery import baker

from analytics.models import Alert
from analytics.services import alerts_raise
from analytics.tasks import raise_alerts
from deliveries.models import Delivery, Driver
from livrili.core.testing.assertions import assert_error
from products.models import Product
from retailers.models import Retailer

pytestmark = pytest.mark.django_db


def open_alerts(alert_type):
    return list(Alert.objects.filter(type=alert_type, resolved_at__isnull=True).order_by("key"))


def test_low_stock_is_raised_once_told_to_stock_keepers_and_resolved_when_restocked(
    make_product, make_user, django_capture_on_commit_callbacks
):
    keeper = make_user(role="admin", perms=["products.adjust_stock"])
    bystander = make_user(role="admin", username="bystander")
    soap = make_product(stock=3, low_stock_threshold=5)
    make_product(stock=50, low_stock_threshold=5)

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_raise(types=["low_stock"]) == {"low_stock": [1, 0]}
    [alert] = open_alerts("low_stock")
    assert (alert.key, alert.severity, alert.object_id, alert.data) == (
        f"low_stock:{soap.pk}",
        "warning",
        str(soap.pk),
        {"sku": soap.sku, "stock": 3, "threshold": 5},
    )
    assert keeper.notifications.filter(event="low_stock").count() >= 1
    assert bystander.notifications.count() == 0

    # a second run changes nothing and tells nobody again
    told = keeper.notifications.count()
    assert alerts_raise(types=["low_stock"]) == {"low_stock": [0, 0]}
    assert Alert.objects.count() == 1 and keeper.notifications.count() == told

    # restocked: resolved by the check; sold out again later: a new alert
    Product.objects.filter(pk=soap.pk).update(stock_quantity=40)
    assert alerts_raise(types=["low_stock"]) == {"low_stock": [0, 1]}
    assert open_alerts("low_stock") == []
    Product.objects.filter(pk=soap.pk).update(stock_quantity=0)
    alerts_raise(types=["low_stock"])
    [again] = open_alerts("low_stock")
    assert again.pk != alert.pk and again.severity == "critical"


def test_the_database_refuses_a_second_open_alert_with_the_same_key():
    baker.make(Alert, type="low_stock", severity="warning", key="low_stock:x", object_type="t", object_id="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        baker.make(Alert, type="low_stock", severity="warning", key="low_stock:x", object_type="t", object_id="x")
    baker.make(Alert, type="low_stock", severity="warning", key="low_stock:y", resolved_at=timezone.now())
    baker.make(Alert, type="low_stock", severity="warning", key="low_stock:y")  # the old one is resolved


def test_credit_failed_delivery_and_licence_checks(make_retailer, make_user, make_dataset):
    data = make_dataset(orders=10)
    over = make_retailer(credit_limit=Decimal("1000.00"))
    Retailer.objects.filter(pk=over.pk).update(balance=Decimal("1500.50"))
    Retailer.objects.filter(pk__in=[r.pk for r in data.retailers]).update(balance=0, credit_limit=Decimal("10"))
    delivery = Delivery.objects.filter(status="failed").first() or Delivery.objects.first()
    Delivery.objects.exclude(pk=delivery.pk).filter(status="failed").update(status="cancelled")
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", failure_reason="absent", failed_at=timezone.now(), attempts=1
    )
    soon = timezone.localdate() + timedelta(days=10)
    driver = baker.make(
        Driver,
        user=make_user(role="driver"),
        vehicle_type="van",
        vehicle_plate="P-1",
        capacity_kg=500,
        license_expiry=soon,
        status="available",
    )
    baker.make(
        Driver,
        user=make_user(role="driver", username="later"),
        vehicle_type="van",
        vehicle_plate="P-2",
        capacity_kg=500,
        license_expiry=soon + timedelta(days=60),
    )

    summary = raise_alerts()

    assert summary["credit_over_limit"] == [1, 0] and summary["delivery_failed"] == [1, 0]
    assert summary["license_expiring"] == [1, 0]
    [credit] = open_alerts("credit_over_limit")
    assert credit.data == {"balance": "1500.50", "credit_limit": "1000.00", "excess": "500.50"}
    [failed] = open_alerts("delivery_failed")
    assert failed.key == f"delivery_failed:{delivery.pk}:1"
    [licence] = open_alerts("license_expiring")
    assert (licence.object_id, licence.data) == (str(driver.pk), {"expiry": soon.isoformat()})


def test_stockout_risk_uses_the_recent_pace(make_dataset):
    data = make_dataset(orders=50)
    Product.objects.update(stock_quantity=5, low_stock_threshold=1)
    alerts_raise(types=["stockout_risk"])
    risky = {a.object_id for a in open_alerts("stockout_risk")}
    from analytics.selectors.reports import stock_predictions

    expected = {r["id"] for r in stock_predictions(days=14).rows if r["days_until_stockout"] < 7}
    assert risky == expected and risky <= {str(p.pk) for p in data.products}


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def alert(make_product):
    product = make_product(stock=0)
    alerts_raise(types=["low_stock"])
    return Alert.objects.get(object_id=str(product.pk))


def test_alert_list_read_and_resolve(alert, make_user, client_for):
    user = make_user(role="admin", perms=["analytics.view_alert", "analytics.change_alert"])
    client = client_for(user)

    listing = client.get("/api/v1/alerts?resolved=false&unread=true", HTTP_ACCEPT_LANGUAGE="fr")
    assert listing.status_code == 200
    [item] = listing.json()["data"]
    assert item["type"] == "low_stock" and item["severity"] == "critical"
    assert item["message"] == f"{alert.object_repr} : 0 restant(s) (seuil 10)."
    assert item["object"] == {"type": "products.product", "id": alert.object_id, "name": alert.object_repr}

    read = client.post(f"/api/v1/alerts/{alert.pk}/read")
    assert read.status_code == 200 and read.json()["data"]["read_at"] is not None
    assert client.get("/api/v1/alerts?unread=true").json()["pagination"]["total"] == 0

    resolved = client.post(f"/api/v1/alerts/{alert.pk}/resolve")
    assert resolved.status_code == 200
    alert.refresh_from_db()
    assert alert.resolved_by == user and alert.read_by == user
    first = alert.resolved_at
    client.post(f"/api/v1/alerts/{alert.pk}/resolve")
    alert.refresh_from_db()
    assert alert.resolved_at == first  # resolving twice keeps the first resolution
    assert client.get("/api/v1/alerts?resolved=false").json()["pagination"]["total"] == 0


def test_resolving_needs_the_change_permission_and_writes_nothing(alert, make_user, client_for):
    client = client_for(make_user(role="admin", perms=["analytics.view_alert"]))
    assert_error(client.post(f"/api/v1/alerts/{alert.pk}/resolve"), 403, "FORBIDDEN")
    alert.refresh_from_db()
    assert alert.resolved_at is None and alert.read_at is None
    assert_error(client.post("/api/v1/alerts/00000000-0000-0000-0000-000000000000/read"), 404, "NOT_FOUND")


def test_admin_resolves_selected_alerts_through_the_service(alert, client, make_user):
    user = make_user(role="admin", perms=["analytics.view_alert", "analytics.change_alert"], is_staff=True)
    client.force_login(user)
    page = client.get("/admin/analytics/alert/")
    assert alert.object_repr in page.content.decode()
    response = client.post(
        "/admin/analytics/alert/", {"action": "resolve", "_selected_action": [str(alert.pk)]}, follow=True
    )
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.resolved_by == user and alert.resolved_at is not None


# --- Receivables and cash -----------------------------------------------------------------------


def test_invoice_overdue_alert_per_open_invoice_with_an_amount_due(make_dataset):
    from billing.models import Invoice

    from .test_receivables import pay_some_invoices

    make_dataset(orders=60, seed=11)
    pay_some_invoices()
    today = timezone.localdate()
    expected = {
        f"invoice_overdue:{i.pk}:{i.due_date.isoformat()}": (i.number, str(i.total - i.amount_paid))
        for i in Invoice.objects.all()
        if i.status in ("issued", "partially_paid") and i.due_date < today and i.total - i.amount_paid > 0
    }
    assert expected  # the dataset has overdue invoices

    assert alerts_raise(types=["invoice_overdue"]) == {"invoice_overdue": [len(expected), 0]}
    alerts = open_alerts("invoice_overdue")
    assert {a.key: (a.object_repr, a.data["amount_due"]) for a in alerts} == expected
    assert alerts_raise(types=["invoice_overdue"]) == {"invoice_overdue": [0, 0]}  # deduplicated

    # paid in full: the condition clears and the alert is resolved
    settled = alerts[0]
    invoice = Invoice.objects.get(pk=settled.object_id)
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", amount_paid=invoice.total)
    assert alerts_raise(types=["invoice_overdue"]) == {"invoice_overdue": [0, 1]}
    settled.refresh_from_db()
    assert settled.resolved_at is not None and len(open_alerts("invoice_overdue")) == len(expected) - 1


def test_handover_discrepancy_alert_per_handover_that_does_not_balance(make_dataset, make_user):
    from billing.models import CashHandover

    from .test_receivables import make_cash_day

    data = make_dataset(orders=5)
    make_cash_day(make_user, data)
    expected = {f"handover_discrepancy:{h.pk}": str(h.discrepancy) for h in CashHandover.objects.exclude(discrepancy=0)}
    assert expected and CashHandover.objects.filter(discrepancy=0).exists()

    assert alerts_raise(types=["handover_discrepancy"]) == {"handover_discrepancy": [len(expected), 0]}
    alerts = open_alerts("handover_discrepancy")
    assert {a.key: a.data["discrepancy"] for a in alerts} == expected
    assert {a.severity for a in alerts if a.data["discrepancy"].startswith("-")} <= {"critical"}
    assert alerts_raise(types=["handover_discrepancy"]) == {"handover_discrepancy": [0, 0]}


def test_alert_notifications_reach_each_staff_inbox_in_its_language(
    make_user, client_for, django_capture_on_commit_callbacks
):
    from datetime import date

    from billing.models import CashHandover

    cashier_fr = make_user(role="admin", perms=["billing.count_cash"], preferred_language="fr", username="caissier")
    cashier_ar = make_user(role="admin", perms=["billing.count_cash"], preferred_language="ar", username="amin")
    bystander = make_user(role="admin", username="bystander")
    driver = baker.make(
        Driver,
        user=make_user(role="driver", full_name="Karim B"),
        vehicle_type="van",
        vehicle_plate="P-9",
        capacity_kg=500,
    )
    baker.make(
        CashHandover,
        driver=driver,
        received_by=cashier_fr,
        business_date=date(2026, 12, 1),
        expected_amount=Decimal("1500.00"),
        counted_amount=Decimal("1450.00"),
        discrepancy=Decimal("-50.00"),
        reason="other",
        status="discrepancy",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_raise(types=["handover_discrepancy"]) == {"handover_discrepancy": [1, 0]}

    [alert] = open_alerts("handover_discrepancy")
    inbox_fr = client_for(cashier_fr).get("/api/v1/notifications").json()["data"]
    assert [(n["event"], n["title"], n["body"]) for n in inbox_fr] == [
        (
            "analytics_alert",
            "Alerte : Écart de remise d'espèces",
            "Remise d'espèces Karim B 2026-12-01 : 1\xa0450,00 DA comptés pour 1\xa0500,00 DA attendus (-50,00 DA).",
        )
    ]
    assert inbox_fr[0]["data"]["alert_id"] == str(alert.pk)
    inbox_ar = client_for(cashier_ar).get("/api/v1/notifications").json()["data"]
    assert [(n["title"], n["body"]) for n in inbox_ar] == [
        (
            "تنبيه: فرق في تسليم النقد",
            "تسليم النقد Karim B 2026-12-01: تم عدّ 1\xa0450,00 د.ج مقابل 1\xa0500,00 د.ج متوقعة (-50,00 د.ج).",
        )
    ]
    assert client_for(bystander).get("/api/v1/notifications").json()["data"] == []
