from django.urls import path

from . import views

urlpatterns = [
    # Everyone: the in-app inbox and preferences (own rows only)
    path("notifications", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/unread-count", views.UnreadCountView.as_view(), name="notification-unread-count"),
    path("notifications/read-all", views.ReadAllView.as_view(), name="notification-read-all"),
    path("notifications/preferences", views.PreferencesView.as_view(), name="notification-preferences"),
    path(
        "notifications/push-subscriptions",
        views.PushSubscriptionView.as_view(),
        name="notification-push-subscriptions",
    ),
    path("notifications/<uuid:pk>/read", views.NotificationReadView.as_view(), name="notification-read"),
    # Back office: templates
    path("notification-templates", views.TemplateListView.as_view(), name="notification-template-list"),
    path("notification-templates/<uuid:pk>", views.TemplateDetailView.as_view(), name="notification-template-detail"),
    path(
        "notification-templates/<uuid:pk>/preview",
        views.TemplatePreviewView.as_view(),
        name="notification-template-preview",
    ),
    # Back office: broadcasts
    path("broadcasts", views.BroadcastListView.as_view(), name="broadcast-list"),
    path("broadcasts/<uuid:pk>/estimate", views.BroadcastEstimateView.as_view(), name="broadcast-estimate"),
    path("broadcasts/<uuid:pk>/send", views.BroadcastSendView.as_view(), name="broadcast-send"),
    path("broadcasts/<uuid:pk>/cancel", views.BroadcastCancelView.as_view(), name="broadcast-cancel"),
]
