"""Reports through the pages: request, progress, download, preview, try again; who sees which report."""

import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerOperationalError

from audits.models import Audit
from qms_portal.celery import app as celery_app
from scoring import reporting
from scoring.models import Report
from scoring.services import reports as service
from scoring.tasks import generate_report
from tests.conftest import require
from tests.factories import (
    AgencyFactory,
    AuditFactory,
    DeclarationFactory,
    InspectionPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATES_FOLDER = Path(__file__).resolve().parent / "report_templates"


@pytest.fixture(autouse=True)
def english(client, settings):
    """Labels are asserted word for word, in the source language the user can also choose."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@contextmanager
def eager_tasks():
    """Tasks run in the test's process as soon as they are sent (the worker test uses a real worker)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, False
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def eager():
    with eager_tasks():
        yield


@dataclass
class SimpleKinds:
    """A throwaway renderer for every kind: the scope's name, a figure and `pages` pages; `failure`, when
    set, is raised by gather."""

    pages: int = 2
    figure: int = 42
    failure: BaseException | None = None
    gathered: list[int] = field(default_factory=list)

    def gather(self, report: Report) -> dict:
        self.gathered.append(report.pk)
        if self.failure is not None:
            raise self.failure
        return {"scope": report.scope_name, "figure": self.figure, "extra_pages": range(2, self.pages + 1)}


@contextmanager
def simple_kinds_installed(settings):
    """Replaces the registered kinds with SimpleKinds; the registry is restored afterwards."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_FOLDER]}
    ]
    simple = SimpleKinds()
    saved = dict(reporting._kinds)
    reporting._kinds.clear()
    for kind in Report.Kind.values:
        reporting._kinds[kind] = reporting.ReportKind(
            kind=kind,
            template="tests/simple_report.html",
            gather=lambda report: simple.gather(report),
            filename=lambda report: f"{report.kind}-{report.period_label}.pdf",
        )
    try:
        yield simple
    finally:
        reporting._kinds.clear()
        reporting._kinds.update(saved)


@pytest.fixture
def simple_kinds(settings):
    with simple_kinds_installed(settings) as simple:
        yield simple


def pdf_pages(data: bytes) -> int:
    require(shutil.which("pdfinfo") is not None, "pdfinfo (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_text(data: bytes) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def ask(client, **data):
    """POST the request form, running the tasks queued on commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("scoring:report_request"), {"quarter": "", "year": "", **data})


def make_report(**fields) -> Report:
    fields.setdefault("kind", Report.Kind.AGENCY_COMPLIANCE)
    fields.setdefault("year", 2025)
    if fields.get("agency") is not None:
        fields.setdefault("province", fields["agency"].province)
    return Report.objects.create(**fields)


def produced(**fields) -> Report:
    report = make_report(**fields)
    service.produce(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error
    return report


# --- request → produced → downloaded -------------------------------------------------------------------


def test_a_secretary_requests_the_agency_report_and_downloads_the_pdf(
    client_as, secretary, agency, simple_kinds
):
    simple_kinds.pages = 3
    client = client_as(secretary)
    response = ask(client, kind="agency_compliance", agency=agency.pk, year="2025")
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "scoring:report_detail", args=[report.pk]
    )
    assert (report.kind, report.agency, report.province, report.year, report.quarter) == (
        Report.Kind.AGENCY_COMPLIANCE,
        agency,
        agency.province,
        2025,
        None,
    )
    assert report.status == Report.Status.DONE and report.requested_by == secretary and not report.scheduled
    assert (report.pages, report.attempts) == (3, 1) and report.started_at <= report.finished_at

    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "UBND xã Tiến Dũng" in content and "Download the PDF" in content and "hx-trigger" not in content
    download = client.get(reverse("scoring:report_download", args=[report.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF") and len(data) == report.size
    assert pdf_pages(data) == 3
    text = pdf_text(data)
    assert "UBND xã Tiến Dũng" in text and "Số quy trình đang áp dụng: 42" in text


def test_a_reviewer_requests_the_provincial_summary_of_a_quarter(client_as, reviewer, province, simple_kinds):
    client = client_as(reviewer)
    ask(client, kind="province_summary", province=province.pk, year="2026", quarter="3")
    report = Report.objects.get()
    assert (report.agency, report.province, report.year, report.quarter, report.status) == (
        None,
        province,
        2026,
        3,
        Report.Status.DONE,
    )
    data = b"".join(client.get(reverse("scoring:report_download", args=[report.pk])).streaming_content)
    assert "Tỉnh Hưng Yên — 2026-Q3" in pdf_text(data)


def test_inspection_minutes_and_declaration_take_their_year_from_the_record(
    client_as, reviewer, leader, agency, province, simple_kinds
):
    plan = InspectionPlanFactory(province=province, year=2025)
    inspection = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=plan,
        method=Audit.Method.ON_SITE,
        planned_start=timezone.datetime(2025, 9, 1).date(),
        planned_end=timezone.datetime(2025, 9, 2).date(),
    )
    DeclarationFactory(agency=agency, changed_on=timezone.datetime(2024, 5, 6).date())
    ask(client_as(reviewer), kind="inspection_minutes", audit=str(inspection.pk), year="2026")
    minutes = Report.objects.get(kind=Report.Kind.INSPECTION_MINUTES)
    assert (minutes.audit, minutes.agency, minutes.year, minutes.status) == (inspection, agency, 2025, "done")
    ask(client_as(leader), kind="declaration", agency=agency.pk, year="2026", quarter="2")
    declaration = Report.objects.get(kind=Report.Kind.DECLARATION)
    assert (declaration.agency, declaration.year, declaration.quarter, declaration.status) == (
        agency,
        2024,
        None,
        "done",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "agency_compliance", "year": "2025"}, "agency", "This kind of report needs this field."),
        ({"kind": "agency_compliance", "agency": "AGENCY", "year": ""}, "year", "needs this field"),
        ({"kind": "agency_compliance", "agency": "AGENCY", "year": "1999"}, "year", "between 2000 and 2027"),
        ({"kind": "agency_compliance", "agency": "AGENCY", "year": "2028"}, "year", "between 2000 and 2027"),
        (
            {"kind": "agency_compliance", "agency": "AGENCY", "year": "2025", "quarter": "5"},
            "quarter",
            "valid",
        ),
        ({"kind": "declaration", "agency": "AGENCY"}, "agency", "has not recorded a declaration"),
        ({"kind": "inspection_minutes"}, "audit", "This kind of report needs this field."),
        ({"kind": "inspection_minutes", "audit": "INTERNAL"}, "audit", "provincial inspections only"),
        ({"kind": "inspection_minutes", "audit": "999999"}, "audit", "no inspection with this number"),
        ({"kind": "weekly", "agency": "AGENCY", "year": "2025"}, "kind", "Select a valid choice"),
    ],
)
def test_the_request_form_explains_what_is_wrong_and_saves_nothing(
    client_as, leader, agency, simple_kinds, data, field, message
):
    internal = AuditFactory(agency=agency)
    values = {"AGENCY": str(agency.pk), "INTERNAL": str(internal.pk)}
    data = {key: values.get(value, value) for key, value in data.items()}
    response = ask(client_as(leader), **data)
    assert response.status_code == 400
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message.split(" ")[0] in response.content.decode()
    assert not Report.objects.exists()


def test_a_secretary_cannot_request_the_provincial_summary(client_as, secretary, province, simple_kinds):
    client = client_as(secretary)
    form = client.get(reverse("scoring:report_list")).context["form"]
    assert (
        Report.Kind.PROVINCE_SUMMARY not in dict(form.fields["kind"].choices)
        and "province" not in form.fields
    )
    response = ask(client, kind="province_summary", province=province.pk, year="2025")
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    assert not Report.objects.exists()
    with pytest.raises(service.PermissionDenied):
        service.request_report(
            kind=Report.Kind.PROVINCE_SUMMARY, user=secretary, province=province, year=2025
        )


def test_nobody_requests_a_report_of_an_agency_outside_their_scope(
    client_as, leader, foreign_reviewer, other_agency, foreign_agency, simple_kinds
):
    response = ask(client_as(leader), kind="agency_compliance", agency=other_agency.pk, year="2025")
    assert response.status_code == 400 and "agency" in response.context["form"].errors
    with pytest.raises(service.PermissionDenied):
        service.request_report(
            kind=Report.Kind.AGENCY_COMPLIANCE, user=foreign_reviewer, agency=other_agency, year=2025
        )
    assert not Report.objects.exists()


# --- who sees which report ------------------------------------------------------------------------------


@pytest.fixture
def reports(agency, other_agency, foreign_agency, province, other_province):
    return {
        "own": make_report(agency=agency),
        "other": make_report(agency=other_agency),
        "foreign": make_report(agency=foreign_agency),
        "summary": make_report(kind=Report.Kind.PROVINCE_SUMMARY, province=province),
        "foreign_summary": make_report(kind=Report.Kind.PROVINCE_SUMMARY, province=other_province),
    }


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("staff_user", {"own"}),
        ("secretary", {"own"}),
        ("other_leader", {"other"}),
        ("reviewer", {"own", "other", "summary"}),
        ("foreign_reviewer", {"foreign", "foreign_summary"}),
        ("national_viewer", {"own", "other", "foreign", "summary", "foreign_summary"}),
    ],
)
def test_the_list_shows_the_reports_in_the_users_scope(client_as, request, reports, who, seen):
    response = client_as(request.getfixturevalue(who)).get(reverse("scoring:report_list"))
    assert response.status_code == 200
    assert {report.pk for report in response.context["page_obj"]} == {reports[name].pk for name in seen}


@pytest.mark.parametrize("name", ["report_detail", "report_status", "report_download", "report_preview"])
def test_another_agencys_or_provinces_report_is_not_found(
    client_as, other_leader, secretary, reports, simple_kinds, name
):
    for key in ("own", "other", "summary", "foreign"):
        service.produce(reports[key].pk)
    client = client_as(other_leader)
    for key in ("own", "summary", "foreign"):
        assert client.get(reverse(f"scoring:{name}", args=[reports[key].pk])).status_code == 404
    assert client.get(reverse(f"scoring:{name}", args=[reports["other"].pk])).status_code == 200
    assert (
        client_as(secretary).get(reverse(f"scoring:{name}", args=[reports["summary"].pk])).status_code == 404
    )


def test_trying_again_another_agencys_report_is_not_found(client_as, other_leader, reports):
    reports["own"].status = Report.Status.FAILED
    reports["own"].save()
    response = client_as(other_leader).post(reverse("scoring:report_retry", args=[reports["own"].pk]))
    assert response.status_code == 404
    reports["own"].refresh_from_db()
    assert reports["own"].status == Report.Status.FAILED


def test_staff_download_their_agencys_report_and_the_reviewer_the_provinces(
    client_as, staff_user, reviewer, national_viewer, agency, province, simple_kinds
):
    own = produced(agency=agency)
    summary = produced(kind=Report.Kind.PROVINCE_SUMMARY, province=province)
    staff = client_as(staff_user)
    assert b"".join(
        staff.get(reverse("scoring:report_download", args=[own.pk])).streaming_content
    ).startswith(b"%PDF")
    assert staff.get(reverse("scoring:report_download", args=[summary.pk])).status_code == 404
    for user in (reviewer, national_viewer):
        client = client_as(user)
        for report in (own, summary):
            assert client.get(reverse("scoring:report_download", args=[report.pk])).status_code == 200


def test_a_report_not_done_has_no_download_but_a_preview(client_as, leader, agency, simple_kinds):
    report = make_report(agency=agency)
    client = client_as(leader)
    assert client.get(reverse("scoring:report_download", args=[report.pk])).status_code == 404
    preview = client.get(reverse("scoring:report_preview", args=[report.pk]))
    assert preview.status_code == 200 and preview["Content-Type"].startswith("text/html")
    content = preview.content.decode()
    assert "UBND xã Tiến Dũng" in content and "Số quy trình đang áp dụng: 42" in content
    # The document's own words stay Vietnamese whatever the reader's language.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in content


def test_the_list_filters_by_kind_status_year_and_agency(client_as, reviewer, agency, other_agency, province):
    own = make_report(agency=agency, year=2025, status=Report.Status.DONE)
    other = make_report(agency=other_agency, year=2024)
    summary = make_report(kind=Report.Kind.PROVINCE_SUMMARY, province=province, year=2025, quarter=2)
    client = client_as(reviewer)

    def shown(**params):
        response = client.get(reverse("scoring:report_list"), params)
        assert response.status_code == 200
        return {report.pk for report in response.context["page_obj"]}

    assert shown(kind="province_summary") == {summary.pk}
    assert shown(status="done") == {own.pk}
    assert shown(year="2024") == {other.pk}
    assert shown(q="tien dung") == {own.pk}
    assert shown(q="Long Hưng") == {other.pk}
    assert shown(q="hung yen") == {summary.pk}
    assert shown(kind="nonsense", year="x") == {own.pk, other.pk, summary.pk}


def test_the_list_paginates_with_the_same_queries_at_any_size(
    client_as, reviewer, province, django_assert_num_queries
):
    client = client_as(reviewer)
    agencies = AgencyFactory.create_batch(3, province=province)
    for agency in agencies:
        make_report(agency=agency)
    client.get(reverse("scoring:report_list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("scoring:report_list"))
    for agency in AgencyFactory.create_batch(40, province=province):
        make_report(agency=agency, status=Report.Status.DONE, pages=1)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("scoring:report_list"))
    assert response.context["page_obj"].paginator.num_pages == 2
    assert len(response.context["page_obj"]) == 25


# --- progress, failures, try again ---------------------------------------------------------------------


def test_the_status_partial_polls_while_pending_and_stops_once_done(client_as, leader, agency, simple_kinds):
    report = make_report(agency=agency)
    client = client_as(leader)
    detail = client.get(reverse("scoring:report_detail", args=[report.pk])).content.decode()
    status_url = reverse("scoring:report_status", args=[report.pk])
    assert f'hx-get="{status_url}"' in detail and 'hx-trigger="every 2s"' in detail
    assert "Waiting for the report service" in detail
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, started_at=timezone.now())
    running = client.get(status_url).content.decode()
    assert 'hx-trigger="every 2s"' in running and "Being produced since" in running
    service.produce(report.pk)
    done = client.get(status_url).content.decode()
    assert "hx-trigger" not in done and "Download the PDF" in done and "data-pages>2<" in done


def test_with_the_broker_down_the_report_stays_queued_and_is_sent_again_later(
    client_as, leader, agency, simple_kinds, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(generate_report, "delay", broker_down)
    client = client_as(leader)
    response = ask(client, kind="agency_compliance", agency=agency.pk, year="2025")
    report = Report.objects.get()
    assert response.status_code == 302 and report.status == Report.Status.QUEUED
    Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - timedelta(minutes=11))
    page = client.get(reverse("scoring:report_detail", args=[report.pk])).content.decode()
    assert "has not picked this report up yet" in page and "hx-trigger" in page
    assert service.requeue_stale_reports() == 0  # still down
    monkeypatch.undo()
    assert service.requeue_stale_reports() == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_a_failing_render_ends_failed_with_its_error_and_try_again_succeeds(
    client_as, leader, agency, simple_kinds
):
    simple_kinds.failure = ValueError("No rubric is published for 2025.\nSecond line")
    client = client_as(leader)
    ask(client, kind="agency_compliance", agency=agency.pk, year="2025")
    report = Report.objects.get()
    assert report.status == Report.Status.FAILED
    assert report.error == "ValueError: No rubric is published for 2025. Second line"
    assert not report.file and report.finished_at is not None
    page = client.get(reverse("scoring:report_detail", args=[report.pk])).content.decode()
    assert "ValueError: No rubric is published for 2025. Second line" in page and "Try again" in page
    assert "hx-trigger" not in page
    assert client.get(reverse("scoring:report_download", args=[report.pk])).status_code == 404

    simple_kinds.failure = None
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("scoring:report_retry", args=[report.pk]), follow=True)
    assert "The report is queued again." in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.error, report.attempts) == (Report.Status.DONE, "", 2)
    download = client.get(reverse("scoring:report_download", args=[report.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_only_a_failed_report_is_tried_again(client_as, leader, agency, simple_kinds):
    report = produced(agency=agency)
    response = client_as(leader).post(reverse("scoring:report_retry", args=[report.pk]), follow=True)
    assert "Only a failed report can be tried again." in response.content.decode()
    assert Report.objects.get().attempts == 1


def test_a_kind_without_a_renderer_fails_with_a_clear_error(agency, simple_kinds):
    del reporting._kinds[Report.Kind.DECLARATION]
    report = make_report(kind=Report.Kind.DECLARATION, agency=agency)
    service.produce(report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "ImproperlyConfigured: No renderer is registered for report kind 'declaration'."


# --- the home page -------------------------------------------------------------------------------------


def test_the_home_page_lists_the_users_latest_reports(
    client_as, staff_user, agency, other_agency, simple_kinds
):
    done = produced(agency=agency, year=2024)
    queued = make_report(agency=agency, year=2025)
    make_report(agency=other_agency, year=2023)
    content = client_as(staff_user).get(reverse("home")).content.decode()
    assert "Latest reports" in content
    assert f'data-report="{done.pk}"' in content and f'data-report="{queued.pk}"' in content
    assert reverse("scoring:report_download", args=[done.pk]) in content
    assert reverse("scoring:report_download", args=[queued.pk]) not in content
    assert "2023" not in content.split("Latest reports", 1)[1].split("</section>", 1)[0]


def test_the_home_page_has_no_reports_panel_without_reports(client_as, staff_user):
    assert "Latest reports" not in client_as(staff_user).get(reverse("home")).content.decode()


def test_a_user_without_reports_anywhere_sees_no_request_form(client_as, db):
    user = UserFactory(username="nobody")
    response = client_as(user).get(reverse("scoring:report_list"))
    assert response.status_code == 200 and response.context["form"] is None


def test_a_national_viewer_may_request_any_agencys_report(
    client_as, national_viewer, foreign_agency, simple_kinds
):
    ask(client_as(national_viewer), kind="agency_compliance", agency=foreign_agency.pk, year="2026")
    assert Report.objects.get().status == Report.Status.DONE


def test_a_preview_that_cannot_be_built_says_why_on_the_report_page(client_as, leader, agency, simple_kinds):
    simple_kinds.failure = ValueError("No rubric is published for 2025.")
    report = make_report(agency=agency)
    response = client_as(leader).get(reverse("scoring:report_preview", args=[report.pk]), follow=True)
    assert response.redirect_chain == [(reverse("scoring:report_detail", args=[report.pk]), 302)]
    assert (
        "The preview could not be built: ValueError: No rubric is published for 2025."
        in response.content.decode()
    )
