from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from livrili.api.permissions import StaffModelPermissions, has_perms
from livrili.api.requests import validated
from livrili.core.errors import DomainError

from .. import selectors, services
from ..throttles import LoginIdentifierThrottle, LoginIPThrottle, PasswordResetConfirmThrottle, PasswordResetThrottle
from .serializers import (
    DetailSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    MeSerializer,
    MeUpdateSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    UserSerializer,
    UserUpdateSerializer,
    UserWriteSerializer,
)


def token_pair(user) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginIPThrottle, LoginIdentifierThrottle]

    @extend_schema(request=LoginSerializer, responses=LoginResponseSerializer, auth=[])
    def post(self, request):
        data = validated(LoginSerializer, request.data)
        user = authenticate(request, identifier=data["identifier"], password=data["password"])
        if user is None:
            raise DomainError("UNAUTHORIZED", _("Invalid identifier or password."))
        update_last_login(None, user)
        return Response({**token_pair(user), "user": MeSerializer(user).data})


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=RefreshSerializer, responses=TokenPairSerializer, auth=[])
    def post(self, request):
        serializer = TokenRefreshSerializer(data=validated(RefreshSerializer, request.data))
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise DomainError("UNAUTHORIZED", _("The refresh token is invalid or expired.")) from exc
        return Response(serializer.validated_data)


class LogoutView(APIView):
    @extend_schema(request=RefreshSerializer, responses=DetailSerializer)
    def post(self, request):
        data = validated(RefreshSerializer, request.data)
        try:
            token = RefreshToken(data["refresh"])
            if str(token.get("user_id")) != str(request.user.pk):
                raise TokenError("foreign token")
            token.blacklist()
        except TokenError as exc:
            raise DomainError("VALIDATION_ERROR", details={"refresh": [_("The refresh token is invalid.")]}) from exc
        return Response({"detail": _("You are logged out.")})


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        user = services.profile_update(user=request.user, **validated(MeUpdateSerializer, request.data))
        return Response(MeSerializer(user).data)


class PasswordChangeView(APIView):
    @extend_schema(request=PasswordChangeSerializer, responses=TokenPairSerializer)
    def post(self, request):
        user = services.password_change(user=request.user, **validated(PasswordChangeSerializer, request.data))
        return Response(token_pair(user))  # the other sessions were revoked; this one continues


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetThrottle]

    @extend_schema(request=PasswordResetSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        services.password_reset_request(**validated(PasswordResetSerializer, request.data))
        return Response({"detail": _("If the account exists, a code has been sent.")})


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PasswordResetConfirmThrottle]

    @extend_schema(request=PasswordResetConfirmSerializer, responses=DetailSerializer, auth=[])
    def post(self, request):
        services.password_reset_confirm(**validated(PasswordResetConfirmSerializer, request.data))
        return Response({"detail": _("Your password has been changed. You can log in.")})


class UserListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = UserSerializer
    filterset_fields = ["role", "is_active"]
    search_fields = ["username", "full_name", "email", "phone"]
    ordering_fields = ["username", "full_name", "date_joined", "last_login"]

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(request=UserWriteSerializer, responses={201: UserSerializer})
    def post(self, request):
        user = services.user_create(actor=request.user, **validated(UserWriteSerializer, request.data))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def patch(self, request, pk):
        user = self.get_object()
        data = validated(UserUpdateSerializer, request.data, instance=user)
        user = services.user_update(actor=request.user, user=user, **data)
        return Response(UserSerializer(user).data)


class UserDeactivateView(generics.GenericAPIView):
    permission_classes = [has_perms("accounts.change_user")]
    serializer_class = UserSerializer

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(request=None, responses=UserSerializer)
    def post(self, request, pk):
        user = services.user_deactivate(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user).data)
