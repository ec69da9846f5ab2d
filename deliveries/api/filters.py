import django_filters

from ..models import Delivery, DeliveryStatus, Driver, DriverStatus, Priority, VehicleType


class DeliveryFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="scheduled_date")
    date_from = django_filters.DateFilter(field_name="scheduled_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="scheduled_date", lookup_expr="lte")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    driver_id = django_filters.UUIDFilter(field_name="driver_id")
    wilaya = django_filters.CharFilter(field_name="wilaya_code", max_length=2)
    commune = django_filters.CharFilter(field_name="commune", lookup_expr="iexact", max_length=100)
    priority = django_filters.TypedChoiceFilter(choices=Priority.choices, coerce=int)

    class Meta:
        model = Delivery
        fields = ["date", "date_from", "date_to", "status", "driver_id", "wilaya", "commune", "priority"]


class DriverDeliveryFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="scheduled_date")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields = ["date", "status"]


class DriverFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DriverStatus.choices)
    vehicle_type = django_filters.ChoiceFilter(choices=VehicleType.choices)
    wilaya = django_filters.CharFilter(field_name="wilayas__code", max_length=2, distinct=True)

    class Meta:
        model = Driver
        fields = ["status", "vehicle_type", "wilaya"]
