"""Staff analytics: thin views over `analytics.selectors` answering from a short-lived cache."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.permissions import has_perms
from livrili.api.requests import validated

from ..cache import cached
from ..periods import period_from
from ..selectors import dashboard as selectors
from . import serializers as s


class AnalyticsView(APIView):
    permission_classes = [has_perms("analytics.view_dashboard")]
    query_serializer = s.PeriodQuerySerializer
    output_serializer = None
    name = ""

    def figures(self, period, query):
        raise NotImplementedError

    def get(self, request):
        query = validated(self.query_serializer, request.query_params)
        period = period_from(period=query.get("period"), date_from=query.get("date_from"), date_to=query.get("date_to"))
        data = cached(self.name, query, lambda: self.output_serializer(self.figures(period, query)).data)
        return Response(data)


def _schema(query, output):
    return extend_schema(parameters=[query], responses=output)


class DashboardView(AnalyticsView):
    name = "dashboard"
    output_serializer = s.DashboardSerializer

    @_schema(s.PeriodQuerySerializer, s.DashboardSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.dashboard(period)


class TrendsView(AnalyticsView):
    name = "trends"
    query_serializer = s.TrendsQuerySerializer
    output_serializer = s.TrendsSerializer

    @_schema(s.TrendsQuerySerializer, s.TrendsSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.trends(period, query.get("interval") or selectors.default_interval(period))


class GeoView(AnalyticsView):
    name = "geo"
    output_serializer = s.GeoSerializer

    @_schema(s.PeriodQuerySerializer, s.GeoSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.geo(period)


class TopRetailersView(AnalyticsView):
    name = "top-retailers"
    query_serializer = s.TopQuerySerializer
    output_serializer = s.TopRetailersSerializer

    @_schema(s.TopQuerySerializer, s.TopRetailersSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.top_retailers(period, query["limit"])


class TopProductsView(AnalyticsView):
    name = "top-products"
    query_serializer = s.TopQuerySerializer
    output_serializer = s.TopProductsSerializer

    @_schema(s.TopQuerySerializer, s.TopProductsSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.top_products(period, query["limit"])


class DeliveryPerformanceView(AnalyticsView):
    name = "delivery-performance"
    output_serializer = s.DeliveryPerformanceSerializer

    @_schema(s.PeriodQuerySerializer, s.DeliveryPerformanceSerializer)
    def get(self, request):
        return super().get(request)

    def figures(self, period, query):
        return selectors.delivery_performance(period)
