from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def raise_alerts() -> dict:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): run the alert checks on live data."""
    return {str(key): value for key, value in services.alerts_raise().items()}


@shared_task(ignore_result=True)
def run_report_schedule(schedule_id: str) -> str:
    """A report schedule's beat task (crontab, see `services.report_schedule_create`)."""
    return services.report_schedule_run(schedule_id=schedule_id)


@shared_task(ignore_result=True)
def run_report_export(export_id: str) -> str:
    """A report run from the back office (`services.report_export_start`)."""
    return services.report_export_run(export_id=export_id)


@shared_task(ignore_result=True)
def sweep_report_exports() -> int:
    """Every 15 minutes: runs still going after an hour are recorded as interrupted."""
    return services.report_exports_sweep()
