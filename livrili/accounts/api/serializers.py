from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from livrili.api import fields as strict

from ..models import Language, Role, User
from ..phones import normalize_phone


class PhoneField(strict.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return None
        try:
            return normalize_phone(value)
        except Exception as exc:
            raise serializers.ValidationError(_("Enter a valid phone number.")) from exc


class RetailerSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    business_name = serializers.CharField()
    status = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    """The `auth/me` shape, also returned by login."""

    retailer = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "phone", "role", "preferred_language", "retailer"]
        read_only_fields = fields

    @extend_schema_field(RetailerSummarySerializer(allow_null=True))
    def get_retailer(self, user):
        retailer = getattr(user, "retailer", None)  # the link arrives with the retailers app
        return RetailerSummarySerializer(retailer).data if retailer else None


class MeUpdateSerializer(serializers.Serializer):
    full_name = strict.CharField(max_length=150, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    email = strict.EmailField(required=False, allow_null=True, allow_blank=True)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True)
    current_password = strict.CharField(max_length=128, required=False, write_only=True, trim_whitespace=False)


class LoginSerializer(serializers.Serializer):
    identifier = strict.CharField(max_length=254, help_text=_("E-mail, phone or username"))
    password = strict.CharField(max_length=128, trim_whitespace=False, write_only=True)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = MeSerializer()


class RefreshSerializer(serializers.Serializer):
    refresh = strict.CharField(max_length=1000)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = strict.CharField(max_length=128, trim_whitespace=False)
    new_password = strict.CharField(max_length=128, trim_whitespace=False)


class PasswordResetSerializer(serializers.Serializer):
    identifier = strict.CharField(max_length=254)


class PasswordResetConfirmSerializer(PasswordResetSerializer):
    code = strict.RegexField(r"^\d{6}$", max_length=6)
    new_password = strict.CharField(max_length=128, trim_whitespace=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """Staff view of an account."""

    groups = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    retailer = RetailerSummarySerializer(allow_null=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "phone",
            "role",
            "retailer",
            "preferred_language",
            "is_active",
            "is_staff",
            "groups",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields


class UserWriteSerializer(serializers.Serializer):
    username = strict.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    full_name = strict.CharField(max_length=150, required=False, allow_blank=True)
    email = strict.EmailField(required=False, allow_null=True, allow_blank=True)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    password = strict.CharField(max_length=128, trim_whitespace=False, write_only=True)
    groups = serializers.SlugRelatedField(slug_field="name", queryset=Group.objects.all(), many=True, required=False)

    def validate_email(self, value):
        return value or None

    retailer_id = serializers.PrimaryKeyRelatedField(
        source="retailer",
        queryset=User._meta.get_field("retailer").related_model.objects.all(),
        required=False,
        allow_null=True,
    )

    def validate(self, attrs):
        role = attrs.get("role", getattr(self.instance, "role", None))
        retailer = attrs.get("retailer", getattr(self.instance, "retailer", None))
        if role == Role.RETAILER and not retailer:
            raise serializers.ValidationError({"retailer_id": [_("A retailer member belongs to a retailer.")]})
        if role and role != Role.RETAILER and attrs.get("retailer"):
            raise serializers.ValidationError({"retailer_id": [_("Only retailer members belong to a retailer.")]})
        return attrs


class UserUpdateSerializer(UserWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("password")
        for field in self.fields.values():
            field.required = False
