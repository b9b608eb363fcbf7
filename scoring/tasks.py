"""Celery tasks of the reports: produce one, the schedules that ask for them, and the stale-report sweep."""

import logging

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from .services import reports as service

logger = logging.getLogger(__name__)

# Worth another try a little later: the database or a connection went away for a moment.
TRANSIENT = (DatabaseOperationalError, InterfaceError, BrokerOperationalError, ConnectionError)
MAX_RETRIES = 3


@shared_task(
    name="scoring.generate_report",
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def generate_report(self, report_id: int) -> str | None:
    """Produce a report (see services.reports.produce): idempotent, so a message delivered twice — a worker
    killed mid-way, acks_late — produces it at most again from the start, never leaves it running."""
    try:
        report = service.produce(report_id, transient=TRANSIENT)
    except TRANSIENT as exc:
        if self.request.retries >= MAX_RETRIES:
            service.fail(report_id, exc)
            return None
        logger.warning("Report %s: transient error, retrying: %s", report_id, exc)
        raise
    return report.status if report is not None else None


@shared_task(name="scoring.schedule_provincial_summaries", acks_late=True)
def schedule_provincial_summaries() -> int:
    """First day of each quarter: every province's summary of the quarter just ended (and of the year on
    1 January)."""
    return len(service.schedule_provincial_summaries())


@shared_task(name="scoring.schedule_agency_reports", acks_late=True)
def schedule_agency_reports() -> int:
    """15 December: every operating agency's compliance report for the year."""
    return len(service.schedule_agency_reports())


@shared_task(name="scoring.requeue_stale_reports", acks_late=True)
def requeue_stale_reports() -> int:
    """Every ten minutes: send again the reports the broker lost or a dead worker left running."""
    return service.requeue_stale_reports()
