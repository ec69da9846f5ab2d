"""Catalog API (api.md "Catalog"). Staff with `products.view_product` get the staff
representation; every other authenticated user gets the retail one (active, visible products;
`available_quantity` / `in_stock` instead of raw stock), cached per language without stock."""

from functools import partial

from django.db import connection
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.filters import StrictOrderingFilter
from livrili.api.pagination import counted_values
from livrili.api.parsers import FormParser, MultiPartParser
from livrili.api.permissions import IsRetailer, StaffModelPermissions, has_perms
from livrili.api.requests import validated

from .. import selectors
from ..models import Category, Product, ProductImage, Supplier, Tag
from ..representations import (
    cache_retail_page,
    cached_retail_page,
    page_row,
    retail_page_key,
    retail_product,
    retail_products_by_id,
    retail_rendered,
    staff_product,
)
from ..services.categories import category_create, category_delete, category_update
from ..services.images import product_image_add, product_image_delete
from ..services.products import product_create, product_delete, product_tags_bulk, product_update, product_view_record
from ..services.stock import stock_adjust
from ..services.suppliers import supplier_delete, supplier_save
from ..services.tags import tag_delete, tag_merge, tag_save
from .filters import CategoryFilter, ProductFilter, retail_statement_filters
from .pages import render_retail_page, with_rendered_stock
from .serializers import (
    BulkTagsResultSerializer,
    BulkTagsSerializer,
    CategorySerializer,
    CategoryTreeSerializer,
    CategoryWriteSerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    ProductViewResultSerializer,
    ProductWriteSerializer,
    RetailProductSerializer,
    StaffProductSerializer,
    StockMovementSerializer,
    StockOperationSerializer,
    SuggestionsQuerySerializer,
    SuggestionsSerializer,
    SupplierSerializer,
    TagMergeSerializer,
    TagSerializer,
    TagWriteSerializer,
)

ProductRepresentation = PolymorphicProxySerializer(
    component_name="ProductRepresentation",
    serializers=[StaffProductSerializer, RetailProductSerializer],
    resource_type_field_name=None,
)


def is_catalog_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm("products.view_product"))


class ReadAuthenticatedWriteStaff(StaffModelPermissions):
    """Reads: any authenticated user; writes: staff holding the model permission."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


# --- Products -----------------------------------------------------------------------------------


class ProductListView(generics.ListAPIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = ProductFilter
    queryset = Product.objects.none()

    @property
    def ordering_fields(self):
        fields = ["name", "price", "created_at", "popularity"]
        return [*fields, "stock_quantity"] if is_catalog_staff(self.request.user) else fields

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        if is_catalog_staff(self.request.user):
            include_inactive = self.request.query_params.get("include_inactive") == "true"
            queryset = selectors.product_list(retail=False, include_inactive=include_inactive)
        else:  # the page's ids; representations are cached
            structure_version = getattr(self.request, "catalog_structure_version", None)
            queryset = selectors.product_rows(retail=True, structure_version=structure_version)
        if "popularity" in self.request.query_params.get("ordering", ""):
            queryset = selectors.with_popularity(queryset)
        return queryset

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or is_catalog_staff(self.request.user):
            return StaffProductSerializer
        return RetailProductSerializer

    @extend_schema(responses=ProductRepresentation)
    def get(self, request, *args, **kwargs):
        if is_catalog_staff(request.user):
            return super().list(request)
        # Lists filtered or ordered by stock depend on it: their pages are never cached.
        key = retail_page_key(request) if "in_stock" not in request.query_params else None
        catalog_version, structure_version, page = cached_retail_page(key)
        stock = None  # read live for a cached page
        if page is None:
            request.catalog_structure_version = structure_version  # read by get_queryset and the filters
            rows = self.paginator.paginate_counted(request, self._page_rows(request, structure_version))
            items = retail_rendered(request, [page_row(pk, updated) for pk, updated, _ in rows], structure_version)
            page = render_retail_page(self.get_paginated_response([]).data, items)
            if key:
                cache_retail_page(key, catalog_version, page)
            stock = {str(pk): quantity for pk, _, quantity in rows}  # read by the page's statement
        response = Response(with_rendered_stock(page, stock))
        response.enveloped = True
        return response

    def _page_rows(self, request, structure_version):
        """fetch(limit, offset) → the retail page's (id, updated_at, stock, total) rows: the
        written-out statement when it covers the query (PostgreSQL), else the FilterSet's."""
        filters = retail_statement_filters(request.query_params) if connection.vendor == "postgresql" else None
        if filters is not None:
            return partial(selectors.retail_page_rows, filters, structure_version=structure_version)
        return counted_values(self.filter_queryset(self.get_queryset()), "id", "updated_at", "stock_quantity")

    @extend_schema(request=ProductWriteSerializer, responses={201: StaffProductSerializer})
    def post(self, request):
        product = product_create(actor=request.user, **validated(ProductWriteSerializer, request.data))
        return Response(staff_product(product.pk), status=status.HTTP_201_CREATED)


class ProductDetailView(APIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    queryset = Product.objects.none()

    @extend_schema(responses=ProductRepresentation)
    def get(self, request, pk):
        if is_catalog_staff(request.user):
            get_object_or_404(Product, pk=pk)
            return Response(staff_product(pk))
        return Response(retail_product(request, pk))

    @extend_schema(request=ProductWriteSerializer, responses=StaffProductSerializer)
    def patch(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        changes = validated(ProductWriteSerializer, request.data, partial=True)
        product_update(actor=request.user, product=product, **changes)
        return Response(staff_product(pk))

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        product_delete(actor=request.user, product=get_object_or_404(Product, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductLookupView(APIView):
    """GET products/by-sku/{sku} (any case) and products/by-barcode/{code}."""

    lookup: str = ""
    url_kwarg: str = ""

    @extend_schema(responses=ProductRepresentation)
    def get(self, request, **kwargs):
        staff = is_catalog_staff(request.user)
        queryset = selectors.visible_products(retail=not staff, include_inactive=staff)
        product = get_object_or_404(queryset.only("id"), **{self.lookup: kwargs[self.url_kwarg]})
        return Response(staff_product(product.pk) if staff else retail_product(request, product.pk))


class ProductBySkuView(ProductLookupView):
    lookup, url_kwarg = "sku__iexact", "sku"


class ProductByBarcodeView(ProductLookupView):
    lookup, url_kwarg = "barcode", "code"


class ProductImageListView(APIView):
    permission_classes = [has_perms("products.change_product")]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ProductImageUploadSerializer, responses={201: ProductImageSerializer})
    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        image = product_image_add(
            actor=request.user, product=product, **validated(ProductImageUploadSerializer, request.data)
        )
        return Response(ProductImageSerializer(image).data, status=status.HTTP_201_CREATED)


class ProductImageDetailView(APIView):
    permission_classes = [has_perms("products.change_product")]

    @extend_schema(responses={204: None})
    def delete(self, request, pk, image_id):
        image = get_object_or_404(ProductImage, pk=image_id, product_id=pk)
        product_image_delete(actor=request.user, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductStockView(APIView):
    permission_classes = [has_perms("products.adjust_stock")]

    @extend_schema(request=StockOperationSerializer, responses=StaffProductSerializer)
    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        stock_adjust(actor=request.user, product=product, **validated(StockOperationSerializer, request.data))
        return Response(staff_product(pk))


class ProductStockMovementListView(generics.ListAPIView):
    permission_classes = [has_perms("products.view_stockmovement")]
    serializer_class = StockMovementSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return selectors.stock_movements(get_object_or_404(Product, pk=self.kwargs["pk"]))


class ProductBulkTagsView(APIView):
    permission_classes = [has_perms("products.change_product")]

    @extend_schema(request=BulkTagsSerializer, responses=BulkTagsResultSerializer)
    def post(self, request):
        updated = product_tags_bulk(actor=request.user, **validated(BulkTagsSerializer, request.data))
        return Response({"updated": updated})


class ProductSuggestionsView(APIView):
    @extend_schema(parameters=[SuggestionsQuerySerializer], responses=SuggestionsSerializer)
    def get(self, request):
        query = validated(SuggestionsQuerySerializer, request.query_params)["q"]
        found = selectors.suggestions(query=query, retail=not is_catalog_staff(request.user))
        return Response(SuggestionsSerializer(found).data)


class RecentlyViewedView(APIView):
    permission_classes = [IsRetailer]

    @extend_schema(responses=RetailProductSerializer(many=True))
    def get(self, request):
        return Response(retail_products_by_id(request, selectors.recently_viewed_ids(user=request.user)))


class ProductViewRecordView(APIView):
    permission_classes = [IsRetailer]

    @extend_schema(request=None, responses=ProductViewResultSerializer)
    def post(self, request, pk):
        product = get_object_or_404(selectors.visible_products(retail=True).only("id"), pk=pk)
        view = product_view_record(user=request.user, product=product)
        return Response({"product_id": product.pk, "viewed_at": view.viewed_at})


# --- Categories ---------------------------------------------------------------------------------


class CategoryListView(generics.ListAPIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields = ["slug", "name_ar", "name_fr", "name_en"]
    ordering_fields = ["name", "sort_order", "created_at"]
    queryset = Category.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        return selectors.category_list(retail=not is_catalog_staff(self.request.user))

    @extend_schema(request=CategoryWriteSerializer, responses={201: CategorySerializer})
    def post(self, request):
        category = category_create(actor=request.user, **validated(CategoryWriteSerializer, request.data))
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryTreeView(APIView):
    @extend_schema(responses=CategoryTreeSerializer(many=True))
    def get(self, request):
        categories = list(selectors.category_list(retail=not is_catalog_staff(request.user)))
        by_id = {category.pk: category for category in categories}
        roots = []
        for category in categories:
            category.tree_children = []
        for category in categories:
            parent = by_id.get(category.parent_id)
            if parent is not None:
                parent.tree_children.append(category)
            elif category.parent_id is None:
                roots.append(category)
        return Response(CategoryTreeSerializer(roots, many=True).data)


class CategoryDetailView(APIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    queryset = Category.objects.none()

    def get_object(self, request, pk) -> Category:
        return get_object_or_404(selectors.category_list(retail=not is_catalog_staff(request.user)), pk=pk)

    @extend_schema(responses=CategorySerializer)
    def get(self, request, pk):
        return Response(CategorySerializer(self.get_object(request, pk)).data)

    @extend_schema(request=CategoryWriteSerializer, responses=CategorySerializer)
    def patch(self, request, pk):
        changes = validated(CategoryWriteSerializer, request.data, partial=True)
        category = category_update(actor=request.user, category=self.get_object(request, pk), **changes)
        return Response(CategorySerializer(selectors.category_list(retail=False).get(pk=category.pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        category_delete(actor=request.user, category=self.get_object(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Tags -------------------------------------------------------------------------------------


class TagListView(generics.ListAPIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    serializer_class = TagSerializer
    search_fields = ["slug", "name_ar", "name_fr", "name_en", "aliases__alias"]
    ordering_fields = ["slug", "name", "usage_count", "created_at"]
    queryset = Tag.objects.none()

    def get_queryset(self):
        return selectors.tag_list()

    @extend_schema(request=TagWriteSerializer, responses={201: TagSerializer})
    def post(self, request):
        tag = tag_save(actor=request.user, **validated(TagWriteSerializer, request.data))
        return Response(TagSerializer(selectors.tag_list().get(pk=tag.pk)).data, status=status.HTTP_201_CREATED)


class TagDetailView(APIView):
    permission_classes = [ReadAuthenticatedWriteStaff]
    queryset = Tag.objects.none()

    @extend_schema(responses=TagSerializer)
    def get(self, request, pk):
        return Response(TagSerializer(get_object_or_404(selectors.tag_list(), pk=pk)).data)

    @extend_schema(request=TagWriteSerializer, responses=TagSerializer)
    def patch(self, request, pk):
        changes = validated(TagWriteSerializer, request.data, partial=True)
        tag_save(actor=request.user, tag=get_object_or_404(Tag, pk=pk), **changes)
        return Response(TagSerializer(selectors.tag_list().get(pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        tag_delete(actor=request.user, tag=get_object_or_404(Tag, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagMergeView(APIView):
    permission_classes = [has_perms("products.change_tag", "products.delete_tag")]

    @extend_schema(request=TagMergeSerializer, responses=TagSerializer)
    def post(self, request, pk):
        tag = get_object_or_404(Tag, pk=pk)
        target = tag_merge(actor=request.user, tag=tag, **validated(TagMergeSerializer, request.data))
        return Response(TagSerializer(selectors.tag_list().get(pk=target.pk)).data)


# --- Suppliers --------------------------------------------------------------------------------


class SupplierListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = SupplierSerializer
    filterset_fields = ["is_active", "wilaya"]
    search_fields = ["code", "name", "contact_name", "city"]
    ordering_fields = ["name", "code", "created_at"]
    queryset = Supplier.objects.none()

    def get_queryset(self):
        return selectors.supplier_list()

    @extend_schema(request=SupplierSerializer, responses={201: SupplierSerializer})
    def post(self, request):
        supplier = supplier_save(actor=request.user, **validated(SupplierSerializer, request.data))
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


class SupplierDetailView(APIView):
    permission_classes = [StaffModelPermissions]
    queryset = Supplier.objects.none()

    @extend_schema(responses=SupplierSerializer)
    def get(self, request, pk):
        return Response(SupplierSerializer(get_object_or_404(Supplier, pk=pk)).data)

    @extend_schema(request=SupplierSerializer, responses=SupplierSerializer)
    def patch(self, request, pk):
        supplier = get_object_or_404(Supplier, pk=pk)
        changes = validated(SupplierSerializer, request.data, partial=True)
        return Response(SupplierSerializer(supplier_save(actor=request.user, supplier=supplier, **changes)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        supplier_delete(actor=request.user, supplier=get_object_or_404(Supplier, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
