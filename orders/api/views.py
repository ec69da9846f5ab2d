from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.permissions import IsRetailer, StaffModelPermissions, has_perms
from livrili.api.requests import IDEMPOTENCY_HEADER, idempotency_key, validated
from livrili.core.errors import DomainError
from livrili.core.idempotency import Answer, idempotent, request_fingerprint
from products.api.serializers import RetailProductSerializer
from products.representations import retail_products_by_id
from retailers.models import Retailer

from .. import selectors
from ..models import Channel, Order
from ..services.cart import cart_add, cart_clear, cart_remove, cart_set
from ..services.edit import order_edit, order_reorder
from ..services.lifecycle import order_cancel, order_release_hold, order_set_status, orders_bulk_status
from ..services.placement import LineRequest, order_place
from ..services.sync import cart_sync
from .filters import OrderFilter, RetailerOrderFilter
from .serializers import (
    BulkResultsSerializer,
    BulkStatusSerializer,
    CancelSerializer,
    CartAddSerializer,
    CartSerializer,
    CartSetSerializer,
    CartSyncResultSerializer,
    CartSyncSerializer,
    ManualOrderSerializer,
    NoteSerializer,
    OrderDetailSerializer,
    OrderEditSerializer,
    OrderSerializer,
    PlaceOrderSerializer,
    ReorderResultSerializer,
    StaffOrderDetailSerializer,
    StatsQuerySerializer,
    StatusChangeSerializer,
    StatusStatSerializer,
    TrackingSerializer,
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=True, description="Replays return the first answer."
)


def cart_data(retailer) -> dict:
    return CartSerializer(selectors.cart_summary(retailer)).data


def line_requests(items) -> list[LineRequest]:
    return [LineRequest(**item) for item in items]


def place(request, *, retailer, data: dict, channel: str, lines=None) -> Response:
    """Shared by the PWA and staff placement endpoints: a replay answers the stored first
    answer (`livrili.core.idempotency`, keys per retailer); PRICE_CHANGED carries the cart.
    `retailer` may be a reference (`RetailerMixin.retailer_ref`): placement reads it locked."""
    key = idempotency_key(request)
    fingerprint = request_fingerprint(request.data)
    options = {k: v for k, v in data.items() if k not in ("items", "retailer_id")}

    def work() -> Answer:
        order, _replayed = order_place(
            retailer=retailer,
            actor=request.user,
            idempotency_key=key,
            fingerprint=fingerprint,
            channel=channel,
            lines=lines,
            **options,
        )
        order = selectors.order_detail().get(pk=order.pk)
        return Answer(status.HTTP_201_CREATED, OrderDetailSerializer(order).data)

    try:
        answer = idempotent(scope="orders.place", owner=retailer.pk, key=key, fingerprint=fingerprint, work=work)
    except DomainError as exc:
        if exc.code == "PRICE_CHANGED" and lines is None:  # after the rollback: what the cart costs now
            exc.details["cart"] = cart_data(Retailer.objects.get(pk=retailer.pk))  # `retailer` may be a reference
        raise
    return Response(answer.body, status=answer.status)


# --- Retailer: cart -----------------------------------------------------------------------


class RetailerMixin:
    permission_classes = [IsRetailer]

    def retailer(self) -> Retailer:
        if not hasattr(self, "_retailer"):  # the bare row: cart and orders need none of its relations
            self._retailer = Retailer.objects.get(pk=self.request.user.retailer_id)
        return self._retailer

    def retailer_ref(self) -> Retailer:
        """The retailer by key only: for filters on it, and for a service that reads the row
        itself, under its lock (a cart line it writes carries that row: no second read)."""
        return Retailer(pk=self.request.user.retailer_id)


class CartView(RetailerMixin, APIView):
    @extend_schema(responses=CartSerializer)
    def get(self, request):
        return Response(cart_data(self.retailer()))

    @extend_schema(responses={204: None})
    def delete(self, request):
        cart_clear(retailer=self.retailer())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartItemsView(RetailerMixin, APIView):
    @extend_schema(request=CartAddSerializer, responses=CartSerializer)
    def post(self, request):
        data = validated(CartAddSerializer, request.data)
        item = cart_add(retailer=self.retailer_ref(), actor=request.user, **data)
        return Response(cart_data(item.retailer))


class CartItemView(RetailerMixin, APIView):
    @extend_schema(request=CartSetSerializer, responses=CartSerializer)
    def patch(self, request, product_id):
        data = validated(CartSetSerializer, request.data)
        item = cart_set(retailer=self.retailer_ref(), actor=request.user, product_id=product_id, **data)
        return Response(cart_data(item.retailer))

    @extend_schema(responses={204: None})
    def delete(self, request, product_id):
        cart_remove(retailer=self.retailer(), product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartSyncView(RetailerMixin, APIView):
    @extend_schema(request=CartSyncSerializer, responses=CartSyncResultSerializer)
    def post(self, request):
        data = validated(CartSyncSerializer, request.data)
        results = cart_sync(retailer=self.retailer(), actor=request.user, **data)
        return Response({"results": results, "cart": cart_data(self.retailer())})


# --- Retailer: orders ---------------------------------------------------------------------


class RetailerOrderListView(RetailerMixin, generics.ListAPIView):
    serializer_class = OrderSerializer
    filterset_class = RetailerOrderFilter
    search_fields = ["number"]
    ordering_fields = ["created_at", "total", "number"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Order.objects.none()
        return selectors.retailer_orders(self.retailer_ref())

    @extend_schema(
        request=PlaceOrderSerializer, responses={201: OrderDetailSerializer}, parameters=[IDEMPOTENCY_PARAMETER]
    )
    def post(self, request):
        data = validated(PlaceOrderSerializer, request.data)
        return place(request, retailer=self.retailer_ref(), data=data, channel=Channel.PWA)


class RetailerOrderMixin(RetailerMixin):
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Order.objects.none()
        return selectors.order_detail().filter(retailer=self.retailer())


class RetailerOrderDetailView(RetailerOrderMixin, generics.RetrieveAPIView):
    serializer_class = OrderDetailSerializer


class RetailerOrderTrackingView(RetailerOrderMixin, generics.GenericAPIView):
    serializer_class = TrackingSerializer

    def get(self, request, pk):
        return Response(TrackingSerializer(selectors.order_tracking(self.get_object())).data)


class RetailerOrderCancelView(RetailerOrderMixin, generics.GenericAPIView):
    serializer_class = OrderDetailSerializer

    @extend_schema(request=CancelSerializer, responses=OrderDetailSerializer)
    def post(self, request, pk):
        data = validated(CancelSerializer, request.data)
        order = order_cancel(order=self.get_object(), actor=request.user, by_retailer=True, **data)
        return Response(OrderDetailSerializer(selectors.order_detail().get(pk=order.pk)).data)


class RetailerReorderView(RetailerOrderMixin, generics.GenericAPIView):
    serializer_class = ReorderResultSerializer

    @extend_schema(request=None, responses=ReorderResultSerializer)
    def post(self, request, pk):
        adjustments = order_reorder(order=self.get_object(), retailer=self.retailer(), actor=request.user)
        return Response({"cart": cart_data(self.retailer()), "adjustments": adjustments})


# --- Back office --------------------------------------------------------------------------


class OrderListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["number", "retailer__business_name"]
    ordering_fields = ["created_at", "total", "number", "status"]

    def get_queryset(self):
        return selectors.order_list()

    @extend_schema(
        request=ManualOrderSerializer, responses={201: OrderDetailSerializer}, parameters=[IDEMPOTENCY_PARAMETER]
    )
    def post(self, request):
        data = validated(ManualOrderSerializer, request.data)
        retailer = Retailer.objects.filter(pk=data["retailer_id"]).first()
        if retailer is None:
            raise DomainError("VALIDATION_ERROR", details={"retailer_id": [_("Unknown retailer.")]})
        return place(request, retailer=retailer, data=data, channel=Channel.ADMIN, lines=line_requests(data["items"]))


class StaffOrderMixin:
    def get_queryset(self):
        return selectors.order_detail(with_events=True)

    def respond(self, order):
        return Response(StaffOrderDetailSerializer(self.get_queryset().get(pk=order.pk)).data)


class OrderDetailView(StaffOrderMixin, generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(request=OrderEditSerializer, responses=StaffOrderDetailSerializer)
    def patch(self, request, pk):
        data = validated(OrderEditSerializer, request.data)
        order = order_edit(
            order=self.get_object(), actor=request.user, lines=line_requests(data["items"]), notes=data.get("notes")
        )
        return self.respond(order)


class OrderStatusView(StaffOrderMixin, generics.GenericAPIView):
    permission_classes = [has_perms("orders.change_order")]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(request=StatusChangeSerializer, responses=StaffOrderDetailSerializer)
    def post(self, request, pk):
        data = validated(StatusChangeSerializer, request.data)
        return self.respond(order_set_status(order=self.get_object(), actor=request.user, **data))


class OrderCancelView(StaffOrderMixin, generics.GenericAPIView):
    permission_classes = [has_perms("orders.change_order")]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(request=CancelSerializer, responses=StaffOrderDetailSerializer)
    def post(self, request, pk):
        data = validated(CancelSerializer, request.data)
        return self.respond(order_cancel(order=self.get_object(), actor=request.user, **data))


class OrderReleaseHoldView(StaffOrderMixin, generics.GenericAPIView):
    permission_classes = [has_perms("orders.release_hold")]
    serializer_class = StaffOrderDetailSerializer

    @extend_schema(request=NoteSerializer, responses=StaffOrderDetailSerializer)
    def post(self, request, pk):
        data = validated(NoteSerializer, request.data)
        return self.respond(order_release_hold(order=self.get_object(), actor=request.user, **data))


class OrderBulkStatusView(APIView):
    permission_classes = [has_perms("orders.change_order")]

    @extend_schema(request=BulkStatusSerializer, responses=BulkResultsSerializer)
    def post(self, request):
        data = validated(BulkStatusSerializer, request.data)
        return Response({"results": orders_bulk_status(actor=request.user, **data)})


class OrderStatsView(APIView):
    permission_classes = [has_perms("orders.view_order")]

    @extend_schema(parameters=[StatsQuerySerializer], responses=StatusStatSerializer(many=True))
    def get(self, request):
        query = validated(StatsQuerySerializer, request.query_params)
        stats = selectors.order_stats(
            date_from=query.get("date_from"), date_to=query.get("date_to"), retailer_id=query.get("retailer")
        )
        return Response(StatusStatSerializer(stats, many=True).data)


# --- Suggestions computed from order lines ------------------------------------------------


class PopularProductsView(RetailerMixin, APIView):
    @extend_schema(responses=RetailProductSerializer(many=True))
    def get(self, request):
        return Response(retail_products_by_id(request, selectors.popular_product_ids()))


class RecommendedProductsView(RetailerMixin, APIView):
    @extend_schema(responses=RetailProductSerializer(many=True))
    def get(self, request):
        return Response(retail_products_by_id(request, selectors.recommended_product_ids(self.retailer())))
