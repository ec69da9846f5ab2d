import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from ..models import Category, Product
from ..search import filter_search
from ..selectors import category_subtree_ids

PRICE_BOUNDS = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class ProductFilter(django_filters.FilterSet):
    category = django_filters.UUIDFilter(method="filter_category", label=_("Category (with its subcategories)"))
    tag = django_filters.UUIDFilter(field_name="tags__id", label=_("Tag"))
    brand = django_filters.CharFilter(field_name="brand", lookup_expr="iexact", label=_("Brand"))
    supplier = django_filters.UUIDFilter(field_name="supplier_id", label=_("Supplier"))
    in_stock = django_filters.BooleanFilter(method="filter_in_stock", label=_("In stock"))
    is_featured = django_filters.BooleanFilter(field_name="is_featured", label=_("Featured"))
    # Bounded like the base_price column (14 digits, 2 decimals): 400, never a database error.
    min_price = django_filters.NumberFilter(
        field_name="base_price", lookup_expr="gte", label=_("Minimum price"), **PRICE_BOUNDS
    )
    max_price = django_filters.NumberFilter(
        field_name="base_price", lookup_expr="lte", label=_("Maximum price"), **PRICE_BOUNDS
    )
    include_inactive = django_filters.BooleanFilter(method="filter_nothing", label=_("Include inactive (staff)"))
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = Product
        fields = []

    def filter_category(self, queryset, name, value):
        # The retail list passes the structure version it read: the subtree then comes from the
        # process's copy of the tree, not from a query (selectors.category_subtree_ids).
        subtree = category_subtree_ids(value, getattr(self.request, "catalog_structure_version", None))
        if subtree is None:
            return queryset.none()
        return queryset.filter(category_id__in=subtree)

    def filter_in_stock(self, queryset, name, value):
        # In stock = at least the minimum order quantity can be sold.
        if value:
            return queryset.filter(stock_quantity__gte=F("min_order_quantity"))
        return queryset.filter(stock_quantity__lt=F("min_order_quantity"))

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by the view, which chooses the base queryset

    def filter_search(self, queryset, name, value):
        return filter_search(queryset, value)


class CategoryFilter(django_filters.FilterSet):
    parent = django_filters.UUIDFilter(field_name="parent_id", label=_("Parent"))
    is_active = django_filters.BooleanFilter(field_name="is_active", label=_("Active"))

    class Meta:
        model = Category
        fields = []


# The retail list's own statement (selectors.retail_page_rows) covers these parameters; any other
# (ordering, include_inactive, an unknown one) goes through the FilterSet and the ORM.
RETAIL_STATEMENT_FILTERS = (
    "category",
    "tag",
    "brand",
    "supplier",
    "in_stock",
    "is_featured",
    "min_price",
    "max_price",
    "search",
)
_PAGE_PARAMETERS = {"lang", "limit", "offset"}


def retail_statement_filters(params) -> dict | None:
    """`params` cleaned exactly as ProductFilter's form cleans them (each filter's own widget and
    field), without building the FilterSet: {name: value} of the filters that apply, or None when
    the query needs the FilterSet — a parameter the statement does not cover, or a value the
    form refuses (the FilterSet then answers the localized error)."""
    if not params.keys() <= _PAGE_PARAMETERS.union(RETAIL_STATEMENT_FILTERS):
        return None
    cleaned = {}
    for name in RETAIL_STATEMENT_FILTERS:
        if name not in params:
            continue
        field = ProductFilter.base_filters[name].field
        try:
            value = field.clean(field.widget.value_from_datadict(params, {}, name))
        except ValidationError:
            return None
        if value not in EMPTY_VALUES:  # as Filter.filter: an empty value filters nothing
            cleaned[name] = value
    return cleaned
