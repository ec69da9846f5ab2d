"""The periods the dashboard and the reports read over: whole local days (Africa/Algiers), the
end included, and the period of the same length just before (what "% change" compares with)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90, "12m": 365}
DEFAULT_PERIOD = "30d"
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @property
    def lower(self) -> datetime:
        """The first instant of the period (local midnight of its first day)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def upper(self) -> datetime:
        """The first instant after the period (local midnight after its last day)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def range(self, field: str) -> dict:
        """Filter kwargs for a timestamp `field` inside the period (index friendly)."""
        return {f"{field}__gte": self.lower, f"{field}__lt": self.upper}


def today() -> date:
    return timezone.localdate()


def period_from(*, period: str | None = None, date_from: date | None = None, date_to: date | None = None) -> Period:
    """`date_from`/`date_to` when given (both), else the last `period` days up to today."""
    if date_from and date_to:
        return Period(date_from, date_to)
    days = PERIOD_DAYS[period or DEFAULT_PERIOD]
    end = today()
    return Period(end - timedelta(days=days - 1), end)


def change(current, previous) -> Decimal | None:
    """The % change from `previous` to `current` (2 decimals, half up); null from zero or none."""
    if previous is None or current is None or previous == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def figure(current, previous) -> dict:
    return {"value": current, "previous": previous, "change": change(current, previous)}
