from celery import shared_task

from .services.invoices import invoices_notify_overdue


@shared_task(ignore_result=True)
def notify_overdue_invoices() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): tell retailers of their overdue invoices, once each."""
    return invoices_notify_overdue()
