"""The report registry: each report type, the builder that computes it and whether it reads a
period. The API and the back office run reports through `report_build` only."""

from .periods import Period
from .routers import replica_reads
from .selectors import reports as builders

# type → (builder, reads a period)
REPORTS = {
    "sales": (builders.sales, True),
    "credit-aging": (builders.credit_aging, False),
    "cash-collection": (builders.cash_collection, True),
    "tax": (builders.tax, True),
    "product-performance": (builders.product_performance, True),
    "stock-predictions": (builders.stock_predictions, False),
    "demand-forecast": (builders.demand_forecast, False),
    "retailer-activity": (builders.retailer_activity, True),
    "driver-performance": (builders.driver_performance, True),
    "audit": (builders.audit, True),
}


def report_build(report_type: str, *, period: Period, **parameters) -> builders.Report:
    """The report computed from the replica's data when a replica is configured."""
    builder, periodic = REPORTS[report_type]
    with replica_reads():
        return builder(period=period, **parameters) if periodic else builder(**parameters)
