from django.utils.translation import gettext as _
from rest_framework import filters

from livrili.core.errors import DomainError


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=` with an unknown field is a 400, not silently ignored."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        if len(valid) != len([f for f in fields if f]):
            allowed = sorted(name for name, _label in self.get_valid_fields(queryset, view, {"request": request}))
            raise DomainError(
                "VALIDATION_ERROR",
                details={
                    self.ordering_param: [
                        _("Unknown ordering field. Allowed: %(fields)s.") % {"fields": ", ".join(allowed)}
                    ]
                },
            )
        return valid
