"""Staff reports (`reports/{type}`) and the record of their exports (`report-exports`)."""

import io
from datetime import date
from decimal import Decimal

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.negotiation import FormatIsAQueryParameter
from livrili.api.permissions import StaffModelPermissions, has_perms
from livrili.api.requests import validated
from livrili.api.schema import JsonOrFileSchema

from ..models import ExportSource, ReportExport, ReportSchedule
from ..periods import period_from
from ..rendering import CONTENT_TYPES, check_row_limit
from ..reports import REPORTS, report_build
from ..services import export_filename, report_export, report_schedule_create, report_schedule_delete
from .serializers import (
    REPORT_PARAMETERS,
    ReportExportSerializer,
    ReportQuerySerializer,
    ReportScheduleCreateSerializer,
    ReportScheduleSerializer,
    ReportSerializer,
)


def _cell(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def report_json(report) -> dict:
    return {
        "type": report.type,
        "title": report.title,
        "period": None if report.period is None else {"date_from": report.period.start, "date_to": report.period.end},
        "parameters": report.parameters,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in report.columns],
        "rows": [{key: _cell(value) for key, value in row.items()} for row in report.rows],
        "summary_columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in report.summary_columns],
        "summary": [{key: _cell(value) for key, value in row.items()} for row in report.summary],
    }


class ReportView(APIView):
    """One report over a period (`period` or `date_from`/`date_to`), as JSON or as a file (CSV,
    XLSX, PDF); every file is recorded (`report-exports`). Credit aging is measured today and
    reads no period."""

    permission_classes = [has_perms("analytics.run_report")]
    content_negotiation_class = FormatIsAQueryParameter
    schema = JsonOrFileSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("report_type", str, OpenApiParameter.PATH, enum=list(REPORTS)),
            ReportQuerySerializer,
        ],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, report_type):
        if report_type not in REPORTS:
            raise NotFound()
        query = validated(ReportQuerySerializer, request.query_params)
        period = period_from(period=query.get("period"), date_from=query.get("date_from"), date_to=query.get("date_to"))
        parameters = {name: query[name] for name in REPORT_PARAMETERS[report_type] if query.get(name) is not None}
        if report_type == "sales":
            parameters.setdefault("by", "category")
        if report_type == "demand-forecast" and parameters.get("by", "category") not in ("category", "product"):
            raise ValidationError({"by": [_("The forecast is by product or by category.")]})
        report = report_build(report_type, period=period, **parameters)
        file_format = query["format"]
        if file_format == "json":
            check_row_limit(report, file_format)
            return Response(ReportSerializer(report_json(report)).data)
        export, content = report_export(
            report=report, file_format=file_format, actor=request.user, source=ExportSource.API
        )
        return FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=export_filename(report, file_format, export.created_at),
            content_type=CONTENT_TYPES[file_format],
        )


class ReportExportListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = ReportExportSerializer
    filterset_fields = ["report_type", "format", "source"]
    ordering_fields = ["created_at", "size"]
    queryset = ReportExport.objects.select_related("created_by")


class ReportScheduleListView(generics.ListCreateAPIView):
    """Scheduled reports: POST creates the schedule and its beat task (201)."""

    permission_classes = [StaffModelPermissions]
    serializer_class = ReportScheduleSerializer
    ordering_fields = ["created_at"]
    queryset = ReportSchedule.objects.all()

    @extend_schema(request=ReportScheduleCreateSerializer, responses={201: ReportScheduleSerializer})
    def post(self, request):
        data = validated(ReportScheduleCreateSerializer, request.data)
        schedule = report_schedule_create(
            actor=request.user,
            report_type=data["report_type"],
            frequency=data["frequency"],
            file_format=data["format"],
            recipients=data["recipients"],
            language=data.get("language") or request.user.preferred_language,
            parameters=data["parameters"],
        )
        return Response(ReportScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ReportScheduleDetailView(generics.DestroyAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = ReportScheduleSerializer
    queryset = ReportSchedule.objects.all()

    def perform_destroy(self, instance):
        report_schedule_delete(schedule=instance)
