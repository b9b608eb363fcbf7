"""The report pipeline behind the pages: idempotent task, retries, schedules, the stale sweep, the command,
and a real Celery worker on Redis producing a real report."""

import datetime
import time
import uuid
from io import StringIO
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from audits.models import Audit
from qms_portal.celery import app as celery_app
from scoring import reporting
from scoring.models import Report
from scoring.tasks import (
    generate_report,
    requeue_stale_reports,
    schedule_agency_reports,
    schedule_provincial_summaries,
)
from tests.conftest import require
from tests.factories import (
    AgencyFactory,
    AuditFactory,
    DeclarationFactory,
    InspectionPlanFactory,
)
from tests.scoring.test_reports import (
    eager_tasks,
    make_report,
    pdf_pages,
    pdf_text,
    produced,
    simple_kinds_installed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager():
    with eager_tasks(), translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def simple_kinds(settings):
    with simple_kinds_installed(settings) as simple:
        yield simple


# --- the task: idempotent, retried on transient errors ---------------------------------------------------


def test_running_the_task_on_a_done_report_changes_nothing(agency, simple_kinds):
    report = produced(agency=agency)
    before = (report.file.name, report.finished_at, report.attempts, report.pages, report.size)
    assert generate_report.delay(report.pk).get() == "done"
    report.refresh_from_db()
    assert (report.file.name, report.finished_at, report.attempts, report.pages, report.size) == before
    assert simple_kinds.gathered == [report.pk]


def test_a_report_left_running_by_a_dead_worker_is_produced_again_once(agency, simple_kinds):
    """acks_late + reject_on_worker_lost deliver the message again: it starts over, then stays done."""
    report = make_report(agency=agency, status=Report.Status.RUNNING, attempts=1)
    Report.objects.filter(pk=report.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=3))
    generate_report.delay(report.pk)
    generate_report.delay(report.pk)  # the same message delivered twice
    report.refresh_from_db()
    assert (report.status, report.attempts, report.pages) == (Report.Status.DONE, 2, 2)
    assert simple_kinds.gathered == [report.pk]
    assert Path(report.file.path).read_bytes().startswith(b"%PDF")


def test_a_failed_report_waits_for_try_again(agency, simple_kinds):
    report = make_report(agency=agency, status=Report.Status.FAILED, error="ValueError: x")
    generate_report.delay(report.pk)
    report.refresh_from_db()
    assert (report.status, report.error) == (Report.Status.FAILED, "ValueError: x")
    assert simple_kinds.gathered == []


def test_a_deleted_report_is_skipped(db):
    assert generate_report.delay(999999).get() is None


def test_a_transient_database_error_is_retried(agency, simple_kinds):
    calls = []
    gather = simple_kinds.gather

    def flaky(report):
        calls.append(report.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return gather(report)

    simple_kinds.gather = flaky
    report = make_report(agency=agency)
    generate_report.delay(report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts, len(calls)) == (Report.Status.DONE, 2, 2)


def test_transient_errors_fail_the_report_after_three_retries(agency, simple_kinds):
    simple_kinds.failure = OperationalError("database is locked")
    report = make_report(agency=agency)
    generate_report.delay(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and report.error == "OperationalError: database is locked"
    assert report.attempts == 4 and len(simple_kinds.gathered) == 4
    assert generate_report.max_retries == 3 and generate_report.acks_late


# --- schedules ------------------------------------------------------------------------------------------


def test_the_beat_schedule_names_the_report_tasks():
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["scoring.schedule_provincial_summaries"] == crontab(
        minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"
    )
    assert schedule["scoring.schedule_agency_reports"] == crontab(
        minute=0, hour=6, day_of_month=15, month_of_year=12
    )
    assert schedule["scoring.requeue_stale_reports"] == crontab(minute="*/10")
    for name in ("scoring.schedule_provincial_summaries", "scoring.schedule_agency_reports"):
        assert name in celery_app.tasks


@pytest.fixture
def today(monkeypatch):
    days = {"today": datetime.date(2026, 10, 1)}
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return days["today"] if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return days


def summaries() -> set[tuple]:
    return set(
        Report.objects.filter(kind=Report.Kind.PROVINCE_SUMMARY).values_list(
            "province__code", "year", "quarter", "scheduled", "requested_by"
        )
    )


def test_each_province_gets_its_summary_of_the_quarter_just_ended_once(
    province, other_province, simple_kinds, today
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_provincial_summaries.delay().get() == 2
    assert summaries() == {("HY", 2026, 3, True, None), ("TB", 2026, 3, True, None)}
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.DONE}
    # Beat firing twice produces nothing more; a failed one is produced anew.
    Report.objects.filter(province=other_province).update(status=Report.Status.FAILED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_provincial_summaries.delay().get() == 1
    assert Report.objects.filter(province=other_province).count() == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_provincial_summaries.delay().get() == 0


def test_on_the_first_of_january_the_last_quarter_and_the_year_are_summarized(province, simple_kinds, today):
    today["today"] = datetime.date(2027, 1, 1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_provincial_summaries.delay().get() == 2
    assert summaries() == {("HY", 2026, 4, True, None), ("HY", 2026, None, True, None)}
    # A quarterly summary of the year does not stand for the annual one, nor the other way round.
    today["today"] = datetime.date(2027, 4, 1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_provincial_summaries.delay().get() == 1
    assert ("HY", 2027, 1, True, None) in summaries()


def test_on_15_december_every_operating_agency_gets_its_compliance_report_once(
    agency, other_agency, foreign_agency, province, simple_kinds, today
):
    today["today"] = datetime.date(2026, 12, 15)
    AgencyFactory(province=province, active_until=datetime.date(2026, 6, 30))
    AgencyFactory(province=province, merged_into=agency)
    make_report(agency=agency, year=2026)  # asked for by someone: already there, not duplicated
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_agency_reports.delay().get() == 2
    scheduled = Report.objects.filter(scheduled=True)
    assert {report.agency for report in scheduled} == {other_agency, foreign_agency}
    assert {(report.kind, report.year, report.quarter, report.status) for report in scheduled} == {
        (Report.Kind.AGENCY_COMPLIANCE, 2026, None, Report.Status.DONE)
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert schedule_agency_reports.delay().get() == 0


def test_the_sweep_sends_again_reports_the_broker_lost_or_a_dead_worker_left(agency, simple_kinds):
    now = timezone.now()
    lost = make_report(agency=agency)
    recent = make_report(agency=agency)
    stuck = make_report(agency=agency, status=Report.Status.RUNNING)
    busy = make_report(agency=agency, status=Report.Status.RUNNING)
    Report.objects.filter(pk=lost.pk).update(requested_at=now - datetime.timedelta(minutes=11))
    limit = datetime.timedelta(seconds=django_settings.CELERY_TASK_TIME_LIMIT)
    Report.objects.filter(pk=stuck.pk).update(started_at=now - limit - datetime.timedelta(minutes=1))
    Report.objects.filter(pk=busy.pk).update(started_at=now - datetime.timedelta(minutes=2))
    assert requeue_stale_reports.delay().get() == 2
    statuses = dict(Report.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "done", recent.pk: "queued", stuck.pk: "done", busy.pk: "running"}


# --- the command ---------------------------------------------------------------------------------------


def command(*args) -> str:
    out = StringIO()
    call_command("generate_report", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_produces_an_agency_report_and_prints_its_path(agency, simple_kinds):
    path = Path(command("agency", "--agency", "xtiendung", "--period", "2025"))
    assert path.is_absolute() and path.read_bytes().startswith(b"%PDF")
    report = Report.objects.get()
    assert (report.kind, report.agency, report.year, report.quarter, report.requested_by) == (
        Report.Kind.AGENCY_COMPLIANCE,
        agency,
        2025,
        None,
        None,
    )
    assert "UBND xã Tiến Dũng" in pdf_text(path.read_bytes())


def test_the_command_produces_the_provincial_summary_of_a_quarter_and_of_a_year(province, simple_kinds):
    quarter = Path(command("province", "--province", "HY", "--period", "2025-Q3"))
    annual = Path(command("province", "--province", "HY", "--period", "2025"))
    assert quarter.is_file() and annual.is_file() and quarter != annual
    assert set(Report.objects.values_list("year", "quarter")) == {(2025, 3), (2025, None)}


def test_the_command_produces_inspection_minutes_and_the_latest_declaration(agency, province, simple_kinds):
    inspection = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=InspectionPlanFactory(province=province, year=2026),
        method=Audit.Method.DOCUMENTS,
    )
    DeclarationFactory(agency=agency, changed_on=datetime.date(2021, 3, 1))
    DeclarationFactory(agency=agency, changed_on=datetime.date(2024, 7, 9))
    assert Path(command("inspection", "--audit", str(inspection.pk))).is_file()
    assert Path(command("declaration", "--agency", "XTIENDUNG")).is_file()
    assert set(Report.objects.values_list("kind", "year")) == {
        (Report.Kind.INSPECTION_MINUTES, 2026),
        (Report.Kind.DECLARATION, 2024),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agency", "--period", "2025"), "Give the agency's code with --agency."),
        (("agency", "--agency", "NOPE", "--period", "2025"), "No agency has the code NOPE."),
        (("agency", "--agency", "XTIENDUNG"), "Give the period with --period"),
        (("agency", "--agency", "XTIENDUNG", "--period", "2025-Q5"), "is not a year (2025) or a quarter"),
        (("agency", "--agency", "XTIENDUNG", "--period", "1999"), "between 2000 and 2027"),
        (("agency", "--agency", "SAME", "--period", "2025"), "add --province"),
        (("province", "--period", "2025"), "Give the province's code with --province."),
        (("province", "--province", "XX", "--period", "2025"), "No province has the code XX."),
        (("inspection",), "Give the inspection's id with --audit."),
        (("inspection", "--audit", "999999"), "No inspection has the id 999999."),
        (("inspection", "--audit", "INTERNAL"), "provincial inspections only"),
        (("declaration", "--agency", "XTIENDUNG"), "has not recorded a declaration"),
        (("declaration", "--agency", "XTIENDUNG", "--period", "2025"), "takes no --period"),
    ],
)
def test_the_command_explains_bad_arguments(agency, province, other_province, simple_kinds, args, message):
    AgencyFactory(province=province, code="SAME")
    AgencyFactory(province=other_province, code="SAME")
    internal = AuditFactory(agency=agency)
    args = tuple(str(internal.pk) if arg == "INTERNAL" else arg for arg in args)
    with pytest.raises(CommandError, match=None) as error:
        command(*args)
    assert message in str(error.value)
    assert not Report.objects.exists()


def test_the_command_tells_agency_codes_apart_by_province(province, other_province, simple_kinds):
    AgencyFactory(province=province, code="SAME", name="UBND xã Hưng Đạo")
    AgencyFactory(province=other_province, code="SAME", name="UBND xã Đông Hưng")
    path = Path(command("agency", "--agency", "SAME", "--province", "TB", "--period", "2025"))
    assert "UBND xã Đông Hưng" in pdf_text(path.read_bytes())


def test_the_command_fails_clearly_when_the_render_fails(agency, simple_kinds):
    simple_kinds.failure = KeyError("rubric")
    with pytest.raises(CommandError) as error:
        command("agency", "--agency", "XTIENDUNG", "--period", "2025")
    assert str(error.value) == "The report could not be produced: KeyError: 'rubric'"
    assert Report.objects.get().status == Report.Status.FAILED


# --- a real worker on Redis ---------------------------------------------------------------------------------


@pytest.fixture
def own_queue():
    """Route the report task to a queue of this test's own, so no other worker on the broker takes it."""
    queue = f"test-reports-{uuid.uuid4().hex[:8]}"
    saved = celery_app.conf.task_routes
    celery_app.conf.task_routes = {"scoring.generate_report": {"queue": queue}}
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
    yield queue
    celery_app.conf.task_routes = saved
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_produces_the_requested_report(client_as, leader, agency, own_queue):
    require(bool(django_settings.REDIS_URL), "REDIS_URL is not set: no Redis broker for a real worker")
    celery_app.conf.task_always_eager = False
    assert Report.Kind.AGENCY_COMPLIANCE in reporting.registered()
    client = client_as(leader)
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=[own_queue], shutdown_timeout=30
    ):
        response = client.post(
            reverse("scoring:report_request"),
            {"kind": "agency_compliance", "agency": agency.pk, "year": "2026", "quarter": ""},
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        report = Report.objects.get()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if not report.is_pending:
                break
            time.sleep(0.2)
    assert report.status == Report.Status.DONE, report.error
    assert report.attempts == 1 and report.pages >= 1
    status = client.get(reverse("scoring:report_status", args=[report.pk])).content.decode()
    assert "hx-trigger" not in status and reverse("scoring:report_download", args=[report.pk]) in status
    data = b"".join(client.get(reverse("scoring:report_download", args=[report.pk])).streaming_content)
    assert data.startswith(b"%PDF") and pdf_pages(data) == report.pages
    text = pdf_text(data)
    assert "UBND xã Tiến Dũng" in text and "2026" in text
