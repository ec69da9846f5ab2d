from django.urls import path

from . import routes, views

urlpatterns = [
    # Back office: deliveries and drivers
    path("deliveries", views.DeliveryListView.as_view(), name="delivery-list"),
    path("deliveries/<uuid:pk>", views.DeliveryDetailView.as_view(), name="delivery-detail"),
    path("deliveries/<uuid:pk>/assign", views.DeliveryAssignView.as_view(), name="delivery-assign"),
    path("deliveries/<uuid:pk>/status", views.DeliveryStatusView.as_view(), name="delivery-status"),
    path("drivers", views.DriverListView.as_view(), name="driver-list"),
    path("drivers/<uuid:pk>", views.DriverDetailView.as_view(), name="driver-detail"),
    path("drivers/<uuid:pk>/performance", views.DriverPerformanceView.as_view(), name="driver-performance"),
    # Driver app (the fixed segment `me` never matches the <uuid:pk> routes above)
    path("drivers/me", views.MeView.as_view(), name="driver-me"),
    path("drivers/me/status", views.MeStatusView.as_view(), name="driver-me-status"),
    path("drivers/me/location", views.MeLocationView.as_view(), name="driver-me-location"),
    path("drivers/me/deliveries", views.MeDeliveryListView.as_view(), name="driver-me-deliveries"),
    path("drivers/me/deliveries/<uuid:pk>", views.MeDeliveryDetailView.as_view(), name="driver-me-delivery"),
    path(
        "drivers/me/deliveries/<uuid:pk>/status", views.MeDeliveryStatusView.as_view(), name="driver-me-delivery-status"
    ),
    path("drivers/me/deliveries/<uuid:pk>/proof", views.MeDeliveryProofView.as_view(), name="driver-me-delivery-proof"),
    path("drivers/me/cash", views.MeCashView.as_view(), name="driver-me-cash"),
    # Routes
    path("routes", routes.RouteListView.as_view(), name="route-list"),
    path("routes/plan", routes.RoutePlanView.as_view(), name="route-plan"),
    path("routes/<uuid:pk>", routes.RouteDetailView.as_view(), name="route-detail"),
    path("routes/<uuid:pk>/stops", routes.RouteStopsView.as_view(), name="route-stops"),
    path("routes/<uuid:pk>/start", routes.RouteStartView.as_view(), name="route-start"),
    path("routes/<uuid:pk>/complete", routes.RouteCompleteView.as_view(), name="route-complete"),
    path("routes/<uuid:pk>/cancel", routes.RouteCancelView.as_view(), name="route-cancel"),
    path("drivers/me/route", routes.DriverRouteView.as_view(), name="driver-me-route"),
    # Retailer
    path("retailers/orders/<uuid:pk>/rating", views.RetailerOrderRatingView.as_view(), name="retailer-order-rating"),
]
