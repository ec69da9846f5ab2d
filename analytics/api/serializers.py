from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api.fields import CharField, DerivedMoneyField, EmailField, IntegerField

from ..alerts import alert_message
from ..models import Alert, ExportFormat, Frequency, ReportExport, ReportSchedule, ReportType
from ..periods import MAX_RANGE_DAYS, PERIOD_DAYS


class PeriodQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(PERIOD_DAYS), required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if bool(date_from) != bool(date_to):
            missing = "date_to" if date_from else "date_from"
            raise serializers.ValidationError({missing: [_("Give both dates of the range.")]})
        if date_from and attrs.get("period"):
            raise serializers.ValidationError({"period": [_("Give a period or a date range, not both.")]})
        if date_from and date_from > date_to:
            raise serializers.ValidationError({"date_to": [_("The end date is before the start date.")]})
        if date_from and (date_to - date_from).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError({"date_to": [_("The range is too long (three years at most).")]})
        return attrs


class TrendsQuerySerializer(PeriodQuerySerializer):
    interval = serializers.ChoiceField(choices=["day", "week", "month"], required=False)


class TopQuerySerializer(PeriodQuerySerializer):
    limit = IntegerField(min_value=1, max_value=100, required=False, default=10)


class PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class CountFigureSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    previous = serializers.IntegerField(allow_null=True)
    change = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)


class MoneyFigureSerializer(serializers.Serializer):
    value = DerivedMoneyField()
    previous = DerivedMoneyField(allow_null=True)
    change = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)


class RateFigureSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    previous = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)


class DashboardFiguresSerializer(serializers.Serializer):
    orders = CountFigureSerializer()
    revenue_delivered = MoneyFigureSerializer()
    revenue_in_progress = MoneyFigureSerializer()
    average_order_value = MoneyFigureSerializer()
    active_retailers = CountFigureSerializer()
    new_signups = CountFigureSerializer()
    pending_approvals = CountFigureSerializer()
    credit_exposure = MoneyFigureSerializer()
    overdue_amount = MoneyFigureSerializer()
    delivery_success_rate = RateFigureSerializer()
    on_time_rate = RateFigureSerializer()


class StatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    total = DerivedMoneyField()


class DashboardSerializer(serializers.Serializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    figures = DashboardFiguresSerializer()
    status_distribution = StatusCountSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    orders = serializers.IntegerField()
    cancelled_or_returned = serializers.IntegerField()
    revenue_delivered = DerivedMoneyField()
    revenue_in_progress = DerivedMoneyField()
    revenue = DerivedMoneyField()


class TrendsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    interval = serializers.CharField()
    series = TrendPointSerializer(many=True)


class WilayaRevenueSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    orders = serializers.IntegerField()
    revenue = DerivedMoneyField()


class CommuneRevenueSerializer(serializers.Serializer):
    wilaya_code = serializers.CharField()
    commune = serializers.CharField()
    orders = serializers.IntegerField()
    revenue = DerivedMoneyField()


class GeoSerializer(serializers.Serializer):
    period = PeriodSerializer()
    wilayas = WilayaRevenueSerializer(many=True)
    communes = CommuneRevenueSerializer(many=True)


class TopRetailerSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    business_name = serializers.CharField()
    wilaya_code = serializers.CharField(allow_null=True)
    orders = serializers.IntegerField()
    revenue = DerivedMoneyField()


class TopRetailersSerializer(serializers.Serializer):
    period = PeriodSerializer()
    results = TopRetailerSerializer(many=True)


class TopProductSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    units = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = DerivedMoneyField()


class TopProductsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    results = TopProductSerializer(many=True)


class DeliveryFiguresSerializer(serializers.Serializer):
    deliveries = CountFigureSerializer()
    delivered = CountFigureSerializer()
    failed = CountFigureSerializer()
    on_time = CountFigureSerializer()
    success_rate = RateFigureSerializer()
    on_time_rate = RateFigureSerializer()


class FailureReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DeliveryPerformanceSerializer(serializers.Serializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    figures = DeliveryFiguresSerializer()
    failure_reasons = FailureReasonSerializer(many=True)


# --- Reports ----------------------------------------------------------------------------------


class ReportQuerySerializer(PeriodQuerySerializer):
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx", "pdf"], required=False, default="json")
    # sales
    interval = serializers.ChoiceField(choices=["day", "week", "month"], required=False, default="month")
    by = serializers.ChoiceField(choices=["category", "product", "retailer", "wilaya"], required=False)
    include_cancelled = serializers.BooleanField(required=False, default=False)
    # stock-predictions
    days = IntegerField(min_value=7, max_value=365, required=False, default=30)
    lead_days = IntegerField(min_value=0, max_value=180, required=False, default=7)
    cover_days = IntegerField(min_value=0, max_value=365, required=False, default=14)
    # demand-forecast (and `by`: product or category)
    horizon = IntegerField(min_value=7, max_value=56, required=False, default=14)
    history_days = IntegerField(min_value=56, max_value=365, required=False, default=182)
    # bounded so that one request stays within seconds (each series is fitted 1 + weeks times)
    limit = IntegerField(min_value=1, max_value=20, required=False, default=10)
    backtest_weeks = IntegerField(min_value=1, max_value=8, required=False, default=4)
    # retailer-activity
    dormant_days = IntegerField(min_value=1, max_value=730, required=False, default=30)
    # audit
    action = CharField(max_length=50, required=False, default="")


# The parameters each report reads from the query (the others are ignored).
REPORT_PARAMETERS = {
    "sales": ("interval", "by", "include_cancelled"),
    "credit-aging": (),
    "cash-collection": (),
    "tax": (),
    "product-performance": (),
    "stock-predictions": ("days", "lead_days", "cover_days"),
    "demand-forecast": ("by", "horizon", "history_days", "limit", "backtest_weeks"),
    "retailer-activity": ("dormant_days",),
    "driver-performance": (),
    "audit": ("action",),
}


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    period = PeriodSerializer(allow_null=True)
    parameters = serializers.DictField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text=_("One object per row, keyed by the columns' keys")
    )
    summary_columns = ColumnSerializer(many=True)
    summary = serializers.ListField(child=serializers.DictField())


class ReportExportSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "report_type",
            "parameters",
            "format",
            "status",
            "progress",
            "size",
            "row_count",
            "source",
            "created_by",
            "created_at",
        ]

    def get_created_by(self, export) -> dict | None:
        user = export.created_by
        return None if user is None else {"id": user.pk, "username": user.username, "full_name": user.full_name}


# --- Alerts -----------------------------------------------------------------------------------


class AlertObjectSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()


class AlertSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "type", "severity", "message", "object", "data", "created_at", "read_at", "resolved_at"]

    def get_message(self, alert) -> str:
        return alert_message(alert)

    @extend_schema_field(AlertObjectSerializer)
    def get_object(self, alert) -> dict:
        return {"type": alert.object_type, "id": alert.object_id, "name": alert.object_repr}


# --- Report schedules -------------------------------------------------------------------------


class ReportScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "report_type",
            "parameters",
            "format",
            "frequency",
            "recipients",
            "language",
            "last_run_at",
            "last_status",
            "last_error",
            "last_export_id",
            "created_at",
        ]


class ReportScheduleCreateSerializer(serializers.Serializer):
    report_type = serializers.ChoiceField(choices=ReportType.choices)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    recipients = serializers.ListField(child=EmailField(), min_length=1, max_length=20)
    language = serializers.ChoiceField(choices=["ar", "fr", "en"], required=False)
    parameters = serializers.DictField(required=False, default=dict)

    def validate(self, attrs):
        allowed = REPORT_PARAMETERS[attrs["report_type"]]
        unknown = sorted(set(attrs["parameters"]) - set(allowed))
        if unknown:
            raise serializers.ValidationError(
                {"parameters": [_("Not a parameter of this report: %(names)s.") % {"names": ", ".join(unknown)}]}
            )
        checked = ReportQuerySerializer(data=attrs["parameters"])
        if not checked.is_valid():
            raise serializers.ValidationError({"parameters": checked.errors})
        attrs["parameters"] = {name: checked.validated_data[name] for name in attrs["parameters"]}
        if attrs["report_type"] == "demand-forecast" and attrs["parameters"].get("by", "category") not in (
            "category",
            "product",
        ):
            raise serializers.ValidationError({"parameters": [_("The forecast is by product or by category.")]})
        return attrs
