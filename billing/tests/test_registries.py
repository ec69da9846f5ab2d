"""The registries of apps below billing that billing fills (deliveries is above orders, so its
registry is pinned here rather than in orders/tests/test_registries.py)."""

from deliveries import selectors as delivery_selectors


def test_cash_out_of_custody_is_exactly_billings_payments():
    functions = delivery_selectors.CASH_OUT_OF_CUSTODY
    assert [f"{f.__module__}.{f.__qualname__}" for f in functions] == ["billing.selectors.deliveries_out_of_custody"]
