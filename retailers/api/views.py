import io

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.accounts.api.serializers import MeSerializer
from livrili.accounts.models import User
from livrili.accounts.throttles import SignupThrottle
from livrili.api.negotiation import FormatIsAQueryParameter
from livrili.api.pagination import LimitOffsetPagination
from livrili.api.parsers import FormParser, MultiPartParser
from livrili.api.permissions import IsRetailer, StaffModelPermissions, has_perms
from livrili.api.requests import validated
from livrili.api.schema import EnvelopeAutoSchema, JsonOrFileSchema

from .. import selectors, services
from ..models import DeliveryAddress, LedgerEntry, RetailerDocument, RetailerEvent
from .filters import RetailerFilter
from .serializers import (
    AdjustmentSerializer,
    CreditLimitSerializer,
    DeliveryAddressSerializer,
    DeliveryAddressUpdateSerializer,
    DeliveryAddressWriteSerializer,
    LedgerEntrySerializer,
    MemberCreateSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    ReasonSerializer,
    RequiredReasonSerializer,
    RetailerDocumentSerializer,
    RetailerDocumentUploadSerializer,
    RetailerEventSerializer,
    RetailerProfileResponseSerializer,
    RetailerProfileSerializer,
    RetailerProfileUpdateSerializer,
    RetailerStaffSerializer,
    RetailerStaffUpdateSerializer,
    SignupResponseSerializer,
    SignupSerializer,
    StaffRetailerCreateSerializer,
    StatementQuerySerializer,
    StatementSerializer,
)


class IsRetailerOwner(BasePermission):
    def has_permission(self, request, view):
        if not IsRetailer().has_permission(request, view):
            return False
        return request.user.owned_retailers.filter(pk=request.user.retailer_id).exists()


class OwnRetailerMixin:
    """Self-service views act on the caller's retailer; other retailers' rows are 404."""

    permission_classes = [IsRetailer]

    def own_retailer(self):
        if not hasattr(self, "_own_retailer"):
            self._own_retailer = selectors.retailer_for_user(self.request.user)
        return self._own_retailer


# --- Retailer self-service ----------------------------------------------------------------


class SignupView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SignupThrottle]

    @extend_schema(request=SignupSerializer, responses={201: SignupResponseSerializer}, auth=[])
    def post(self, request):
        # the owner hears from us (notifications, invoices) in the language they signed up in
        language = translation.get_language()[:2]
        user, retailer = services.retailer_signup(
            **validated(SignupSerializer, request.data), preferred_language=language
        )
        body = {"user": MeSerializer(user).data, "retailer": RetailerProfileSerializer(retailer).data}
        return Response(body, status=status.HTTP_201_CREATED)


def profile_data(retailer) -> dict:
    return {**RetailerProfileSerializer(retailer).data, **selectors.profile_figures(retailer)}


class ProfileView(OwnRetailerMixin, APIView):
    @extend_schema(responses=RetailerProfileResponseSerializer)
    def get(self, request):
        return Response(profile_data(self.own_retailer()))

    @extend_schema(request=RetailerProfileUpdateSerializer, responses=RetailerProfileResponseSerializer)
    def patch(self, request):
        data = validated(RetailerProfileUpdateSerializer, request.data)
        retailer = services.retailer_update(retailer=self.own_retailer(), actor=request.user, **data)
        return Response(profile_data(retailer))


class AddressListView(OwnRetailerMixin, generics.ListAPIView):
    queryset = DeliveryAddress.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = DeliveryAddressSerializer
    ordering_fields = ["created_at", "label"]

    def get_queryset(self):
        return selectors.address_list(self.own_retailer())

    @extend_schema(request=DeliveryAddressWriteSerializer, responses={201: DeliveryAddressSerializer})
    def post(self, request):
        data = validated(DeliveryAddressWriteSerializer, request.data)
        address = services.address_create(retailer=self.own_retailer(), actor=request.user, **data)
        return Response(DeliveryAddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(OwnRetailerMixin, APIView):
    def get_object(self, pk):
        return get_object_or_404(selectors.address_list(self.own_retailer()), pk=pk)

    @extend_schema(request=DeliveryAddressUpdateSerializer, responses=DeliveryAddressSerializer)
    def patch(self, request, pk):
        address = self.get_object(pk)
        data = validated(DeliveryAddressUpdateSerializer, request.data)
        address = services.address_update(delivery_address=address, actor=request.user, **data)
        return Response(DeliveryAddressSerializer(address).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.address_delete(delivery_address=self.get_object(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentListView(OwnRetailerMixin, generics.ListAPIView):
    queryset = RetailerDocument.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = RetailerDocumentSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["created_at", "type"]

    def get_queryset(self):
        return selectors.document_list(self.own_retailer())

    @extend_schema(request=RetailerDocumentUploadSerializer, responses={201: RetailerDocumentSerializer})
    def post(self, request):
        data = validated(RetailerDocumentUploadSerializer, request.data)
        document = services.document_upload(retailer=self.own_retailer(), actor=request.user, **data)
        return Response(RetailerDocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class BinaryDownloadSchema(EnvelopeAutoSchema):
    """A file download is not wrapped in the JSON envelope."""

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        if str(status_code).startswith("2"):
            return super(EnvelopeAutoSchema, self)._get_response_for_code(
                serializer, status_code, media_types, direction
            )
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class DocumentFileView(OwnRetailerMixin, APIView):
    schema = BinaryDownloadSchema()

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, "image/*"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        document = get_object_or_404(selectors.document_list(self.own_retailer()), pk=pk)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )


class MemberListView(OwnRetailerMixin, generics.ListAPIView):
    permission_classes = [IsRetailerOwner]
    queryset = User.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = MemberSerializer
    ordering_fields = ["date_joined", "full_name"]

    def get_queryset(self):
        return selectors.member_list(self.own_retailer())

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request):
        data = validated(MemberCreateSerializer, request.data)
        member = services.member_create(retailer=self.own_retailer(), actor=request.user, **data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(OwnRetailerMixin, APIView):
    permission_classes = [IsRetailerOwner]

    @extend_schema(request=MemberUpdateSerializer, responses=MemberSerializer)
    def patch(self, request, pk):
        retailer = self.own_retailer()
        member = get_object_or_404(selectors.member_list(retailer), pk=pk)
        data = validated(MemberUpdateSerializer, request.data)
        member = services.member_update(retailer=retailer, actor=request.user, member=member, **data)
        return Response(MemberSerializer(member).data)


class StatementView(OwnRetailerMixin, APIView):
    """The owner's account statement (members who are not the owner are refused): JSON with its
    entries paged, or the whole period as PDF through `selectors.STATEMENT_PDF` (billing)."""

    permission_classes = [IsRetailerOwner]
    content_negotiation_class = FormatIsAQueryParameter
    schema = JsonOrFileSchema()

    @extend_schema(
        parameters=[
            StatementQuerySerializer,
            *(
                OpenApiParameter(name, int, description=description)
                for name, description in (
                    ("limit", _("Entries per page of the JSON statement (1–100, default 20)")),
                    ("offset", _("Entries to skip (default 0)")),
                )
            ),
        ],
        responses={
            (200, "application/json"): StatementSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        query = validated(StatementQuerySerializer, request.query_params)
        retailer = self.own_retailer()
        if query.pop("format") == "pdf":
            language = selectors.statement_language(retailer)
            statement = selectors.retailer_statement(retailer=retailer, **query)
            pdf = io.BytesIO(selectors.statement_pdf(statement, language))
            name = f"statement-{query.get('date_from') or 'start'}-{query.get('date_to') or timezone.localdate()}.pdf"
            return FileResponse(pdf, filename=name, content_type="application/pdf")
        paginator = LimitOffsetPagination()
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)
        statement = selectors.retailer_statement(retailer=retailer, limit=limit, offset=offset, **query)
        statement["entries_pagination"] = {
            "total": statement["entry_count"],
            "limit": limit,
            "offset": offset,
            "has_more": offset + limit < statement["entry_count"],
        }
        return Response(StatementSerializer(statement).data)


# --- Back office -----------------------------------------------------------------------------


class RetailerListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = RetailerStaffSerializer
    filterset_class = RetailerFilter
    search_fields = ["business_name", "phone", "email", "rc_number", "nif", "nis", "ai_number"]
    ordering_fields = ["business_name", "created_at", "balance", "credit_limit", "status"]

    def get_queryset(self):
        return selectors.retailer_list()

    @extend_schema(request=StaffRetailerCreateSerializer, responses={201: RetailerStaffSerializer})
    def post(self, request):
        data = validated(StaffRetailerCreateSerializer, request.data)
        _owner, retailer = services.retailer_signup(actor=request.user, **data)
        return Response(RetailerStaffSerializer(retailer).data, status=status.HTTP_201_CREATED)


class RetailerDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = RetailerStaffSerializer

    def get_queryset(self):
        return selectors.retailer_list()

    @extend_schema(request=RetailerStaffUpdateSerializer, responses=RetailerStaffSerializer)
    def patch(self, request, pk):
        retailer = self.get_object()
        data = validated(RetailerStaffUpdateSerializer, request.data)
        retailer = services.retailer_update(retailer=retailer, actor=request.user, **data)
        return Response(RetailerStaffSerializer(selectors.retailer_list().get(pk=retailer.pk)).data)


class RetailerTransitionView(generics.GenericAPIView):
    """approve · reject · suspend · reactivate · close, through the one transition function."""

    permission_classes = [has_perms("retailers.approve_retailer")]
    serializer_class = RetailerStaffSerializer
    action_name: str = ""
    reason_serializer = ReasonSerializer

    def get_queryset(self):
        return selectors.retailer_list()

    @extend_schema(request=ReasonSerializer, responses=RetailerStaffSerializer)
    def post(self, request, pk):
        retailer = self.get_object()
        reason = validated(self.reason_serializer, request.data)["reason"]
        services.retailer_transition(retailer=retailer, action=self.action_name, actor=request.user, reason=reason)
        return Response(RetailerStaffSerializer(selectors.retailer_list().get(pk=pk)).data)


def transition_view(action: str):
    # The reason is required where the transition requires it, in the schema as in validation.
    reason = RequiredReasonSerializer if services.TRANSITIONS[action].reason_required else ReasonSerializer
    view = type(
        f"Retailer{action.title()}View",
        (RetailerTransitionView,),
        {
            "action_name": action,
            "reason_serializer": reason,
            "__doc__": f"{action.title()} a retailer .",
        },
    )
    return extend_schema_view(post=extend_schema(request=reason))(view)


class CreditLimitView(generics.GenericAPIView):
    permission_classes = [has_perms("retailers.change_credit_limit")]
    serializer_class = RetailerStaffSerializer

    def get_queryset(self):
        return selectors.retailer_list()

    @extend_schema(request=CreditLimitSerializer, responses=RetailerStaffSerializer)
    def post(self, request, pk):
        retailer = self.get_object()
        data = validated(CreditLimitSerializer, request.data)
        services.retailer_credit_limit_change(retailer=retailer, actor=request.user, **data)
        return Response(RetailerStaffSerializer(selectors.retailer_list().get(pk=pk)).data)


class StaffRetailerChildMixin:
    def retailer(self):
        return get_object_or_404(selectors.retailer_list(), pk=self.kwargs["pk"])


class LedgerView(StaffRetailerChildMixin, generics.ListAPIView):
    permission_classes = [has_perms("retailers.view_ledgerentry")]
    queryset = LedgerEntry.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = LedgerEntrySerializer
    filterset_fields = ["kind"]
    ordering_fields = ["position", "created_at"]

    def get_queryset(self):
        return selectors.ledger_list(self.retailer())


class AdjustmentView(StaffRetailerChildMixin, APIView):
    permission_classes = [has_perms("retailers.add_ledger_adjustment")]

    @extend_schema(request=AdjustmentSerializer, responses={201: LedgerEntrySerializer})
    def post(self, request, pk):
        data = validated(AdjustmentSerializer, request.data)
        entry = services.ledger_adjust(retailer=self.retailer(), actor=request.user, **data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class EventListView(StaffRetailerChildMixin, generics.ListAPIView):
    permission_classes = [has_perms("retailers.view_retailerevent")]
    queryset = RetailerEvent.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = RetailerEventSerializer
    filterset_fields = ["type"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.event_list(self.retailer())
