"""Broadcasts: a promotional message to a segment of retailers, resolved on the server.

The segment is resolved by the function `settings.NOTIFICATIONS_SEGMENT_RESOLVER` names
(`retailers.segments.segment_users`: notifications imports no domain app). `estimate` applies
the very rules `notify` applies (active template per channel, preferences, addresses, push
subscriptions) to the segment as it is now, so its count is the number of users the broadcast
reaches if sent now. Sending writes the rows through `notify`, one call per language (each
recipient reads its language, fallback ar → fr → en), in one transaction that also marks the
broadcast sent; the rows are then sent like every notification (after commit, retried, swept).
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from livrili.core.errors import DomainError

from .models import (
    LANGUAGES,
    Broadcast,
    BroadcastStatus,
    Category,
    Notification,
    NotificationStatus,
    NotificationTemplate,
)
from .rendering import language_order
from .services import channels_for, notify, recipients_state

logger = logging.getLogger("livrili.notifications")

EVENT = "broadcast"
SENDABLE = (BroadcastStatus.DRAFT,)
CANCELLABLE = (BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED)


def segment_users(segment: dict):
    return import_string(settings.NOTIFICATIONS_SEGMENT_RESOLVER)(segment)


def _templates(broadcast: Broadcast) -> list[NotificationTemplate]:
    return list(NotificationTemplate.objects.filter(event=EVENT, is_active=True, channel__in=broadcast.channels))


def broadcast_plan(broadcast: Broadcast) -> dict:
    """{user: [channels]} for every user of the segment the broadcast reaches now."""
    users = list(segment_users(broadcast.segment))
    templates = _templates(broadcast)
    stored, pushable = recipients_state([user.pk for user in users], templates)
    plan = {}
    for user in users:
        channels = channels_for(user, Category.PROMOTIONS, templates, stored, pushable)
        if channels:
            plan[user] = channels
    return plan


def _counts(plan: dict) -> tuple[int, dict]:
    per_channel: dict[str, int] = defaultdict(int)
    for channels in plan.values():
        for channel in channels:
            per_channel[channel] += 1
    return len(plan), dict(sorted(per_channel.items()))


def text_in(broadcast: Broadcast, language: str) -> tuple[str, str, str]:
    """(language, title, body): the first language with a body, from `language` then ar → fr → en."""
    order = language_order(language if language in LANGUAGES else LANGUAGES[0])
    chosen = next((lang for lang in order if getattr(broadcast, f"body_{lang}", "")), order[0])
    title = next((t for lang in [chosen, *order] if (t := getattr(broadcast, f"title_{lang}", ""))), "")
    return chosen, title, getattr(broadcast, f"body_{chosen}", "") or ""


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update().get(pk=broadcast.pk)


def _refuse(broadcast: Broadcast, to: str, allowed) -> DomainError:
    return DomainError(
        "INVALID_TRANSITION",
        _("This broadcast can no longer be changed this way."),
        details={"from": broadcast.status, "to": to, "allowed": list(allowed)},
    )


@transaction.atomic
def broadcast_create(*, actor, **fields) -> Broadcast:
    broadcast = Broadcast(created_by=actor, **fields)
    broadcast.save()
    logger.info("broadcast %s created by %s", broadcast.pk, getattr(actor, "pk", None))
    return broadcast


@transaction.atomic
def broadcast_estimate(*, broadcast: Broadcast) -> Broadcast:
    """Count the recipients (and per channel) the broadcast reaches now; kept on it until sent."""
    broadcast = _locked(broadcast)
    if broadcast.status in (BroadcastStatus.SENT, BroadcastStatus.SENDING):
        return broadcast  # its counts are those it was sent to
    broadcast.recipient_count, broadcast.channel_counts = _counts(broadcast_plan(broadcast))
    broadcast.estimated_at = timezone.now()
    broadcast.save(update_fields=["recipient_count", "channel_counts", "estimated_at", "updated_at"])
    return broadcast


@transaction.atomic
def broadcast_send(*, broadcast: Broadcast, actor) -> Broadcast:
    """A draft is sent now, or scheduled when its `scheduled_at` is still to come."""
    broadcast = _locked(broadcast)
    if broadcast.status not in SENDABLE:
        raise _refuse(broadcast, BroadcastStatus.SENDING, [BroadcastStatus.DRAFT])
    now = timezone.now()
    if broadcast.scheduled_at and broadcast.scheduled_at > now:
        broadcast.status = BroadcastStatus.SCHEDULED
        broadcast.save(update_fields=["status", "updated_at"])
    else:
        broadcast.status = BroadcastStatus.SENDING
        broadcast.save(update_fields=["status", "updated_at"])
        broadcast_id = broadcast.pk
        transaction.on_commit(lambda: _enqueue(broadcast_id))
    logger.info("broadcast %s %s by %s", broadcast.pk, broadcast.status, getattr(actor, "pk", None))
    return broadcast


def _enqueue(broadcast_id) -> None:
    from .tasks import deliver_broadcast

    try:
        deliver_broadcast.apply_async((str(broadcast_id),), retry=False)
    except Exception as exc:  # noqa: BLE001 - broker down: the beat task delivers it
        logger.warning("broadcast %s not enqueued (%s): left for the beat", broadcast_id, exc)


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast, actor) -> Broadcast:
    broadcast = _locked(broadcast)
    if broadcast.status not in CANCELLABLE:
        raise _refuse(broadcast, BroadcastStatus.CANCELLED, CANCELLABLE)
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.cancelled_at = timezone.now()
    broadcast.save(update_fields=["status", "cancelled_at", "updated_at"])
    logger.info("broadcast %s cancelled by %s", broadcast.pk, getattr(actor, "pk", None))
    return broadcast


@transaction.atomic
def broadcast_deliver(broadcast_id) -> int | None:
    """Write every recipient's rows, once: only a broadcast sending, or scheduled and due, is
    taken (under its row lock), and it leaves `sent`. Returns the recipient count, or None when
    there was nothing to do."""
    now = timezone.now()
    broadcast = (
        Broadcast.objects.select_for_update()
        .filter(pk=broadcast_id)
        .filter(Q(status=BroadcastStatus.SENDING) | Q(status=BroadcastStatus.SCHEDULED, scheduled_at__lte=now))
        .first()
    )
    if broadcast is None:
        return None
    plan = broadcast_plan(broadcast)
    by_language = defaultdict(list)
    for user in plan:
        by_language[text_in(broadcast, user.preferred_language)].append(user)
    for (language, title, body), users in by_language.items():
        rows = notify(
            EVENT,
            users,
            {"title": title, "message": body},
            category=Category.PROMOTIONS,
            channels=broadcast.channels,
            data={"broadcast_id": str(broadcast.pk)},
            broadcast=broadcast,
        )
        Notification.objects.filter(pk__in=[row.pk for row in rows]).exclude(language=language).update(
            language=language  # the text's language (the broadcast may lack the recipient's)
        )
    broadcast.recipient_count, broadcast.channel_counts = _counts(plan)
    broadcast.status = BroadcastStatus.SENT
    broadcast.sent_at = now
    broadcast.save(update_fields=["recipient_count", "channel_counts", "status", "sent_at", "updated_at"])
    logger.info("broadcast %s sent to %s recipients", broadcast.pk, broadcast.recipient_count)
    return broadcast.recipient_count


def broadcasts_send_due() -> int:
    """Beat: deliver the scheduled broadcasts that are due and those a lost enqueue left sending."""
    due = Broadcast.objects.filter(
        Q(status=BroadcastStatus.SENDING) | Q(status=BroadcastStatus.SCHEDULED, scheduled_at__lte=timezone.now())
    )
    delivered = 0
    for broadcast_id in due.values_list("pk", flat=True):
        delivered += broadcast_deliver(broadcast_id) is not None
    return delivered


def broadcast_list():
    """Broadcasts with their sent / failed / read counts (one query)."""
    sent = Q(notifications__status__in=[NotificationStatus.SENT, NotificationStatus.READ])
    return Broadcast.objects.select_related("created_by").annotate(  # + purged_counts (BroadcastSerializer)
        sent_count=Count("notifications", filter=sent),
        failed_count=Count("notifications", filter=Q(notifications__status=NotificationStatus.FAILED)),
        read_count=Count("notifications", filter=Q(notifications__read_at__isnull=False)),
    )
