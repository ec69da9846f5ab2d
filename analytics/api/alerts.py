"""Staff alerts: the list (open by default), read and resolve."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from livrili.api.permissions import StaffModelPermissions, has_perms

from ..models import Alert, AlertType, Severity
from ..services import alert_read, alert_resolve
from .serializers import AlertSerializer


class AlertFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=AlertType.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    resolved = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", exclude=True)
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Alert
        fields = ["type", "severity", "resolved", "unread"]


class AlertListView(generics.ListAPIView):
    """Alerts, newest first; `?resolved=false` for the open ones, `?unread=true` for the unread."""

    permission_classes = [StaffModelPermissions]
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["created_at", "severity"]
    queryset = Alert.objects.all()


class AlertActionView(generics.GenericAPIView):
    serializer_class = AlertSerializer
    queryset = Alert.objects.all()
    service = None

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request, pk):
        alert = type(self).service(alert=self.get_object(), actor=request.user)
        return Response(AlertSerializer(alert).data)


class AlertReadView(AlertActionView):
    permission_classes = [has_perms("analytics.view_alert")]
    service = staticmethod(alert_read)


class AlertResolveView(AlertActionView):
    permission_classes = [has_perms("analytics.change_alert")]
    service = staticmethod(alert_resolve)
