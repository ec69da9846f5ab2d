"""BuiltOnceModelSerializer: the fields a ModelSerializer builds from its Meta, built once per
class; every serializer still gets its own bound copies and answers what DRF's would."""

from decimal import Decimal

import pytest
from model_bakery import baker
from rest_framework import serializers

from livrili.api.serializers import BuiltOnceModelSerializer
from orders.api.serializers import OrderDetailSerializer, OrderSerializer
from orders.models import Order

pytestmark = pytest.mark.django_db


class PlainOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "number", "status", "total", "created_at", "requested_delivery_date"]


class OnceOrderSerializer(BuiltOnceModelSerializer):
    class Meta(PlainOrderSerializer.Meta):
        pass


def test_the_fields_are_built_once_per_class_and_bound_to_each_serializer(monkeypatch):
    built = []
    original = serializers.ModelSerializer.build_field
    monkeypatch.setattr(
        serializers.ModelSerializer, "build_field", lambda self, *args: built.append(args[0]) or original(self, *args)
    )
    first, second = OnceOrderSerializer(), OnceOrderSerializer()

    assert list(first.fields) == list(second.fields) == PlainOrderSerializer.Meta.fields
    assert sorted(built) == sorted(PlainOrderSerializer.Meta.fields)  # once, for the first serializer
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert all(first.fields[name].parent is first and second.fields[name].parent is second for name in first.fields)


def test_a_serializer_built_once_answers_what_drf_answers():
    order = baker.make_recipe("orders.order", subtotal=Decimal("1234.50"), total=Decimal("1234.50"))

    assert OnceOrderSerializer(order).data == PlainOrderSerializer(order).data
    # the order serializers' subclasses each keep their own fields (detail adds the lines)
    assert "items" in OrderDetailSerializer().fields and "items" not in OrderSerializer().fields
