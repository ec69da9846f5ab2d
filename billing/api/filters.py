import django_filters

from ..models import CashHandover, HandoverStatus, Invoice, InvoiceStatus, Payment, PaymentMethodKind, PaymentStatus


class InvoiceFilter(django_filters.FilterSet):
    retailer = django_filters.UUIDFilter(field_name="retailer_id")
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    date_from = django_filters.DateFilter(field_name="issued_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="issued_at", lookup_expr="date__lte")

    class Meta:
        model = Invoice
        fields = ["retailer", "status", "date_from", "date_to"]


class RetailerInvoiceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    date_from = django_filters.DateFilter(field_name="issued_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="issued_at", lookup_expr="date__lte")

    class Meta:
        model = Invoice
        fields = ["status", "date_from", "date_to"]


class PaymentFilter(django_filters.FilterSet):
    retailer = django_filters.UUIDFilter(field_name="retailer_id")
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    method = django_filters.ChoiceFilter(choices=PaymentMethodKind.choices)
    date_from = django_filters.DateFilter(field_name="received_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="received_at", lookup_expr="date__lte")

    class Meta:
        model = Payment
        fields = ["retailer", "status", "method", "date_from", "date_to"]


class CashHandoverFilter(django_filters.FilterSet):
    driver = django_filters.UUIDFilter(field_name="driver_id")
    status = django_filters.ChoiceFilter(choices=HandoverStatus.choices)
    date_from = django_filters.DateFilter(field_name="business_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="business_date", lookup_expr="lte")

    class Meta:
        model = CashHandover
        fields = ["driver", "status", "date_from", "date_to"]
