"""Routes: the back office plans, re-orders, starts, completes and cancels them; a driver reads
its own route of a day (api.md, Back office and Drivers; workflows.md §5)."""

import django_filters
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.permissions import IsDriver, StaffModelPermissions, has_perms
from livrili.api.requests import validated

from ..models import Driver, Route, RouteStatus, RouteStop
from ..services import routes as services

# --- Reads --------------------------------------------------------------------------------


def route_list():
    return Route.objects.select_related("driver__user").annotate(stop_count=Count("stops")).order_by("-date", "pk")


def route_detail():
    stops = RouteStop.objects.select_related("delivery").order_by("sequence")
    return route_list().prefetch_related(Prefetch("stops", queryset=stops))


class RouteFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(field_name="date")
    driver_id = django_filters.UUIDFilter(field_name="driver_id")
    status = django_filters.ChoiceFilter(choices=RouteStatus.choices)

    class Meta:
        model = Route
        fields = ["date", "driver_id", "status"]


# --- Serializers ----------------------------------------------------------------------------


class RouteDriverSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField(source="user.full_name")
    phone = serializers.CharField()
    vehicle_plate = serializers.CharField()


class RouteStopSerializer(serializers.ModelSerializer):
    delivery_id = serializers.UUIDField()
    delivery_number = serializers.CharField(source="delivery.number")
    delivery_status = serializers.CharField(source="delivery.status")
    address = serializers.CharField(source="delivery.address")
    commune = serializers.CharField(source="delivery.commune")
    wilaya_code = serializers.CharField(source="delivery.wilaya_code")
    latitude = serializers.DecimalField(source="delivery.latitude", max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(source="delivery.longitude", max_digits=9, decimal_places=6, allow_null=True)
    contact_name = serializers.CharField(source="delivery.contact_name")
    contact_phone = serializers.CharField(source="delivery.contact_phone")
    window_start = serializers.TimeField(source="delivery.window_start", allow_null=True)
    window_end = serializers.TimeField(source="delivery.window_end", allow_null=True)
    weight_kg = serializers.DecimalField(source="delivery.weight_kg", max_digits=12, decimal_places=3)

    class Meta:
        model = RouteStop
        fields = [
            "sequence",
            "delivery_id",
            "delivery_number",
            "delivery_status",
            "address",
            "commune",
            "wilaya_code",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "window_start",
            "window_end",
            "weight_kg",
            "eta",
            "leg_distance_km",
        ]


ROUTE_FIELDS = [
    "id",
    "driver",
    "date",
    "status",
    "stop_count",
    "total_distance_km",
    "estimated_duration_min",
    "started_at",
    "completed_at",
    "solver",
    "objective",
]


class RouteSerializer(serializers.ModelSerializer):
    driver = RouteDriverSerializer()
    stop_count = serializers.IntegerField()

    class Meta:
        model = Route
        fields = ROUTE_FIELDS


class RouteDetailSerializer(RouteSerializer):
    stops = RouteStopSerializer(many=True)

    class Meta(RouteSerializer.Meta):
        fields = [*ROUTE_FIELDS, "stops"]


class PlanSerializer(serializers.Serializer):
    date = serializers.DateField()
    driver_ids = serializers.ListField(child=serializers.UUIDField(), required=False, allow_empty=False, max_length=500)


class UnassignedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="delivery.id")
    number = serializers.CharField(source="delivery.number")
    reason = serializers.ChoiceField(
        choices=[
            (services.NO_LOCATION, _("No coordinates")),
            (services.NO_DRIVER, _("No driver serves its zone")),
            (services.NO_ROOM, _("Did not fit (capacity, stops, window or shift)")),
        ]
    )


class PlanResultSerializer(serializers.Serializer):
    routes = RouteDetailSerializer(many=True)
    unassigned = UnassignedSerializer(many=True)


class ReorderSerializer(serializers.Serializer):
    delivery_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=1000)


class DriverRouteQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_("The day (default: today)."))


# --- Views ----------------------------------------------------------------------------------


class RouteListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = RouteSerializer
    filterset_class = RouteFilter

    def get_queryset(self):
        return route_list()


class RoutePlanView(APIView):
    permission_classes = [has_perms("deliveries.add_route")]

    @extend_schema(request=PlanSerializer, responses={201: PlanResultSerializer})
    def post(self, request):
        data = validated(PlanSerializer, request.data)
        plan = services.route_plan(day=data["date"], driver_ids=data.get("driver_ids"), actor=request.user)
        routes = {route.pk: route for route in route_detail().filter(pk__in=[r.pk for r in plan.routes])}
        body = {"routes": [routes[route.pk] for route in plan.routes], "unassigned": plan.unassigned}
        return Response(PlanResultSerializer(body).data, status=status.HTTP_201_CREATED)


class RouteDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = RouteDetailSerializer

    def get_queryset(self):
        return route_detail()


class RouteActionView(generics.GenericAPIView):
    permission_classes = [has_perms("deliveries.change_route")]
    serializer_class = RouteDetailSerializer

    def get_queryset(self):
        return route_detail()

    def respond(self, route):
        return Response(RouteDetailSerializer(self.get_queryset().get(pk=route.pk)).data)


class RouteStopsView(RouteActionView):
    @extend_schema(request=ReorderSerializer, responses=RouteDetailSerializer)
    def patch(self, request, pk):
        data = validated(ReorderSerializer, request.data)
        return self.respond(
            services.route_reorder(route=self.get_object(), delivery_ids=data["delivery_ids"], actor=request.user)
        )


class RouteStartView(RouteActionView):
    @extend_schema(request=None, responses=RouteDetailSerializer)
    def post(self, request, pk):
        return self.respond(services.route_start(route=self.get_object(), actor=request.user))


class RouteCompleteView(RouteActionView):
    @extend_schema(request=None, responses=RouteDetailSerializer)
    def post(self, request, pk):
        return self.respond(services.route_complete(route=self.get_object(), actor=request.user))


class RouteCancelView(RouteActionView):
    @extend_schema(request=None, responses=RouteDetailSerializer)
    def post(self, request, pk):
        return self.respond(services.route_cancel(route=self.get_object(), actor=request.user))


class DriverRouteView(APIView):
    """The driver's live (planned, in progress or completed) route of the day, or null."""

    permission_classes = [IsDriver]

    @extend_schema(parameters=[DriverRouteQuerySerializer], responses=RouteDetailSerializer(allow_null=True))
    def get(self, request):
        query = validated(DriverRouteQuerySerializer, request.query_params)
        driver = get_object_or_404(Driver, user=request.user)
        route = (
            route_detail()
            .filter(driver=driver, date=query.get("date") or timezone.localdate())
            .exclude(status=RouteStatus.CANCELLED)
            .first()
        )
        return Response(RouteDetailSerializer(route).data if route else None)
