"""OpenAPI as served: success payloads inside the envelope, error envelopes on every operation."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from livrili.core.errors import STATUS_BY_CODE

from .operations import OPERATIONS, tag_for

ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
COMMON_ERRORS = {
    "400": "VALIDATION_ERROR",
    "401": "UNAUTHORIZED",
    "403": "FORBIDDEN",
    "404": "NOT_FOUND",
    "429": "RATE_LIMITED",
    "503": "SERVICE_UNAVAILABLE",
}
# A time of day as DRF writes it (`09:00:00`, `09:00:00.500000`): local wall-clock time in
# Algiers, without an offset. OpenAPI's `format: time` is RFC 3339 full-time, offset required.
LOCAL_TIME = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$", "example": "09:30:00"}
# Anonymous operations that still answer 401: wrong credentials, an invalid refresh token.
CREDENTIAL_CHECKS = {"/api/v1/auth/login", "/api/v1/auth/refresh"}


def success_envelope(schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["success", "data", "message"],
        "properties": {
            "success": {"type": "boolean", "enum": [True]},
            "data": schema,
            "message": {"type": "string", "nullable": True},
        },
    }


class EnvelopeAutoSchema(AutoSchema):
    def _operation(self):
        return OPERATIONS.get((self.method, self.path))

    def get_summary(self):
        """The row of `livrili.api.operations` (none: the test on every operation fails)."""
        operation = self._operation()
        return operation.summary if operation else super().get_summary()

    def get_description(self):
        """The row's description (an `extend_schema(description=...)` still wins); the views'
        docstrings are notes for developers, not the reference."""
        operation = self._operation()
        return operation.description if operation else super().get_description()

    def get_tags(self):
        """By the view's app (or path prefix), so a new endpoint is grouped without a row."""
        tag = tag_for(self.path, type(self.view).__module__)
        return [tag] if tag else super().get_tags()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            schema.pop("format")
            schema = {**LOCAL_TIME, **schema}
        return schema

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if not str(status_code).startswith("2") or "content" not in response:
            return response
        paginated = self._is_list_view(serializer) and self._get_paginator() is not None
        if not paginated:
            for media in response["content"].values():
                data = media["schema"]
                if getattr(serializer, "allow_null", False):  # `data: null` (OpenAPI 3.0: a $ref takes no siblings)
                    data = {"allOf": [data], "nullable": True}
                media["schema"] = success_envelope(data)
        return response

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code, code in COMMON_ERRORS.items():
            if status_code == "401" and not (self.get_auth() or self.path in CREDENTIAL_CHECKS):
                continue
            if status_code == "429" and not self.view.get_throttles():
                continue
            responses.setdefault(
                status_code,
                {"description": code, "content": {"application/json": {"schema": ERROR_REF}}},
            )
        for status_code in ("409", "413", "415", "422"):
            if self.method in ("POST", "PUT", "PATCH", "DELETE"):
                codes = [c for c, s in STATUS_BY_CODE.items() if str(s) == status_code]
                responses.setdefault(
                    status_code,
                    {"description": " | ".join(codes), "content": {"application/json": {"schema": ERROR_REF}}},
                )
        return responses


class JsonOrFileSchema(EnvelopeAutoSchema):
    """For endpoints answering JSON or a file by `?format=` (statement PDF, reports): the JSON
    answer is enveloped, a file answer is the file itself."""

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if str(status_code).startswith("2"):
            for media_type, media in response.get("content", {}).items():
                if media_type != "application/json":
                    media["schema"] = {"type": "string", "format": "binary"}
        return response


def add_error_envelope_component(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = {
        "type": "object",
        "required": ["success", "error_code", "message", "details"],
        "properties": {
            "success": {"type": "boolean", "enum": [False]},
            "error_code": {"type": "string", "enum": sorted(STATUS_BY_CODE)},
            "message": {"type": "string", "description": "Localized message"},
            "details": {
                "type": "object",
                "additionalProperties": True,
                "description": (
                    "VALIDATION_ERROR and CONFLICT: {field: [messages]}; other codes: facts about the refusal"
                    " (docs/api.md lists them)"
                ),
            },
        },
    }
    return result
