from django.urls import path

from . import alerts, reports, views

urlpatterns = [
    path("analytics/dashboard", views.DashboardView.as_view(), name="analytics-dashboard"),
    path("analytics/trends", views.TrendsView.as_view(), name="analytics-trends"),
    path("analytics/geo", views.GeoView.as_view(), name="analytics-geo"),
    path("analytics/top-retailers", views.TopRetailersView.as_view(), name="analytics-top-retailers"),
    path("analytics/top-products", views.TopProductsView.as_view(), name="analytics-top-products"),
    path(
        "analytics/delivery-performance",
        views.DeliveryPerformanceView.as_view(),
        name="analytics-delivery-performance",
    ),
    path("reports/<slug:report_type>", reports.ReportView.as_view(), name="report"),
    path("alerts", alerts.AlertListView.as_view(), name="alert-list"),
    path("alerts/<uuid:pk>/read", alerts.AlertReadView.as_view(), name="alert-read"),
    path("alerts/<uuid:pk>/resolve", alerts.AlertResolveView.as_view(), name="alert-resolve"),
    path("report-schedules", reports.ReportScheduleListView.as_view(), name="report-schedule-list"),
    path("report-schedules/<uuid:pk>", reports.ReportScheduleDetailView.as_view(), name="report-schedule-detail"),
    path("report-exports", reports.ReportExportListView.as_view(), name="report-export-list"),
]
