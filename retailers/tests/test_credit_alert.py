"""Credit ≥ 90 % used: the retailer's users are told once per crossing (read through the inbox API)."""

from decimal import Decimal

import pytest

from retailers import services
from retailers.models import Retailer

pytestmark = pytest.mark.django_db


def _credit_notices(client):
    inbox = client.get("/api/v1/notifications").json()["data"]
    return [n["body"] for n in inbox if n["event"] == "credit_nearly_exhausted"]


def test_crossing_90_percent_tells_the_retailer_once_per_crossing(owner, finance, client_for):
    # Given a retailer with a 10 000 DA limit, reading French
    Retailer.objects.filter(pk=owner.retailer_id).update(credit_limit=Decimal("10000.00"))
    owner.preferred_language = "fr"
    owner.save(update_fields=["preferred_language"])
    retailer = Retailer.objects.get(pk=owner.retailer_id)
    client = client_for(owner)

    def post(kind, amount):
        services.ledger_adjust(retailer=retailer, kind=kind, amount=Decimal(amount), reason="test", actor=finance)

    # When it uses 80 %, then 95 %, then 97 %
    post("debit", "8000.00")
    assert _credit_notices(client) == []
    post("debit", "1500.00")
    post("debit", "200.00")

    # Then one notice, at the crossing, with what is left
    assert _credit_notices(client) == ["Il vous reste 500.00 DA de crédit sur 10000.00 DA."]

    # When it pays back below 90 % and crosses again, exactly at 90 %
    post("credit", "3700.00")
    post("debit", "3000.00")
    assert _credit_notices(client) == [
        "Il vous reste 1000.00 DA de crédit sur 10000.00 DA.",
        "Il vous reste 500.00 DA de crédit sur 10000.00 DA.",
    ]


def test_a_retailer_without_credit_is_never_told(owner, finance, client_for):
    retailer = Retailer.objects.get(pk=owner.retailer_id)
    assert retailer.credit_limit == Decimal("0.00")

    services.ledger_adjust(retailer=retailer, kind="debit", amount=Decimal("500.00"), reason="test", actor=finance)

    assert _credit_notices(client_for(owner)) == []
