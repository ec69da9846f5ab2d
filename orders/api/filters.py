import django_filters

from ..models import Order, OrderStatus, PaymentMethod


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    retailer = django_filters.UUIDFilter(field_name="retailer_id")
    wilaya = django_filters.CharFilter(field_name="delivery_wilaya_code")
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Order
        fields = ["status", "payment_method", "retailer", "wilaya", "date_from", "date_to"]


class RetailerOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)

    class Meta:
        model = Order
        fields = ["status"]
