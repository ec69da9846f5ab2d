from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import RETRY_AFTER_SECONDS, error_response

ERROR_ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}
HEALTH_SCHEMA = inline_serializer(
    "Health", {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())}
)


class HealthView(APIView):
    """Liveness: the process answers."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=HEALTH_SCHEMA, auth=[])
    def get(self, request):
        return Response({"status": "ok", "checks": {}})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("health:ready", "1", 5)
    if cache.get("health:ready") != "1":
        raise RuntimeError("cache read-back failed")


def _check_broker():
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in-process
    from livrili.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


class ReadinessView(APIView):
    """Readiness: database, cache and broker answer; 503 otherwise (and recovers by itself)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: HEALTH_SCHEMA, 503: ERROR_ENVELOPE}, auth=[])
    def get(self, request):
        checks, healthy = {}, True
        for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
            try:
                checks[name] = check() or "ok"
            except Exception:  # noqa: BLE001 - any failure means "not ready"
                checks[name], healthy = "unavailable", False
                if name == "database":
                    connection.close()  # drop a broken persistent connection so the next try reconnects
        if not healthy:
            return error_response(
                "SERVICE_UNAVAILABLE", details={"checks": checks}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        return Response({"status": "ok", "checks": checks})
