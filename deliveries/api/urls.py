from django.urls import path

from . import routes

urlpatterns: list = [
    # --- Routes (d-routes) ---
    path("routes", routes.RouteListView.as_view(), name="route-list"),
    path("routes/plan", routes.RoutePlanView.as_view(), name="route-plan"),
    path("routes/<uuid:pk>", routes.RouteDetailView.as_view(), name="route-detail"),
    path("routes/<uuid:pk>/stops", routes.RouteStopsView.as_view(), name="route-stops"),
    path("routes/<uuid:pk>/start", routes.RouteStartView.as_view(), name="route-start"),
    path("routes/<uuid:pk>/complete", routes.RouteCompleteView.as_view(), name="route-complete"),
    path("routes/<uuid:pk>/cancel", routes.RouteCancelView.as_view(), name="route-cancel"),
    path("drivers/me/route", routes.DriverRouteView.as_view(), name="driver-me-route"),
]
