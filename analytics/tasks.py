from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def raise_alerts() -> dict:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): run the alert checks on live data."""
    return {str(key): value for key, value in services.alerts_raise().items()}
