from django.urls import path

from . import views

urlpatterns = [
    path("invoices", views.InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/<uuid:pk>", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("invoices/<uuid:pk>/pdf", views.InvoicePdfView.as_view(), name="invoice-pdf"),
    path("invoices/<uuid:pk>/cancel", views.InvoiceCancelView.as_view(), name="invoice-cancel"),
    path("retailers/invoices", views.RetailerInvoiceListView.as_view(), name="retailer-invoice-list"),
    path("retailers/invoices/<uuid:pk>", views.RetailerInvoiceDetailView.as_view(), name="retailer-invoice-detail"),
    path("retailers/invoices/<uuid:pk>/pdf", views.RetailerInvoicePdfView.as_view(), name="retailer-invoice-pdf"),
]
