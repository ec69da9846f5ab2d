import io

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from deliveries.models import Driver
from livrili.api.permissions import StaffModelPermissions, has_perms
from livrili.api.requests import IDEMPOTENCY_HEADER, idempotency_key, validated
from livrili.core.idempotency import Answer, idempotent, request_fingerprint
from livrili.core.money import ZERO
from retailers.api.views import BinaryDownloadSchema, IsRetailerOwner
from retailers.models import Retailer

from .. import selectors
from ..models import CashHandover, Invoice, Payment
from ..pdf import invoice_pdf
from ..services.handovers import handover_approve, handover_create, handover_expected
from ..services.invoices import invoice_cancel
from ..services.payments import AllocationRequest, payment_bounce, payment_cancel, payment_record
from .filters import CashHandoverFilter, InvoiceFilter, PaymentFilter, RetailerInvoiceFilter
from .serializers import (
    CashHandoverCreateSerializer,
    CashHandoverSerializer,
    ExpectedCashSerializer,
    ExpectedQuerySerializer,
    InvoiceCancelSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    PaymentCreateSerializer,
    PaymentReasonSerializer,
    PaymentSerializer,
)

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


# --- Payments (Finance) -------------------------------------------------------------------------


class ReadOrWrite:
    """Reads need `read_permission`, writes `write_permission` (both staff)."""

    read_permission = ""
    write_permission = ""

    def get_permissions(self):
        needed = self.read_permission if self.request.method in ("GET", "HEAD", "OPTIONS") else self.write_permission
        return [has_perms(needed)()]


def payment_data(payment) -> dict:
    return PaymentSerializer(selectors.payment_list().get(pk=payment.pk)).data


class PaymentListView(ReadOrWrite, generics.ListAPIView):
    """Payments; POST records one received at the office (`Idempotency-Key` required: a replay
    answers the first answer), allocated as asked then to the oldest open invoices."""

    read_permission = "billing.view_payment"
    write_permission = "billing.record_payment"
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    search_fields = ["reference", "retailer__business_name", "delivery__number"]
    ordering_fields = ["received_at", "amount", "created_at"]

    def get_queryset(self):
        return selectors.payment_list()

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Replays return the first answer.",
            )
        ],
    )
    def post(self, request):
        key = idempotency_key(request)
        data = validated(PaymentCreateSerializer, request.data)
        retailer = get_object_or_404(Retailer, pk=data.pop("retailer_id"))
        requests = [AllocationRequest(a["invoice_id"], a["amount"]) for a in data.pop("allocations")]

        def work() -> Answer:
            payment, _replayed = payment_record(
                retailer=retailer, actor=request.user, idempotency_key=key, allocations=requests, **data
            )
            return Answer(status.HTTP_201_CREATED, payment_data(payment))

        answer = idempotent(
            scope="billing.payment",
            owner=retailer.pk,
            key=key,
            fingerprint=request_fingerprint(request.data),
            work=work,
        )
        return Response(answer.body, status=answer.status)


class PaymentDetailView(generics.RetrieveAPIView):
    permission_classes = [has_perms("billing.view_payment")]
    serializer_class = PaymentSerializer

    def get_queryset(self):
        return selectors.payment_list()


class PaymentReversalView(generics.GenericAPIView):
    permission_classes = [has_perms("billing.record_payment")]
    serializer_class = PaymentSerializer
    queryset = Payment.objects.all()
    service = None

    @extend_schema(request=PaymentReasonSerializer, responses=PaymentSerializer)
    def post(self, request, pk):
        payment = self.get_object()
        data = validated(PaymentReasonSerializer, request.data)
        type(self).service(payment=payment, actor=request.user, **data)
        return Response(payment_data(payment))


class PaymentBounceView(PaymentReversalView):
    """A cheque came back unpaid: reversed on the ledger, its invoices reopen (200)."""

    service = payment_bounce


class PaymentCancelView(PaymentReversalView):
    """A payment recorded in error: reversed on the ledger, its invoices reopen (200)."""

    service = payment_cancel


# --- Cash handovers (Finance) -------------------------------------------------------------------


class CashHandoverListView(ReadOrWrite, generics.ListAPIView):
    """Handovers; POST counts a driver's cash of a day (201): a discrepancy needs a reason."""

    read_permission = "billing.view_cashhandover"
    write_permission = "billing.count_cash"
    serializer_class = CashHandoverSerializer
    filterset_class = CashHandoverFilter
    ordering_fields = ["business_date", "created_at", "discrepancy"]

    def get_queryset(self):
        return selectors.handover_list()

    @extend_schema(request=CashHandoverCreateSerializer, responses={201: CashHandoverSerializer})
    def post(self, request):
        data = validated(CashHandoverCreateSerializer, request.data)
        driver = get_object_or_404(Driver, pk=data.pop("driver_id"))
        handover = handover_create(driver=driver, day=data.pop("date"), actor=request.user, **data)
        return Response(
            CashHandoverSerializer(selectors.handover_list().get(pk=handover.pk)).data, status=status.HTTP_201_CREATED
        )


class CashHandoverExpectedView(APIView):
    """What a driver should hand over for a day: its cash in custody received that day."""

    permission_classes = [has_perms("billing.view_cashhandover")]

    @extend_schema(parameters=[ExpectedQuerySerializer], responses=ExpectedCashSerializer)
    def get(self, request):
        query = validated(ExpectedQuerySerializer, request.query_params)
        driver = get_object_or_404(Driver.objects.select_related("user"), pk=query["driver"])
        payments = list(handover_expected(driver=driver, day=query["date"]))
        expected = sum((p.amount for p in payments), ZERO)
        return Response(
            ExpectedCashSerializer(
                {"driver": driver, "date": query["date"], "expected_amount": expected, "payments": payments}
            ).data
        )


class CashHandoverApproveView(generics.GenericAPIView):
    """Approve a counted handover: its payments become confirmed (200 with the handover)."""

    permission_classes = [has_perms("billing.count_cash")]
    serializer_class = CashHandoverSerializer
    queryset = CashHandover.objects.all()

    @extend_schema(request=None, responses=CashHandoverSerializer)
    def post(self, request, pk):
        handover = handover_approve(handover=self.get_object(), actor=request.user)
        return Response(CashHandoverSerializer(selectors.handover_list().get(pk=handover.pk)).data)
