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
    path("payments", views.PaymentListView.as_view(), name="payment-list"),
    path("payments/<uuid:pk>", views.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<uuid:pk>/bounce", views.PaymentBounceView.as_view(), name="payment-bounce"),
    path("payments/<uuid:pk>/cancel", views.PaymentCancelView.as_view(), name="payment-cancel"),
    path("cash-handovers", views.CashHandoverListView.as_view(), name="cash-handover-list"),
    path("cash-handovers/expected", views.CashHandoverExpectedView.as_view(), name="cash-handover-expected"),
    path("cash-handovers/<uuid:pk>/approve", views.CashHandoverApproveView.as_view(), name="cash-handover-approve"),
]
