import django_filters

from ..models import Invoice, InvoiceStatus


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
