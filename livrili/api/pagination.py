from django.db.models import Count, Window
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.response import Response

from livrili.core.errors import DomainError

from .fields import INT_MAX


def counted_values(queryset, *fields):
    """fetch(limit, offset) for `paginate_counted`: the page's `fields` and the window count."""
    page = queryset.annotate(page_total=Window(Count("pk"))).values_list(*fields, "page_total")
    return lambda limit, offset: list(page[offset : offset + limit])


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit (default 20, max 100) / offset; a limit above 100 is refused, not clipped."""

    default_limit = 20
    max_limit = 100
    max_offset = INT_MAX  # an OFFSET the database accepts

    def get_limit(self, request):
        return self._integer_param(request, self.limit_query_param, self.default_limit, 1, self.max_limit)

    def get_offset(self, request):
        return self._integer_param(request, self.offset_query_param, 0, 0, self.max_offset)

    def _integer_param(self, request, name, default, minimum, maximum):
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise DomainError(
                "VALIDATION_ERROR",
                details={
                    name: [
                        _("Must be an integer between %(minimum)d and %(maximum)d.")
                        % {"minimum": minimum, "maximum": maximum}
                    ]
                },
            )
        return value

    def paginate_counted(self, request, fetch) -> list[tuple]:
        """The page from `fetch(limit, offset)`, whose rows end with the total of the matches (a
        window count: the matches are found once, where `paginate_queryset` runs a COUNT and then
        the page); a page past the end has no row to carry it, so the total is then read from the
        first row alone. Same limits, errors and `get_paginated_response` as `paginate_queryset`."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        rows = fetch(self.limit, self.offset)
        if not rows and self.offset:
            first = fetch(1, 0)
            self.count = first[0][-1] if first else 0
        else:
            self.count = rows[0][-1] if rows else 0
        return [row[:-1] for row in rows]

    def get_schema_operation_parameters(self, view):
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit, "default": self.default_limit},
            self.offset_query_param: {"minimum": 0, "maximum": self.max_offset, "default": 0},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

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
                        "limit": {"type": "integer", "minimum": 1, "maximum": self.max_limit},
                        "offset": {"type": "integer", "minimum": 0, "maximum": self.max_offset},
                        "has_more": {"type": "boolean"},
                    },
                },
            },
        }
