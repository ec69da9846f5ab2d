from rest_framework import pagination
from rest_framework.response import Response

from .errors import DomainError


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit (default 20, max 100) / offset; a limit above 100 is refused, not clipped."""

    default_limit = 20
    max_limit = 100

    def get_limit(self, request):
        return self._integer_param(request, self.limit_query_param, self.default_limit, minimum=1)

    def get_offset(self, request):
        return self._integer_param(request, self.offset_query_param, 0, minimum=0)

    def _integer_param(self, request, name, default, minimum):
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < minimum or (name == self.limit_query_param and value > self.max_limit):
            raise DomainError(
                "VALIDATION_ERROR",
                details={
                    name: [f"Must be an integer between {minimum} and {self.max_limit}."]
                    if name == self.limit_query_param
                    else [f"Must be an integer ≥ {minimum}."]
                },
            )
        return value

    def get_paginated_response(self, data):
        response = Response(
            {
                "success": True,
                "data": data,
                "message": None,
                "pagination": {
                    "total": self.count,
                    "limit": self.limit,
                    "offset": self.offset,
                    "has_more": self.offset + self.limit < self.count,
                },
            }
        )
        response.enveloped = True
        return response

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["success", "data", "message", "pagination"],
            "properties": {
                "success": {"type": "boolean", "enum": [True]},
                "data": schema,
                "message": {"type": "string", "nullable": True},
                "pagination": {
                    "type": "object",
                    "required": ["total", "limit", "offset", "has_more"],
                    "properties": {
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "has_more": {"type": "boolean"},
                    },
                },
            },
        }
