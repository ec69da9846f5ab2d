"""Notifications: the one entry point domain code calls (`notify`), the sender, and the
inbox and preference writes. This app imports no domain app; domain services call `notify`.

Outbox: `notify` writes one Notification row per recipient × channel inside the caller's
transaction and, after commit, enqueues one task per row to send. A row is sent by whoever
claims it first (queued → sending, a conditional UPDATE), so a duplicate task, a retry and
the sweep never send it twice. A broker outage only delays: the sweep sends what is queued.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.errors import DomainError

from .models import (
    Category,
    Channel,
    Notification,
    NotificationPreference,
    NotificationStatus,
    NotificationTemplate,
    PushSubscription,
)
from .push import SubscriptionGone, push_backend
from .rendering import render
from .sealing import MASK, SealExpired, seal, unseal
from .sms import PermanentSendError, sms_send

logger = logging.getLogger("livrili.notifications")

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)  # 1, 2, 4, 8 minutes between the five attempts
STALE_SENDING = timedelta(minutes=10)  # a claim older than this belongs to a worker that died

TRANSACTIONAL = frozenset(Category.values) - {Category.PROMOTIONS}
OPT_IN = frozenset({(Category.PROMOTIONS, Channel.SMS)})


# --- Preferences --------------------------------------------------------------------------


def preference_locked(category: str, channel: str) -> bool:
    """Transactional in-app messages cannot be switched off."""
    return channel == Channel.IN_APP and category in TRANSACTIONAL


def preference_default(category: str, channel: str) -> bool:
    return (category, channel) not in OPT_IN


def preferences_for(user) -> list[dict]:
    """Every category × channel with the user's choice (or the default) and whether it is locked."""
    stored = {(p.category, p.channel): p.enabled for p in NotificationPreference.objects.filter(user=user)}
    return [
        {
            "category": category,
            "channel": channel,
            "enabled": True
            if preference_locked(category, channel)
            else stored.get((category, channel), preference_default(category, channel)),
            "locked": preference_locked(category, channel),
        }
        for category in Category.values
        for channel in Channel.values
    ]


@transaction.atomic
def preferences_update(*, user, preferences: list[dict]) -> list[dict]:
    """Store the given choices; switching off a locked one is refused (nothing is written)."""
    locked = [p for p in preferences if not p["enabled"] and preference_locked(p["category"], p["channel"])]
    if locked:
        raise DomainError(
            "VALIDATION_ERROR",
            details={"preferences": [_("Transactional in-app notifications cannot be switched off.")]},
        )
    for preference in preferences:
        NotificationPreference.objects.update_or_create(
            user=user,
            category=preference["category"],
            channel=preference["channel"],
            defaults={"enabled": preference["enabled"]},
        )
    return preferences_for(user)


def _skip_reason(
    user, category: str, channel: str, stored: dict, requested: bool = False, pushable: frozenset = frozenset()
) -> str | None:
    if not user.is_active:
        return "recipient inactive"
    if not requested and not preference_locked(category, channel):
        enabled = stored.get((user.pk, category, channel), preference_default(category, channel))
        if not enabled:
            opt_in = (category, channel) in OPT_IN
            return "opt-in not given" if opt_in and (user.pk, category, channel) not in stored else "disabled by user"
    if channel == Channel.EMAIL and not user.email:
        return "no e-mail address"
    if channel == Channel.SMS and not user.phone:
        return "no phone number"
    if channel == Channel.PUSH and user.pk not in pushable:
        return "no push subscription"
    return None


def recipients_state(user_ids: list, templates: list) -> tuple[dict, frozenset]:
    """What deciding the channels of these users takes: their stored preferences and, when a
    template is on the push channel, who has an active push subscription."""
    stored = {
        (p.user_id, p.category, p.channel): p.enabled
        for p in NotificationPreference.objects.filter(user_id__in=user_ids)
    }
    pushable = frozenset()
    if any(template.channel == Channel.PUSH for template in templates):
        pushable = frozenset(
            PushSubscription.objects.filter(user_id__in=user_ids, is_active=True).values_list("user_id", flat=True)
        )
    return stored, pushable


def channels_for(user, category: str, templates: list, stored: dict, pushable: frozenset) -> list[str]:
    """The channels `notify` will write a row on for this user (the same rules, no logging)."""
    return [t.channel for t in templates if _skip_reason(user, category, t.channel, stored, pushable=pushable) is None]


# --- notify -------------------------------------------------------------------------------


def notify(
    event: str,
    recipients: list,
    context: dict,
    *,
    category: str | None = None,
    data: dict | None = None,
    action_url: str = "",
    channels: tuple[str, ...] | list[str] | None = None,
    secret: tuple[str, ...] | list[str] = (),
    broadcast=None,
) -> list[Notification]:
    """Tell `recipients` about `event` on every channel that has an active template and that
    their preferences allow, each in the recipient's language (fallback ar → fr → en).

    `channels` restricts the channels. `secret` names context variables that must never be
    stored or logged in clear (a reset code): the row keeps its text with them masked and the
    real text sealed (sealing.py) until it is sent; such a message is one the recipient just
    asked for, so preferences do not apply to it. `broadcast`: the Broadcast the rows belong
    to (notifications' own broadcasts only, for their counts).

    Call it inside the business transaction: the rows commit or roll back with it, and
    sending starts after commit. It never raises because a channel is down."""
    if category is not None and category not in Category.values:
        raise ValueError(f"unknown notification category {category!r}")
    templates = NotificationTemplate.objects.filter(event=event, is_active=True)
    if channels is not None:
        templates = templates.filter(channel__in=list(channels))
    templates = list(templates)
    masked_context = {**context, **dict.fromkeys(secret, MASK)}
    if not templates:
        logger.warning("notification %s: no active template, nobody told", event)
        return []
    recipients = list({user.pk: user for user in recipients}.values())  # each user told once
    stored, pushable = recipients_state([user.pk for user in recipients], templates)
    now = timezone.now()
    rows = []
    for user in recipients:
        for template in templates:
            row_category = category or template.category
            reason = _skip_reason(
                user, row_category, template.channel, stored, requested=bool(secret), pushable=pushable
            )
            if reason:
                logger.info("notification %s to %s by %s skipped: %s", event, user.pk, template.channel, reason)
                continue
            rendered = render(template, user.preferred_language, masked_context)
            sealed = ""
            if secret:
                real = render(template, user.preferred_language, context)
                sealed = seal(real.subject, real.body)
            in_app = template.channel == Channel.IN_APP
            rows.append(
                Notification(
                    recipient=user,
                    event=event,
                    category=row_category,
                    channel=template.channel,
                    language=rendered.language,
                    title=rendered.subject,
                    body=rendered.body,
                    sealed=sealed,
                    data=data or {},
                    action_url=action_url,
                    broadcast=broadcast,
                    # the in-app row is the inbox item: delivered once committed
                    status=NotificationStatus.SENT if in_app else NotificationStatus.QUEUED,
                    sent_at=now if in_app else None,
                )
            )
    Notification.objects.bulk_create(rows)
    outgoing = [row.pk for row in rows if row.status == NotificationStatus.QUEUED]
    if outgoing:
        transaction.on_commit(lambda: notifications_enqueue(outgoing))
    return rows


def notifications_enqueue(notification_ids, countdown: float | None = None) -> None:
    """Hand rows to the workers; if the broker is unreachable, log it: the sweep sends them.

    No publish retries, and the first failure leaves the rest to the sweep too, so a broker
    outage costs the request one connection timeout (CELERY_BROKER_CONNECTION_TIMEOUT), not
    one per row."""
    from .tasks import send_notification

    notification_ids = [str(notification_id) for notification_id in notification_ids]
    for index, notification_id in enumerate(notification_ids):
        try:
            send_notification.apply_async((notification_id,), countdown=countdown, retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker or worker error: the sweep sends them
            logger.warning(
                "notifications %s not enqueued (%s): left for the sweep",
                ", ".join(notification_ids[index:]),
                exc,
            )
            return


# --- Sending ------------------------------------------------------------------------------


def _claim(notification_id) -> bool:
    """queued → sending, only if still queued and due: exactly one caller wins the row."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )
    return claimed == 1


def _deliver(notification: Notification) -> None:
    recipient = notification.recipient
    title, body = notification.title, notification.body
    if notification.sealed:
        try:
            title, body = unseal(notification.sealed)
        except SealExpired as exc:
            raise PermanentSendError(str(exc)) from exc
    if notification.channel == Channel.EMAIL:
        if not recipient.email:
            raise PermanentSendError("no e-mail address")
        message = EmailMultiAlternatives(title, body, None, [recipient.email])
        message.attach_alternative(notification_html(notification, body), "text/html")
        message.send()
    elif notification.channel == Channel.SMS:
        # a backend that only logs (console) gets the masked text: no log holds a secret
        sms_send(recipient.phone, body, redacted=notification.body if notification.sealed else None)
    elif notification.channel == Channel.PUSH:
        _push(notification, title, body)
    elif notification.channel != Channel.IN_APP:
        raise PermanentSendError(f"unknown channel {notification.channel}")


def _push(notification: Notification, title: str, body: str) -> None:
    """To each of the recipient's active subscriptions; one the push service calls gone is
    deactivated. Fails (to be retried) only when no subscription took the message."""
    subscriptions = list(PushSubscription.objects.filter(user_id=notification.recipient_id, is_active=True))
    if not subscriptions:
        raise PermanentSendError("no active push subscription")
    payload = {
        "id": str(notification.pk),
        "event": notification.event,
        "title": title,
        "body": body,
        "url": notification.action_url,
    }
    backend = push_backend()
    delivered, errors = 0, []
    for subscription in subscriptions:
        try:
            backend.send(subscription, payload)
            delivered += 1
        except SubscriptionGone as exc:
            PushSubscription.objects.filter(pk=subscription.pk).update(
                is_active=False, last_error=str(exc)[:300], updated_at=timezone.now()
            )
            logger.info("push subscription %s deactivated: %s", subscription.pk, exc)
        except Exception as exc:  # noqa: BLE001 - recorded; the row is retried if nobody got it
            errors.append(str(exc))
    if delivered:
        return
    if errors:
        raise RuntimeError("; ".join(errors))
    raise PermanentSendError("every push subscription is gone")


def notification_html(notification: Notification, body: str | None = None) -> str:
    from .rendering import Rendered

    html = Rendered(notification.language, notification.title, notification.body if body is None else body).html
    direction = "rtl" if notification.language == "ar" else "ltr"
    return f'<html lang="{notification.language}" dir="{direction}"><body>{html}</body></html>'


def backoff(attempts: int) -> timedelta:
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


def notification_send(notification_id) -> str:
    """Send one row if this caller claims it. Returns `sent`, `retry`, `failed` or `skipped`
    (not queued, not due, or claimed by someone else). Never raises for a channel error."""
    if not _claim(notification_id):
        return "skipped"
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _deliver(notification)
    except Exception as exc:  # noqa: BLE001 - every channel failure is recorded on the row
        permanent = isinstance(exc, PermanentSendError) or notification.attempts >= MAX_ATTEMPTS
        error = f"{exc.__class__.__name__}: {exc}"[:1000]
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.FAILED if permanent else NotificationStatus.QUEUED,
            **({"sealed": ""} if permanent else {}),  # a secret is erased once it cannot be sent
            last_error=error,
            next_attempt_at=None if permanent else timezone.now() + backoff(notification.attempts),
            updated_at=timezone.now(),
        )
        logger.warning(
            "notification %s by %s, attempt %s: %s (%s)",
            notification_id,
            notification.channel,
            notification.attempts,
            error,
            "failed" if permanent else "will retry",
        )
        return "failed" if permanent else "retry"
    now = timezone.now()
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, sent_at=now, last_error="", next_attempt_at=None, sealed="", updated_at=now
    )
    logger.info("notification %s sent by %s", notification_id, notification.channel)
    return "sent"


def notifications_sweep(limit: int = 500) -> dict[str, int]:
    """Send what is due and still queued (enqueue lost, broker down, retry due), after
    returning to the queue the rows a dead worker left in `sending`."""
    now = timezone.now()
    Notification.objects.filter(status=NotificationStatus.SENDING, updated_at__lt=now - STALE_SENDING).update(
        status=NotificationStatus.QUEUED, next_attempt_at=None, updated_at=now
    )
    due = (
        Notification.objects.filter(status=NotificationStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))  # null: never tried
        .order_by(F("next_attempt_at").asc(nulls_first=True), "created_at")
    )
    outcomes: dict[str, int] = {}
    for notification_id in due.values_list("pk", flat=True)[:limit]:
        outcome = notification_send(notification_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def notifications_retry(*, notification_ids) -> list:
    """Failed rows back to the queue with a fresh attempt count (back office); returns their ids."""
    now = timezone.now()
    failed = Notification.objects.filter(pk__in=list(notification_ids), status=NotificationStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=None, updated_at=now
    )
    transaction.on_commit(lambda: notifications_enqueue(ids))
    return ids


# --- Retention ----------------------------------------------------------------------------

PURGE_BATCH = 2000


def notifications_purge(*, now=None) -> int:
    """Delete the rows older than `NOTIFICATIONS_RETENTION` that are done (sent, failed, read;
    never one still queued or sending), in batches of short transactions. A broadcast keeps
    the counts of its purged rows. Returns how many were deleted."""
    from django.conf import settings

    cutoff = (now or timezone.now()) - settings.NOTIFICATIONS_RETENTION
    done = Notification.objects.filter(
        created_at__lt=cutoff,
        status__in=[NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.READ],
    )
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(done.order_by("created_at").values_list("pk", flat=True)[:PURGE_BATCH])
            if not batch:
                return deleted
            _keep_broadcast_counts(batch)
            deleted += Notification.objects.filter(pk__in=batch).delete()[0]


def _keep_broadcast_counts(notification_ids: list) -> None:
    from .models import Broadcast

    rows = (
        Notification.objects.filter(pk__in=notification_ids, broadcast__isnull=False)
        .values("broadcast_id")
        .annotate(
            sent=Count("pk", filter=Q(status__in=[NotificationStatus.SENT, NotificationStatus.READ])),
            failed=Count("pk", filter=Q(status=NotificationStatus.FAILED)),
            read=Count("pk", filter=Q(read_at__isnull=False)),
        )
    )
    for row in rows:
        broadcast = Broadcast.objects.select_for_update().get(pk=row["broadcast_id"])
        counts = broadcast.purged_counts
        for key in ("sent", "failed", "read"):
            counts[key] = counts.get(key, 0) + row[key]
        Broadcast.objects.filter(pk=broadcast.pk).update(purged_counts=counts)


# --- Push subscriptions -------------------------------------------------------------------


@transaction.atomic
def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> tuple:
    """Register the browser's subscription for `user` (again): an endpoint is one browser, so a
    known one moves to whoever subscribes with it now and is active again. Returns
    (subscription, created)."""
    subscription, created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
            "is_active": True,
            "last_error": "",
        },
    )
    return subscription, created


# --- Inbox --------------------------------------------------------------------------------


def notification_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.status = NotificationStatus.READ
        notification.save(update_fields=["read_at", "status", "updated_at"])
    return notification


def notifications_read_all(*, user) -> int:
    now = timezone.now()
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now, status=NotificationStatus.READ, updated_at=now
    )


# --- Templates ----------------------------------------------------------------------------

TEMPLATE_TEXT_FIELDS = tuple(f"{field}_{lang}" for field in ("subject", "body") for lang in ("ar", "fr", "en"))


@transaction.atomic
def template_create(*, actor, **fields) -> NotificationTemplate:
    if NotificationTemplate.objects.filter(event=fields["event"], channel=fields["channel"]).exists():
        raise DomainError("CONFLICT", details={"event": [_("A template for this event and channel exists.")]})
    template = NotificationTemplate(**fields)
    template.full_clean(validate_unique=False, validate_constraints=False)
    template.save()
    logger.info("notification template %s created by %s", template.pk, getattr(actor, "pk", None))
    return template


@transaction.atomic
def template_update(*, template: NotificationTemplate, actor, **fields) -> NotificationTemplate:
    """Texts, variables, category and is_active; a system template keeps its variables (the
    domain code that calls `notify` provides exactly those)."""
    template = NotificationTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_system and "variables" in fields and fields["variables"] != template.variables:
        raise DomainError("VALIDATION_ERROR", details={"variables": [_("A system template's variables are fixed.")]})
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean(validate_unique=False, validate_constraints=False)
    template.save()
    logger.info("notification template %s changed by %s", template.pk, getattr(actor, "pk", None))
    return template
