from io import StringIO

import pytest
from django.core.management import call_command

from livrili.accounts.models import User
from livrili.core.testing.assertions import assert_error
from retailers import seed
from retailers.models import DeliveryAddress, Retailer

pytestmark = pytest.mark.django_db


def test_small_seed_is_deterministic_idempotent_and_balanced(api_client):
    accounts = seed.run(size="small", out=StringIO())
    snapshot = sorted(Retailer.objects.values_list("business_name", "wilaya_id", "status", "balance"))
    again = seed.run(size="small", out=StringIO())

    assert accounts == again == [("retailer (owner)", "retailer", "Livrili-demo-2026")]
    assert Retailer.objects.count() == 21
    assert sorted(Retailer.objects.values_list("business_name", "wilaya_id", "status", "balance")) == snapshot
    assert Retailer.objects.values("wilaya").distinct().count() == 10
    assert not DeliveryAddress.objects.filter(latitude__isnull=True).exists()
    assert DeliveryAddress.objects.filter(is_default=True).count() == 21
    assert User.objects.filter(role="retailer").count() > 21
    call_command("check_ledgers", stdout=StringIO())
    demo = Retailer.objects.get(owner__username="retailer")
    assert (demo.status, str(demo.credit_limit)) == ("active", "200000.00")
    login = api_client.post(
        "/api/v1/auth/login", {"identifier": "retailer", "password": "Livrili-demo-2026"}, format="json"
    )
    assert login.json()["data"]["user"]["retailer"]["status"] == "active"
    assert_error(
        api_client.post("/api/v1/auth/login", {"identifier": "retailer", "password": "x"}, format="json"),
        401,
        "UNAUTHORIZED",
    )
