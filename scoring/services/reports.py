"""Reports: requested by a user or by the schedule, produced by Celery (scoring.tasks), tried again.

The life of a report: queued → running → done | failed. `request_report` checks who may ask for it,
validates the period and queues the task once the transaction commits; `produce` is the task's body,
idempotent: a done report stays as it is, a queued or running one (a worker died in the middle, the
message came back) is produced again from the start; a failed one waits for `retry`.
"""

import logging
import os
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError

from agencies.access import Action, can, can_in_province
from agencies.models import Agency, Province, QmsStatus, StatusChange
from audits.models import Audit
from qms_portal.pdf import render_template_pdf_with_pages

from .. import reporting
from ..models import Report

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000
# The one-line error kept on a failed report: long enough for a message, short enough for the page.
ERROR_LENGTH = 500
# A queued report not picked up after this long is sent again (the broker was down when it was asked for).
STALE_QUEUED = timedelta(minutes=10)
AGENCY_KINDS = {Report.Kind.AGENCY_COMPLIANCE, Report.Kind.INSPECTION_MINUTES, Report.Kind.DECLARATION}


# --- requesting ---------------------------------------------------------------------------------------


def latest_declaration(agency: Agency) -> StatusChange | None:
    return (
        StatusChange.objects.filter(agency=agency, status__in=QmsStatus.declarations())
        .order_by("-changed_on", "-pk")
        .first()
    )


def inspection_year(audit: Audit) -> int:
    return (audit.actual_start or audit.planned_start).year


def _scope(
    *, kind: str, agency: Agency | None, province: Province | None, audit: Audit | None
) -> tuple[Agency | None, Province | None, Audit | None]:
    """The (agency, province, audit) a report of `kind` names; ValidationError when something is missing."""
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of report.")})
    if kind == Report.Kind.PROVINCE_SUMMARY:
        if province is None:
            raise ValidationError({"province": _("Choose the province of the summary.")})
        return None, province, None
    if kind == Report.Kind.INSPECTION_MINUTES:
        if audit is None:
            raise ValidationError({"audit": _("Give the inspection the minutes are for.")})
        if audit.kind != Audit.Kind.INSPECTION:
            raise ValidationError({"audit": _("Minutes are produced for provincial inspections only.")})
        return audit.agency, audit.agency.province, audit
    if agency is None:
        raise ValidationError({"agency": _("Choose the agency of the report.")})
    return agency, agency.province, None


def _check_period(kind: str, year: int | None, quarter: int | None) -> None:
    problems = {}
    last = timezone.localdate().year + 1
    if year is None or not FIRST_YEAR <= year <= last:
        problems["year"] = _("The year must be between %(first)s and %(last)s.") % {
            "first": FIRST_YEAR,
            "last": last,
        }
    if quarter is not None:
        if quarter not in (1, 2, 3, 4):
            problems["quarter"] = _("The quarter must be 1, 2, 3 or 4.")
        elif kind in (Report.Kind.INSPECTION_MINUTES, Report.Kind.DECLARATION):
            problems["quarter"] = _("This kind of report has no quarter.")
    if problems:
        raise ValidationError(problems)


def may_request(user, *, kind: str, agency: Agency | None, province: Province | None) -> bool:
    """DESIGN §3: an agency's reports — REPORTS on the agency (its users, the province's reviewers,
    national viewers); a provincial summary — REPORTS on the province (its reviewers, national viewers)."""
    if kind == Report.Kind.PROVINCE_SUMMARY:
        return province is not None and can_in_province(user, Action.REPORTS, province.pk)
    return agency is not None and can(user, Action.REPORTS, agency)


def new_report(
    *,
    kind: str,
    user=None,
    agency: Agency | None = None,
    province: Province | None = None,
    audit: Audit | None = None,
    year: int | None = None,
    quarter: int | None = None,
    scheduled: bool = False,
) -> Report:
    """A validated queued report, saved but not sent to the workers (see request_report and the command).
    `user` None: the system (the schedule, the command) — no permission check. A declaration's year
    defaults to its latest declaration's, the inspection minutes' to the inspection's."""
    agency, province, audit = _scope(kind=kind, agency=agency, province=province, audit=audit)
    if user is not None and not may_request(user, kind=kind, agency=agency, province=province):
        raise PermissionDenied
    if kind == Report.Kind.DECLARATION:
        declaration = latest_declaration(agency)
        if declaration is None:
            raise ValidationError({"agency": _("This agency has not recorded a declaration of conformity.")})
        year = year or declaration.changed_on.year
    elif kind == Report.Kind.INSPECTION_MINUTES:
        year = year or inspection_year(audit)
    _check_period(kind, year, quarter)
    return Report.objects.create(
        kind=kind,
        agency=agency,
        province=province,
        audit=audit,
        year=year,
        quarter=quarter,
        scheduled=scheduled,
        requested_by=user,
    )


def request_report(
    *,
    kind: str,
    user,
    agency: Agency | None = None,
    province: Province | None = None,
    audit: Audit | None = None,
    year: int | None = None,
    quarter: int | None = None,
    scheduled: bool = False,
) -> Report:
    """Ask for a report: checks, saves it queued and sends it to the workers once the transaction commits.
    PermissionDenied when `user` may not ask for it; ValidationError (by field) on a bad scope or period."""
    with transaction.atomic():
        report = new_report(
            kind=kind,
            user=user,
            agency=agency,
            province=province,
            audit=audit,
            year=year,
            quarter=quarter,
            scheduled=scheduled,
        )
        enqueue(report)
    return report


def retry(report: Report, user) -> Report:
    """A failed report back in the queue, its error cleared."""
    if user is not None and not may_request(
        user, kind=report.kind, agency=report.agency, province=report.province
    ):
        raise PermissionDenied
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != Report.Status.FAILED:
            raise ValidationError(_("Only a failed report can be tried again."))
        locked.status = Report.Status.QUEUED
        locked.error = ""
        locked.started_at = None
        locked.finished_at = None
        locked.save(update_fields=["status", "error", "started_at", "finished_at"])
        enqueue(locked)
    return locked


def enqueue(report: Report) -> None:
    """Send the report to the workers when the current transaction commits."""
    transaction.on_commit(lambda: send(report))


def send(report: Report) -> bool:
    """Hand the report to Celery; with the broker down it stays queued (requeue_stale_reports resends it)."""
    from ..tasks import generate_report

    try:
        generate_report.delay(report.pk)
    except (BrokerOperationalError, ConnectionError, OSError):
        logger.warning("Report %s stays queued: the task broker is unreachable.", report.pk, exc_info=True)
        return False
    try:
        cache.set(_sent_key(report), True, timeout=int(STALE_QUEUED.total_seconds()))
    except Exception:  # noqa: BLE001 - only spares a duplicate message; the report itself is on its way
        logger.warning("Could not note report %s as sent.", report.pk, exc_info=True)
    return True


def _sent_key(report: Report) -> str:
    return f"scoring:report-sent:{report.pk}:{report.requested_at.timestamp()}"


def _sent_recently(report: Report) -> bool:
    try:
        return bool(cache.get(_sent_key(report)))
    except Exception:  # noqa: BLE001 - without the note, the report is sent again: harmless, idempotent
        return False


# --- producing (the task's body) --------------------------------------------------------------------------


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line[:ERROR_LENGTH]


def _claim(report_id: int) -> Report | None:
    """Mark the report running (one more attempt) unless it is done or failed; None when there is nothing
    to do."""
    with transaction.atomic():
        report = (
            # Only the report's row: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins.
            Report.objects.select_for_update(of=("self",))
            .select_related("agency", "province", "audit")
            .filter(pk=report_id)
            .first()
        )
        if report is None:
            logger.warning("Report %s does not exist (any more): nothing to produce.", report_id)
            return None
        if report.status not in (Report.Status.QUEUED, Report.Status.RUNNING):
            logger.info("Report %s is %s already: left as it is.", report_id, report.status)
            return None
        report.status = Report.Status.RUNNING
        report.started_at = timezone.now()
        report.finished_at = None
        report.error = ""
        report.attempts += 1
        report.save(update_fields=["status", "started_at", "finished_at", "error", "attempts"])
    return report


def render(report: Report) -> tuple[bytes, int, str]:
    """The report's PDF, its number of pages and its file name (Vietnamese, whoever asked)."""
    kind = reporting.kind_of(report)
    with translation.override("vi"):
        context = kind.gather(report)
        data, pages = render_template_pdf_with_pages(kind.template, {"report": report, **context})
        filename = kind.filename(report)
    return data, pages, filename


def _store(report: Report, data: bytes, pages: int, filename: str) -> Report:
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk)
        if current.status == Report.Status.DONE:
            # Another delivery of the same task finished first: keep its file.
            logger.info("Report %s was finished meanwhile: this copy is dropped.", report.pk)
            return current
        old = current.file.name if current.file else ""
        current.file.save(
            os.path.basename(filename) or f"report-{report.pk}.pdf", ContentFile(data), save=False
        )
        current.pages = pages
        current.size = len(data)
        current.status = Report.Status.DONE
        current.error = ""
        current.finished_at = timezone.now()
        current.save(update_fields=["file", "pages", "size", "status", "error", "finished_at"])
    if old and old != current.file.name:
        current.file.storage.delete(old)
    return current


def fail(report_id: int, exc: BaseException) -> None:
    """Mark the report failed with a one-line error; the traceback goes to the log."""
    logger.error("Report %s failed.", report_id, exc_info=exc)
    Report.objects.filter(pk=report_id).exclude(status=Report.Status.DONE).update(
        status=Report.Status.FAILED, error=one_line(exc), finished_at=timezone.now()
    )


def produce(report_id: int, *, transient: tuple[type[BaseException], ...] = ()) -> Report | None:
    """Produce a queued or running report from the start and store its file; leave done and failed ones.
    Errors listed in `transient` propagate (the task retries them); any other marks the report failed."""
    report = _claim(report_id)
    if report is None:
        return Report.objects.filter(pk=report_id).first()
    try:
        data, pages, filename = render(report)
        return _store(report, data, pages, filename)
    except transient:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a kind's code ends as a visible error
        fail(report_id, exc)
        return Report.objects.filter(pk=report_id).first()


# --- the schedule ----------------------------------------------------------------------------------------


def _scheduled(kind: str, *, agency=None, province=None, year: int, quarter: int | None) -> Report | None:
    """A scheduled report, unless the same kind, scope and period exists and has not failed."""
    with transaction.atomic():
        # Locking the scope serializes two firings of the same schedule.
        if agency is not None:
            Agency.objects.select_for_update().filter(pk=agency.pk).first()
        else:
            Province.objects.select_for_update().filter(pk=province.pk).first()
        same = Report.objects.filter(kind=kind, year=year).exclude(status=Report.Status.FAILED)
        same = (
            same.filter(agency=agency) if agency is not None else same.filter(agency=None, province=province)
        )
        same = same.filter(quarter=quarter) if quarter else same.filter(quarter__isnull=True)
        if same.exists():
            return None
        report = new_report(
            kind=kind, agency=agency, province=province, year=year, quarter=quarter, scheduled=True
        )
        enqueue(report)
    return report


def quarter_just_ended(today: date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3  # 0 in January–March: the last quarter of the year before
    return (today.year - 1, 4) if quarter == 0 else (today.year, quarter)


def schedule_provincial_summaries(today: date | None = None) -> list[Report]:
    """Each province's summary of the quarter just ended; on 1 January also the annual one of the year
    just ended (what the province sends the ministry)."""
    today = today or timezone.localdate()
    year, quarter = quarter_just_ended(today)
    periods = [(year, quarter)]
    if today.month == 1:
        periods.append((today.year - 1, None))
    created = []
    for province in Province.objects.order_by("pk"):
        for period_year, period_quarter in periods:
            report = _scheduled(
                Report.Kind.PROVINCE_SUMMARY, province=province, year=period_year, quarter=period_quarter
            )
            if report is not None:
                created.append(report)
    return created


def schedule_agency_reports(today: date | None = None) -> list[Report]:
    """Every operating agency's compliance report for the year (15 December)."""
    today = today or timezone.localdate()
    created = []
    for agency in Agency.objects.operating(today).select_related("province").order_by("pk"):
        report = _scheduled(Report.Kind.AGENCY_COMPLIANCE, agency=agency, year=today.year, quarter=None)
        if report is not None:
            created.append(report)
    return created


def requeue_stale_reports(now=None) -> int:
    """Send again the reports queued for over ten minutes (the broker was down) and those running for longer
    than the task time limit (their worker is gone); answers how many were sent."""
    now = now or timezone.now()
    queued = Report.objects.filter(status=Report.Status.QUEUED, requested_at__lt=now - STALE_QUEUED)
    running_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    running = Report.objects.filter(status=Report.Status.RUNNING, started_at__lt=now - running_limit)
    # A report sent less than ten minutes ago may simply be waiting behind others: not sent twice.
    stale = [report for report in queued.only("pk", "requested_at") if not _sent_recently(report)]
    stale += list(running.only("pk", "requested_at"))
    Report.objects.filter(pk__in=[report.pk for report in stale], status=Report.Status.RUNNING).update(
        status=Report.Status.QUEUED
    )
    sent = sum(send(report) for report in sorted(stale, key=lambda report: report.pk))
    if stale:
        logger.info("Sent %s of %s stale report(s) again.", sent, len(stale))
    return sent
