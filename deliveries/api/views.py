import hashlib

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.parsers import FormParser, MultiPartParser
from livrili.api.permissions import IsDriver, IsRetailer, StaffModelPermissions, has_perms
from livrili.api.requests import IDEMPOTENCY_HEADER, idempotency_key, validated
from livrili.core.errors import DomainError
from livrili.core.idempotency import Answer, idempotent, request_fingerprint
from orders.models import Order

from .. import selectors
from ..models import Delivery, Driver
from ..services.dispatch import delivery_update
from ..services.drivers import driver_create, driver_locate, driver_set_status, driver_update
from ..services.lifecycle import delivery_assign, delivery_report
from ..services.proofs import delivery_proof_add
from ..services.ratings import delivery_rate
from .filters import DeliveryFilter, DriverDeliveryFilter, DriverFilter
from .serializers import (
    AssignSerializer,
    DeliveryDetailSerializer,
    DeliverySerializer,
    DeliveryUpdateSerializer,
    DriverCashSerializer,
    DriverCreateSerializer,
    DriverDeliverySerializer,
    DriverPerformanceSerializer,
    DriverSerializer,
    DriverStatusSerializer,
    DriverUpdateSerializer,
    LocationSerializer,
    OperatorReportSerializer,
    PeriodSerializer,
    ProofSummarySerializer,
    ProofUploadSerializer,
    RatingResultSerializer,
    RatingSerializer,
    ReportSerializer,
)


def idempotency_parameter(required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        IDEMPOTENCY_HEADER,
        str,
        OpenApiParameter.HEADER,
        required=required,
        description="Replays return the first answer.",
    )


# --- Back office: deliveries --------------------------------------------------------------


class StaffDeliveryMixin:
    def respond(self, delivery: Delivery) -> Response:
        return Response(DeliveryDetailSerializer(selectors.delivery_detail().get(pk=delivery.pk)).data)


class DeliveryListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    search_fields = ["number", "order__number", "order__retailer__business_name"]
    ordering_fields = ["scheduled_date", "priority", "number", "status", "created_at", "window_start"]

    def get_queryset(self):
        return selectors.delivery_list()


class DeliveryDetailView(StaffDeliveryMixin, generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = DeliveryDetailSerializer

    def get_queryset(self):
        return selectors.delivery_detail()

    @extend_schema(request=DeliveryUpdateSerializer, responses=DeliveryDetailSerializer)
    def patch(self, request, pk):
        data = validated(DeliveryUpdateSerializer, request.data)
        return self.respond(delivery_update(delivery=self.get_object(), actor=request.user, **data))


class DeliveryAssignView(StaffDeliveryMixin, generics.GenericAPIView):
    permission_classes = [has_perms("deliveries.change_delivery")]
    serializer_class = DeliveryDetailSerializer
    queryset = Delivery.objects.all()

    @extend_schema(request=AssignSerializer, responses=DeliveryDetailSerializer)
    def post(self, request, pk):
        delivery = self.get_object()
        data = validated(AssignSerializer, request.data)
        driver = Driver.objects.filter(pk=data["driver_id"]).first()
        if driver is None:
            raise DomainError("VALIDATION_ERROR", details={"driver_id": [_("Unknown driver.")]})
        return self.respond(delivery_assign(delivery=delivery, driver=driver, actor=request.user, note=data["note"]))


class DeliveryStatusView(StaffDeliveryMixin, generics.GenericAPIView):
    permission_classes = [has_perms("deliveries.change_delivery")]
    serializer_class = DeliveryDetailSerializer
    queryset = Delivery.objects.all()

    @extend_schema(request=OperatorReportSerializer, responses=DeliveryDetailSerializer)
    def post(self, request, pk):
        delivery = self.get_object()
        data = validated(OperatorReportSerializer, request.data)
        return self.respond(delivery_report(delivery=delivery, actor=request.user, operator=True, **data))


# --- Back office: drivers -----------------------------------------------------------------


class DriverListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = DriverSerializer
    filterset_class = DriverFilter
    search_fields = ["user__full_name", "user__username", "user__phone", "phone", "vehicle_plate"]
    ordering_fields = ["created_at", "vehicle_plate", "status", "capacity_kg", "license_expiry"]

    def get_queryset(self):
        return selectors.driver_list()

    @extend_schema(request=DriverCreateSerializer, responses={201: DriverSerializer})
    def post(self, request):
        driver = driver_create(actor=request.user, **validated(DriverCreateSerializer, request.data))
        return Response(
            DriverSerializer(selectors.driver_list().get(pk=driver.pk)).data, status=status.HTTP_201_CREATED
        )


class DriverDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = DriverSerializer

    def get_queryset(self):
        return selectors.driver_list()

    @extend_schema(request=DriverUpdateSerializer, responses=DriverSerializer)
    def patch(self, request, pk):
        data = validated(DriverUpdateSerializer, request.data)
        driver = driver_update(actor=request.user, driver=self.get_object(), **data)
        return Response(DriverSerializer(selectors.driver_list().get(pk=driver.pk)).data)


class DriverPerformanceView(generics.GenericAPIView):
    permission_classes = [has_perms("deliveries.view_driver")]
    serializer_class = DriverPerformanceSerializer
    queryset = Driver.objects.all()

    @extend_schema(parameters=[PeriodSerializer], responses=DriverPerformanceSerializer)
    def get(self, request, pk):
        driver = self.get_object()
        period = validated(PeriodSerializer, request.query_params)
        return Response(DriverPerformanceSerializer(selectors.driver_performance(driver, **period)).data)


# --- Driver app ---------------------------------------------------------------------------


class DriverMixin:
    """Driver-app views act on the caller's Driver row; another driver's delivery is a 404."""

    permission_classes = [IsDriver]

    def driver(self) -> Driver:
        if not hasattr(self, "_driver"):
            self._driver = selectors.driver_for_user(self.request.user)
            if self._driver is None:  # a driver account with no driver profile yet
                raise Http404
        return self._driver

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Delivery.objects.none()
        return selectors.driver_deliveries(self.driver())

    def delivery_data(self, delivery: Delivery) -> dict:
        return DriverDeliverySerializer(selectors.driver_deliveries(self.driver()).get(pk=delivery.pk)).data


class MeView(DriverMixin, APIView):
    @extend_schema(responses=DriverSerializer)
    def get(self, request):
        return Response(DriverSerializer(self.driver()).data)


class MeStatusView(DriverMixin, APIView):
    @extend_schema(request=DriverStatusSerializer, responses=DriverSerializer)
    def post(self, request):
        data = validated(DriverStatusSerializer, request.data)
        driver = driver_set_status(driver=self.driver(), actor=request.user, **data)
        return Response(DriverSerializer(selectors.driver_list().get(pk=driver.pk)).data)


class MeLocationView(DriverMixin, APIView):
    @extend_schema(request=LocationSerializer, responses=DriverSerializer)
    def post(self, request):
        data = validated(LocationSerializer, request.data)
        driver = driver_locate(driver=self.driver(), **data)
        return Response(DriverSerializer(driver).data)


class MeDeliveryListView(DriverMixin, generics.ListAPIView):
    serializer_class = DriverDeliverySerializer
    filterset_class = DriverDeliveryFilter
    ordering_fields = ["scheduled_date", "priority", "window_start", "estimated_at", "number"]


class MeDeliveryDetailView(DriverMixin, generics.RetrieveAPIView):
    serializer_class = DriverDeliverySerializer


class MeDeliveryStatusView(DriverMixin, generics.GenericAPIView):
    serializer_class = DriverDeliverySerializer

    @extend_schema(
        request=ReportSerializer, responses=DriverDeliverySerializer, parameters=[idempotency_parameter(True)]
    )
    def post(self, request, pk):
        delivery = self.get_object()
        key = idempotency_key(request)
        data = validated(ReportSerializer, request.data)

        def work() -> Answer:
            reported = delivery_report(delivery=delivery, actor=request.user, operator=False, **data)
            return Answer(status.HTTP_200_OK, self.delivery_data(reported))

        # the delivery is part of the request: one key reused on another delivery is a conflict
        fingerprint = request_fingerprint({"delivery": str(delivery.pk), "body": request.data})
        answer = idempotent(
            scope="deliveries.status", owner=self.driver().pk, key=key, fingerprint=fingerprint, work=work
        )
        return Response(answer.body, status=answer.status)


def _upload_fingerprint(request, delivery: Delivery) -> str:
    """The multipart body as a replay must repeat it: fields, and each file's name and digest."""
    files = {}
    for name in request.FILES:
        files[name] = []
        for upload in request.FILES.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files[name].append([upload.name, upload.size, digest.hexdigest()])
    fields = {name: request.data.getlist(name) for name in request.data if name not in request.FILES}
    return request_fingerprint({"delivery": str(delivery.pk), "fields": fields, "files": files})


class MeDeliveryProofView(DriverMixin, generics.GenericAPIView):
    serializer_class = ProofSummarySerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ProofUploadSerializer},
        responses={201: ProofSummarySerializer},
        parameters=[idempotency_parameter(False)],
    )
    def post(self, request, pk):
        delivery = self.get_object()
        key = idempotency_key(request, required=False)
        data = validated(ProofUploadSerializer, request.data)

        def work() -> Answer:
            proof = delivery_proof_add(delivery=delivery, actor=request.user, **data)
            return Answer(status.HTTP_201_CREATED, ProofSummarySerializer(proof).data)

        if key is None:
            answer = work()
        else:
            fingerprint = _upload_fingerprint(request, delivery)
            answer = idempotent(
                scope="deliveries.proof", owner=self.driver().pk, key=key, fingerprint=fingerprint, work=work
            )
        return Response(answer.body, status=answer.status)


class MeCashView(DriverMixin, APIView):
    @extend_schema(responses=DriverCashSerializer)
    def get(self, request):
        return Response(DriverCashSerializer(selectors.driver_cash(self.driver())).data)


# --- Retailer -------------------------------------------------------------------------------


class RetailerOrderRatingView(APIView):
    """The retailer rates its delivered order, once (another retailer's order → 404)."""

    permission_classes = [IsRetailer]

    @extend_schema(request=RatingSerializer, responses=RatingResultSerializer)
    def post(self, request, pk):
        order = Order.objects.filter(pk=pk, retailer_id=request.user.retailer_id).first()
        if order is None:
            raise Http404
        data = validated(RatingSerializer, request.data)
        delivery = delivery_rate(order=order, rating=data["rating"], feedback=data["feedback"], actor=request.user)
        return Response(RatingResultSerializer(delivery).data)
