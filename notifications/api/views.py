from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from livrili.api.permissions import StaffModelPermissions, has_perms
from livrili.api.requests import validated

from .. import broadcasts, selectors, services
from ..models import Broadcast, Notification, NotificationTemplate
from ..rendering import render
from .serializers import (
    BroadcastCreateSerializer,
    BroadcastSerializer,
    InboxFilterSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    PreferencesUpdateSerializer,
    PreviewResultSerializer,
    PreviewSerializer,
    PushSubscriptionCreateSerializer,
    PushSubscriptionSerializer,
    ReadAllSerializer,
    TemplateCreateSerializer,
    TemplateSerializer,
    TemplateUpdateSerializer,
    UnreadCountSerializer,
)

# --- Inbox (any user, own notifications only: another user's is a 404) ---------------------


class InboxMixin:
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return selectors.inbox(self.request.user)


class NotificationListView(InboxMixin, generics.ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends: list = []  # newest first, always; `?unread=true` below

    @extend_schema(parameters=[InboxFilterSerializer])
    def get(self, request):
        return super().get(request)

    def get_queryset(self):
        queryset = super().get_queryset()
        unread = validated(InboxFilterSerializer, self.request.query_params)["unread"]
        if unread is not None:
            queryset = queryset.filter(read_at__isnull=unread)
        return queryset


class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request):
        return Response({"unread_count": selectors.unread_count(request.user)})


class NotificationReadView(InboxMixin, generics.GenericAPIView):
    serializer_class = NotificationSerializer

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk):
        notification = services.notification_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)


class ReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ReadAllSerializer)
    def post(self, request):
        marked = services.notifications_read_all(user=request.user)
        return Response({"marked": marked, "unread_count": selectors.unread_count(request.user)})


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response({"preferences": services.preferences_for(request.user)})

    @extend_schema(request=PreferencesUpdateSerializer, responses=PreferencesSerializer)
    def put(self, request):
        data = validated(PreferencesUpdateSerializer, request.data)
        return Response({"preferences": services.preferences_update(user=request.user, **data)})


class PushSubscriptionView(APIView):
    """The PWA registers its browser's push subscription (again after a refresh: same endpoint)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PushSubscriptionCreateSerializer,
        responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer},
    )
    def post(self, request):
        data = validated(PushSubscriptionCreateSerializer, request.data)
        subscription, created = services.push_subscription_save(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            PushSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Templates (staff with notifications.* permissions) -----------------------------------


class TemplateListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = TemplateSerializer
    search_fields = ["event"]
    ordering_fields = ["event", "channel", "updated_at"]
    filterset_fields = ["event", "channel", "category", "is_system", "is_active"]

    def get_queryset(self):
        return selectors.template_list()

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateSerializer})
    def post(self, request):
        template = services.template_create(actor=request.user, **validated(TemplateCreateSerializer, request.data))
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateDetailView(generics.GenericAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = TemplateSerializer
    queryset = NotificationTemplate.objects.all()

    @extend_schema(request=TemplateUpdateSerializer, responses=TemplateSerializer)
    def patch(self, request, pk):
        data = validated(TemplateUpdateSerializer, request.data)
        template = services.template_update(template=self.get_object(), actor=request.user, **data)
        return Response(TemplateSerializer(template).data)


class TemplatePreviewView(generics.GenericAPIView):
    permission_classes = [has_perms("notifications.view_notificationtemplate")]
    serializer_class = PreviewResultSerializer
    queryset = NotificationTemplate.objects.all()

    @extend_schema(request=PreviewSerializer, responses=PreviewResultSerializer)
    def post(self, request, pk):
        template = self.get_object()
        data = validated(PreviewSerializer, request.data)
        given = data.get("context", {})
        # a variable left out of the sample shows as its placeholder
        context = {name: given.get(name, "{" + name + "}") for name in template.variables}
        rendered = render(template, data["language"], context)
        return Response(
            {"language": rendered.language, "subject": rendered.subject, "body": rendered.body, "html": rendered.html}
        )


# --- Broadcasts (staff: view/add_broadcast; sending and cancelling: send_broadcast) --------


def _broadcast_data(broadcast) -> dict:
    return BroadcastSerializer(broadcasts.broadcast_list().get(pk=broadcast.pk)).data


class BroadcastListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = BroadcastSerializer
    queryset = Broadcast.objects.none()  # the model, for the permission class
    search_fields = ["title_ar", "title_fr", "title_en"]
    ordering_fields = ["created_at", "scheduled_at", "sent_at"]
    filterset_fields = ["status"]

    def get_queryset(self):
        return broadcasts.broadcast_list()

    @extend_schema(request=BroadcastCreateSerializer, responses={201: BroadcastSerializer})
    def post(self, request):
        broadcast = broadcasts.broadcast_create(
            actor=request.user, **validated(BroadcastCreateSerializer, request.data)
        )
        return Response(_broadcast_data(broadcast), status=status.HTTP_201_CREATED)


class BroadcastActionView(generics.GenericAPIView):
    serializer_class = BroadcastSerializer
    queryset = Broadcast.objects.all()

    def act(self, broadcast):
        raise NotImplementedError

    @extend_schema(request=None, responses=BroadcastSerializer)
    def post(self, request, pk):
        return Response(_broadcast_data(self.act(self.get_object())))


class BroadcastEstimateView(BroadcastActionView):
    """The exact number of users (and per channel) the broadcast reaches if sent now."""

    permission_classes = [has_perms("notifications.add_broadcast")]

    def act(self, broadcast):
        return broadcasts.broadcast_estimate(broadcast=broadcast)


class BroadcastSendView(BroadcastActionView):
    """A draft is sent now, or scheduled when its `scheduled_at` is to come."""

    permission_classes = [has_perms("notifications.send_broadcast")]

    def act(self, broadcast):
        return broadcasts.broadcast_send(broadcast=broadcast, actor=self.request.user)


class BroadcastCancelView(BroadcastActionView):
    permission_classes = [has_perms("notifications.send_broadcast")]

    def act(self, broadcast):
        return broadcasts.broadcast_cancel(broadcast=broadcast, actor=self.request.user)
