import logging

from celery import shared_task

from .services.expiry import orders_expire_holds

logger = logging.getLogger("livrili.orders")


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def expire_credit_holds() -> list[str]:
    """Cancel credit holds older than BusinessSettings.hold_expiry_days (idempotent: an order
    already released or cancelled is skipped)."""
    cancelled = orders_expire_holds()
    if cancelled:
        logger.info("expired credit holds cancelled: %s", ", ".join(cancelled))
    return cancelled
