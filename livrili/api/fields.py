"""Strict input fields: strings must be JSON strings and are bounded; integers fit their column.

DRF's CharField turns numbers into strings (`{"full_name": 123}` becomes "123"); an API client
sending a number where the contract says string has a bug, so these fields refuse it. Every
string input has a max_length: model CharFields carry theirs; free text (TextField columns:
addresses, notes, descriptions, reasons) uses the bounds below (docs/decisions.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from livrili.core.bounds import ADDRESS_TEXT, INT_MAX, INT_MIN, LONG_TEXT, SHORT_TEXT, SMALLINT_MAX  # noqa: F401


class StrictStringMixin:
    default_error_messages = {"not_a_string": _("Enter a text value (a JSON string).")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class CharField(StrictStringMixin, serializers.CharField):
    pass


class TextField(CharField):
    """Free text with a default bound (`LONG_TEXT`) when none is given."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("max_length", LONG_TEXT)
        super().__init__(**kwargs)


class EmailField(StrictStringMixin, serializers.EmailField):
    pass


class OptionalEmailField(EmailField):
    """An e-mail column stored blank when absent: answered as null, never "" where the schema
    says `format: email` (docs/decisions.md); null and "" are both accepted and stored blank."""

    def __init__(self, **kwargs):
        kwargs["allow_null"] = True
        if not kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)

    def to_representation(self, value):
        return value or None


class RegexField(StrictStringMixin, serializers.RegexField):
    pass


class SlugField(StrictStringMixin, serializers.SlugField):
    pass


def IntegerField(**kwargs) -> serializers.IntegerField:
    """An integer that fits a PostgreSQL `integer` column unless told a narrower range."""
    kwargs.setdefault("max_value", INT_MAX)
    kwargs.setdefault("min_value", INT_MIN)
    return serializers.IntegerField(**kwargs)


class ModelSerializer(serializers.ModelSerializer):
    """Model-generated string inputs are strict and bounded like declared ones; blank e-mail
    columns are answered as null."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: TextField,
        models.EmailField: EmailField,
        models.SlugField: SlugField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.EmailField) and not model_field.null:
            field_class = OptionalEmailField
        if isinstance(model_field, models.SmallIntegerField):
            field_kwargs["max_value"] = min(field_kwargs.get("max_value", SMALLINT_MAX), SMALLINT_MAX)
        elif isinstance(model_field, models.IntegerField) and not isinstance(model_field, models.BigIntegerField):
            field_kwargs["max_value"] = min(field_kwargs.get("max_value", INT_MAX), INT_MAX)
        return field_class, field_kwargs


def MoneyField(**kwargs) -> serializers.DecimalField:
    """An amount as stored: a decimal string with 2 decimals, within the 14-digit money column."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def DerivedMoneyField(**kwargs) -> serializers.DecimalField:
    """A computed figure (a difference or a sum of stored amounts, such as available credit): it
    may exceed a column's 14 digits, so it is not bounded by them (output only)."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)
