from .models import Channel, Notification, NotificationTemplate


def inbox(user):
    """The user's in-app notifications, newest first (nothing joined: the rows carry their text)."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def template_list():
    return NotificationTemplate.objects.order_by("event", "channel")
