import logging

from celery import shared_task

from .idempotency import idempotency_records_purge

logger = logging.getLogger("livrili.core")


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def purge_idempotency_records() -> int:
    """Daily: forget idempotent answers past their retention (idempotent: a second run finds none)."""
    deleted = idempotency_records_purge()
    if deleted:
        logger.info("idempotency records purged: %s", deleted)
    return deleted
