"""Demand forecasting: a pure layer over daily series (no database), used by the
demand-forecast report and the stock-out risk alert.

The model is Holt-Winters with additive weekly seasonality and no trend (statsmodels'
`ExponentialSmoothing`, seasonal period 7; the point forecasts of an ETS(A,N,A)): the
Friday–Saturday weekend is learnt as two low days of the weekly profile, whatever the working
days. Prediction intervals are ETS(A,N,A)'s analytic ones (Hyndman & Athanasopoulos, FPP3
§8.7): σ²_h = σ²[1 + α²(h−1) + γk(2α + γ)], k = ⌊(h−1)/7⌋, normal quantiles. (statsmodels'
`ETSModel` gives the same intervals but fits several times slower.)
The back-test rolls the forecast origin over the last weeks (fit on everything before the
week, forecast its 7 days) and compares with the seasonal-naive forecast (each day = the same
weekday of the week before), both scored by WAPE (Σ|error| ÷ Σ actual) and MAPE (over days
with sales)."""

import warnings
from dataclasses import dataclass

import numpy as np

SEASON = 7
MIN_WEEKS = 4  # shorter histories are not forecast (too little to learn a weekly profile)


@dataclass(frozen=True)
class Forecast:
    mean: list[float]
    lower: list[float]
    upper: list[float]


@dataclass(frozen=True)
class Backtest:
    weeks: int
    wape: float | None
    mape: float | None
    naive_wape: float | None
    naive_mape: float | None


def _fit(history: np.ndarray):
    import pandas as pd
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    model = ExponentialSmoothing(pd.Series(history), trend=None, seasonal="add", seasonal_periods=SEASON)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on flat or sparse series
        return model.fit(optimized=True)


def forecast(history: list[float], horizon: int, *, coverage: float = 0.8) -> Forecast:
    """The next `horizon` days after `history` (daily units), with a `coverage` interval;
    negative values are cut at zero (demand is never negative)."""
    from scipy.stats import norm

    values = np.asarray(history, dtype=float)
    if values.sum() == 0:
        zeros = [0.0] * horizon
        return Forecast(zeros, zeros, zeros)
    fitted = _fit(values)
    mean = np.asarray(fitted.forecast(horizon), dtype=float)
    alpha, gamma = fitted.params["smoothing_level"], fitted.params["smoothing_seasonal"]
    parameters = 2 + SEASON  # α, γ and the initial level and seasonal states
    sigma2 = float(fitted.sse) / max(len(values) - parameters, 1)
    steps = np.arange(1, horizon + 1)
    variance = sigma2 * (1 + alpha**2 * (steps - 1) + gamma * ((steps - 1) // SEASON) * (2 * alpha + gamma))
    half = norm.ppf(0.5 + coverage / 2) * np.sqrt(variance)
    cut = lambda array: [max(0.0, float(v)) for v in array]  # noqa: E731
    return Forecast(cut(mean), cut(mean - half), cut(mean + half))


def _scores(actual: np.ndarray, predicted: np.ndarray) -> tuple[float | None, float | None]:
    total = actual.sum()
    wape = float(np.abs(actual - predicted).sum() / total * 100) if total else None
    sold = actual > 0
    mape = float((np.abs(actual[sold] - predicted[sold]) / actual[sold]).mean() * 100) if sold.any() else None
    return wape, mape


def backtest(history: list[float], *, weeks: int = 4) -> Backtest:
    """Rolling weekly origins over the last `weeks` weeks of `history`: the model and the
    seasonal-naive forecast scored on the same days."""
    values = np.asarray(history, dtype=float)
    actual, model, naive = [], [], []
    for week in range(weeks, 0, -1):
        origin = len(values) - week * SEASON
        train = values[:origin]
        actual.extend(values[origin : origin + SEASON])
        model.extend(forecast(list(train), SEASON).mean)
        naive.extend(train[-SEASON:])
    actual_a, model_a, naive_a = np.asarray(actual), np.asarray(model), np.asarray(naive)
    wape, mape = _scores(actual_a, model_a)
    naive_wape, naive_mape = _scores(actual_a, naive_a)
    return Backtest(weeks, wape, mape, naive_wape, naive_mape)


def enough_history(history: list[float], backtest_weeks: int) -> bool:
    return len(history) >= (MIN_WEEKS + backtest_weeks) * SEASON and sum(history) > 0
