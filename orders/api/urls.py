from django.urls import path

from . import views

urlpatterns = [
    path("products/popular", views.PopularProductsView.as_view(), name="products-popular"),
    path("products/recommendations", views.RecommendedProductsView.as_view(), name="products-recommendations"),
    path("retailers/cart", views.CartView.as_view(), name="cart"),
    path("retailers/cart/items", views.CartItemsView.as_view(), name="cart-items"),
    path("retailers/cart/items/<uuid:product_id>", views.CartItemView.as_view(), name="cart-item"),
    path("retailers/cart/sync", views.CartSyncView.as_view(), name="cart-sync"),
    path("retailers/orders", views.RetailerOrderListView.as_view(), name="retailer-orders"),
    path("retailers/orders/<uuid:pk>", views.RetailerOrderDetailView.as_view(), name="retailer-order"),
    path(
        "retailers/orders/<uuid:pk>/tracking", views.RetailerOrderTrackingView.as_view(), name="retailer-order-tracking"
    ),
    path("retailers/orders/<uuid:pk>/cancel", views.RetailerOrderCancelView.as_view(), name="retailer-order-cancel"),
    path("retailers/orders/<uuid:pk>/reorder", views.RetailerReorderView.as_view(), name="retailer-order-reorder"),
    path("orders", views.OrderListView.as_view(), name="order-list"),
    path("orders/bulk-status", views.OrderBulkStatusView.as_view(), name="order-bulk-status"),
    path("orders/stats", views.OrderStatsView.as_view(), name="order-stats"),
    path("orders/<uuid:pk>", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<uuid:pk>/status", views.OrderStatusView.as_view(), name="order-status"),
    path("orders/<uuid:pk>/cancel", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<uuid:pk>/release-hold", views.OrderReleaseHoldView.as_view(), name="order-release-hold"),
]
