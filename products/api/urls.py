from django.urls import path

from . import views

urlpatterns = [
    path("categories", views.CategoryListView.as_view(), name="category-list"),
    path("categories/tree", views.CategoryTreeView.as_view(), name="category-tree"),
    path("categories/<uuid:pk>", views.CategoryDetailView.as_view(), name="category-detail"),
    path("products", views.ProductListView.as_view(), name="product-list"),
    path("products/bulk-tags", views.ProductBulkTagsView.as_view(), name="product-bulk-tags"),
    path("products/suggestions", views.ProductSuggestionsView.as_view(), name="product-suggestions"),
    path("products/recently-viewed", views.RecentlyViewedView.as_view(), name="product-recently-viewed"),
    path("products/by-sku/<str:sku>", views.ProductBySkuView.as_view(), name="product-by-sku"),
    path("products/by-barcode/<str:code>", views.ProductByBarcodeView.as_view(), name="product-by-barcode"),
    path("products/<uuid:pk>", views.ProductDetailView.as_view(), name="product-detail"),
    path("products/<uuid:pk>/images", views.ProductImageListView.as_view(), name="product-images"),
    path(
        "products/<uuid:pk>/images/<uuid:image_id>",
        views.ProductImageDetailView.as_view(),
        name="product-image-detail",
    ),
    path("products/<uuid:pk>/stock", views.ProductStockView.as_view(), name="product-stock"),
    path(
        "products/<uuid:pk>/stock-movements",
        views.ProductStockMovementListView.as_view(),
        name="product-stock-movements",
    ),
    path("products/<uuid:pk>/view", views.ProductViewRecordView.as_view(), name="product-view"),
    path("tags", views.TagListView.as_view(), name="tag-list"),
    path("tags/<uuid:pk>", views.TagDetailView.as_view(), name="tag-detail"),
    path("tags/<uuid:pk>/merge", views.TagMergeView.as_view(), name="tag-merge"),
    path("suppliers", views.SupplierListView.as_view(), name="supplier-list"),
    path("suppliers/<uuid:pk>", views.SupplierDetailView.as_view(), name="supplier-detail"),
]
