"""The demand forecast: weekly profile learnt (Friday–Saturday weekend), intervals, the
back-test's errors, and the forecast beating the seasonal-naive one on the seeded history."""

import io
from datetime import date, timedelta

import numpy as np
import pytest
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics import forecasting
from analytics.reports import report_build
from orders.models import OrderItem


def weekly(weeks: int, noise: float = 0.0, seed: int = 1) -> list[float]:
    """Sunday-to-Thursday trade, almost nothing on Friday and Saturday (ISO 5 and 6)."""
    rng = np.random.default_rng(seed)
    start = date(2026, 1, 4)  # a Sunday
    profile = {7: 40, 1: 35, 2: 36, 3: 38, 4: 30, 5: 1, 6: 2}
    return [
        max(0.0, profile[(start + timedelta(days=n)).isoweekday()] + rng.normal(0, noise)) for n in range(weeks * 7)
    ]


def test_the_weekly_profile_and_the_weekend_are_learnt():
    history = weekly(12)
    result = forecasting.forecast(history, 14)
    # the 12 weeks end on a Saturday: the forecast starts on a Sunday
    expected = [40, 35, 36, 38, 30, 1, 2] * 2
    assert [round(v) for v in result.mean] == expected
    assert all(low <= mean <= high for low, mean, high in zip(result.lower, result.mean, result.upper, strict=True))


def test_intervals_widen_with_noise_and_the_horizon():
    quiet, noisy = forecasting.forecast(weekly(16, 1.0), 14), forecasting.forecast(weekly(16, 6.0), 14)
    width = lambda f, day: f.upper[day] - f.lower[day]  # noqa: E731
    assert width(noisy, 0) > width(quiet, 0) > 0
    assert width(noisy, 7) >= width(noisy, 0)  # the same weekday a week further


def test_backtest_scores_the_seasonal_naive_forecast_as_the_same_weekday_last_week():
    history = weekly(10, 4.0, seed=3)
    result = forecasting.backtest(history, weeks=2)
    actual = np.array(history[-14:])
    naive = np.array(history[-21:-14] + history[-14:-7])
    assert result.naive_wape == pytest.approx(np.abs(actual - naive).sum() / actual.sum() * 100)
    sold = actual > 0  # MAPE is over the days with sales
    assert result.naive_mape == pytest.approx((np.abs(actual - naive)[sold] / actual[sold]).mean() * 100)
    assert result.weeks == 2 and result.wape is not None


# --- On the seeded demo history -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo history (small size: 2 000 orders over 365 days), as seed_demo builds it,
    seeded once for the module in a transaction rolled back at the end."""
    from livrili.accounts import seed as accounts_seed
    from orders import seed as orders_seed
    from products import seed as products_seed
    from retailers import seed as retailers_seed

    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        for module in (accounts_seed, products_seed, retailers_seed, orders_seed):
            module.run(size="small", out=out)
        yield
        transaction.set_rollback(True)


def _total_daily_units(days: int) -> list[float]:
    end = timezone.localdate() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    rows = (
        OrderItem.objects.filter(~Q(order__status__in=("cancelled", "returned")), order__created_at__date__gte=start)
        .annotate(day=TruncDate("order__created_at", tzinfo=timezone.get_current_timezone()))
        .filter(day__lte=end)
        .values("day")
        .annotate(units=Sum("quantity"))
    )
    series = [0.0] * days
    for row in rows:
        series[(row["day"] - start).days] = float(row["units"])
    return series


@pytest.mark.django_db
def test_the_forecast_beats_seasonal_naive_on_the_seeded_history(seeded, capsys):
    # all sales: the model's back-test error is below the seasonal-naive one
    total = forecasting.backtest(_total_daily_units(182), weeks=8)
    assert total.wape < total.naive_wape

    # and per category (the report's series): pooled over the five best sellers
    report = report_build("demand-forecast", period=None, by="category", limit=5, backtest_weeks=8)
    assert len(report.summary) == 5
    assert len(report.rows) == 5 * 14
    model = sum(row["wape"] for row in report.summary) / 5
    naive = sum(row["naive_wape"] for row in report.summary) / 5
    assert model < naive
    with capsys.disabled():
        print(
            f"\nseeded back-test, 8 weeks: all sales WAPE {total.wape:.1f} % (naive {total.naive_wape:.1f} %),"
            f" MAPE {total.mape:.1f} % (naive {total.naive_mape:.1f} %);"
            f" 5 categories mean WAPE {model:.1f} % (naive {naive:.1f} %)"
        )
