import django_filters

from ..models import BusinessType, Retailer, RetailerStatus


class RetailerFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RetailerStatus.choices)
    wilaya = django_filters.CharFilter(field_name="wilaya_id", help_text="Official wilaya code, e.g. 16")
    business_type = django_filters.ChoiceFilter(choices=BusinessType.choices)
    segment = django_filters.CharFilter()

    class Meta:
        model = Retailer
        fields = ["status", "wilaya", "business_type", "segment"]
