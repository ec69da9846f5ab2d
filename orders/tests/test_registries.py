"""What the start-up registries hold once the apps are loaded: the exact callables, by dotted
name and in order. A later app adding its rule (or an app losing one) shows up here first, so the
hooks through which one app reaches into another stay a list someone read."""

from orders import hooks as order_hooks
from retailers import selectors as retailer_selectors
from retailers import services as retailer_services
from retailers.management.commands.check_ledgers import registered_checks


def dotted(functions) -> list[str]:
    return [f"{function.__module__}.{function.__qualname__}" for function in functions]


def test_close_guards_are_exactly_the_open_orders_rule():
    # given the apps loaded (orders registers its guard from OrdersConfig.ready())
    # then the rules run before a retailer is closed are exactly these
    assert dotted(retailer_services.CLOSE_GUARDS) == ["orders.services.lifecycle.retailer_has_no_open_orders"]


def test_profile_figures_are_exactly_the_month_figures():
    assert dotted(retailer_selectors.PROFILE_FIGURES) == ["orders.selectors.retailer_month_figures"]


def test_statement_sections_are_exactly_billings_open_invoices():
    assert dotted(retailer_selectors.STATEMENT_SECTIONS) == ["billing.selectors.statement_open_invoices"]


def test_check_ledgers_discovers_exactly_these_checks_in_app_order():
    # when check_ledgers looks for every installed app's ledger_checks.CHECKS
    # then it finds these, retailers' before orders' (INSTALLED_APPS order)
    assert dotted(registered_checks()) == [
        "retailers.selectors.ledger_mismatches",
        "orders.ledger_checks.stock_mismatches",
        "orders.ledger_checks.order_charge_mismatches",
        "billing.ledger_checks.allocation_mismatches",
        "billing.ledger_checks.payment_entry_mismatches",
        "billing.ledger_checks.receivable_mismatches",
    ]


def test_order_admin_links_are_the_delivery_then_the_invoice():
    assert dotted(order_hooks.ADMIN_LINKS) == [
        "deliveries.admin.order_delivery_links",
        "billing.admin.order_invoice_links",
    ]
