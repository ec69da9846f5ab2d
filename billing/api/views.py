import io

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from livrili.api.permissions import StaffModelPermissions, has_perms
from livrili.api.requests import validated
from retailers.api.views import BinaryDownloadSchema, IsRetailerOwner

from .. import selectors
from ..models import Invoice
from ..pdf import invoice_pdf
from ..services.invoices import invoice_cancel
from .filters import InvoiceFilter, RetailerInvoiceFilter
from .serializers import InvoiceCancelSerializer, InvoiceDetailSerializer, InvoiceSerializer

ORDERING = ["issued_at", "number", "total", "due_date"]

# --- Back office ------------------------------------------------------------------------------


class InvoiceListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    search_fields = ["number", "order__number", "retailer__business_name"]
    ordering_fields = ORDERING

    def get_queryset(self):
        return selectors.invoice_list()


class InvoiceDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = InvoiceDetailSerializer

    def get_queryset(self):
        return selectors.invoice_detail()


class InvoiceCancelView(generics.GenericAPIView):
    """Finance cancels an invoice: a credit note reverses it on the ledger (200 with the invoice)."""

    permission_classes = [has_perms("billing.cancel_invoice")]
    serializer_class = InvoiceDetailSerializer
    queryset = Invoice.objects.all()

    @extend_schema(request=InvoiceCancelSerializer, responses=InvoiceDetailSerializer)
    def post(self, request, pk):
        invoice = self.get_object()
        data = validated(InvoiceCancelSerializer, request.data)
        invoice_cancel(invoice=invoice, actor=request.user, **data)
        return Response(InvoiceDetailSerializer(selectors.invoice_detail().get(pk=invoice.pk)).data)


class InvoicePdfMixin:
    """The invoice as PDF in its language (503 SERVICE_UNAVAILABLE where WeasyPrint cannot run)."""

    schema = BinaryDownloadSchema()

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        invoice = self.get_object()
        pdf = io.BytesIO(invoice_pdf(invoice))
        return FileResponse(pdf, filename=f"{invoice.number}.pdf", content_type="application/pdf")


class InvoicePdfView(InvoicePdfMixin, generics.GenericAPIView):
    permission_classes = [has_perms("billing.view_invoice")]

    def get_queryset(self):
        return selectors.invoice_detail()


# --- Retailer (the owner; another retailer's invoice is a 404) ---------------------------------


class RetailerInvoiceMixin:
    permission_classes = [IsRetailerOwner]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Invoice.objects.none()
        return selectors.invoice_detail().filter(retailer_id=self.request.user.retailer_id)


class RetailerInvoiceListView(RetailerInvoiceMixin, generics.ListAPIView):
    serializer_class = InvoiceSerializer
    filterset_class = RetailerInvoiceFilter
    search_fields = ["number", "order__number"]
    ordering_fields = ORDERING

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        return selectors.invoice_list().filter(retailer_id=self.request.user.retailer_id)


class RetailerInvoiceDetailView(RetailerInvoiceMixin, generics.RetrieveAPIView):
    serializer_class = InvoiceDetailSerializer


class RetailerInvoicePdfView(InvoicePdfMixin, RetailerInvoiceMixin, generics.GenericAPIView):
    pass
