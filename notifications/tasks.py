from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def send_notification(notification_id: str) -> str:
    """Send one outbox row (idempotent: only the caller that claims it sends). A failed
    attempt is rescheduled with exponential backoff; the sweep catches any lost schedule."""
    outcome = services.notification_send(notification_id)
    if outcome == "retry":
        from .models import Notification

        attempts = Notification.objects.filter(pk=notification_id).values_list("attempts", flat=True).first() or 1
        services.notifications_enqueue([notification_id], countdown=services.backoff(attempts).total_seconds())
    return outcome


@shared_task(ignore_result=True)
def sweep_notifications() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): send queued rows that are due."""
    return services.notifications_sweep()


@shared_task(acks_late=True, ignore_result=True)
def deliver_broadcast(broadcast_id: str):
    """Write a broadcast's rows (once: the broadcast's row lock and status decide)."""
    from .broadcasts import broadcast_deliver

    return broadcast_deliver(broadcast_id)


@shared_task(ignore_result=True)
def send_due_broadcasts() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): scheduled broadcasts that are due."""
    from .broadcasts import broadcasts_send_due

    return broadcasts_send_due()


@shared_task(ignore_result=True)
def purge_notifications() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): the outbox rows past NOTIFICATIONS_RETENTION."""
    return services.notifications_purge()
