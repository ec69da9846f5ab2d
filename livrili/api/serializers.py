"""Serializer bases shared by the apps' APIs."""

import copy

from rest_framework import serializers


class BuiltOnceModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose fields are built from its Meta once per class, then copied for each
    serializer as DRF copies declared fields. DRF builds them again for every serializer (model
    introspection per field), which cost more CPU than serializing a page of 20 orders with them
    (docs/performance.md, pass 2). Only for serializers whose fields depend on the class alone,
    never on the context, the instance or the request."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:  # kept unbound: each serializer binds its own copy
            built = cls._built_fields = super().get_fields()
        return copy.deepcopy(built)
