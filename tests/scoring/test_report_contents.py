"""What the agency compliance report, the inspection minutes and the declaration of conformity print: each
kind's context built by hand-made data, rendered to PDF and read back with pdftotext; Tinos only; a
declaration that is missing fails with its message; gather's queries do not grow with the data."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from agencies.models import QmsStatus, Role, StatusChange
from audits.models import Action, Audit, ChecklistLine, Finding
from procedures.models import DossierStatistic
from qms_portal.pdf import render_template_pdf
from scoring import reporting
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentLine, Criterion, Report, Rubric
from scoring.report_contents import (
    agency_compliance_filename,
    declaration_filename,
    gather_agency_compliance,
    gather_declaration,
    gather_inspection_minutes,
    inspection_minutes_filename,
    report_period,
)
from scoring.svg import Bar, bar_chart
from tests.conftest import require
from tests.factories import (
    ActionFactory,
    ActivityFactory,
    AdministrativeProcedureFactory,
    AgencyProcedureFactory,
    AuditFactory,
    ClauseFactory,
    DeclarationFactory,
    FindingFactory,
    InForceRevisionFactory,
    InspectionPlanFactory,
    ManagementReviewFactory,
    MembershipFactory,
    ProcessFactory,
    StatusChangeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
Kind = Report.Kind


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def pdf_text(data: bytes) -> str:
    """The PDF's text with runs of whitespace (line ends, table cells) folded to one space."""
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def pdf_font_names(data: bytes, tmp_path: Path) -> list[str]:
    require(shutil.which("pdffonts") is not None, "pdffonts (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in lines.splitlines()[2:]]


def render(report: Report, language: str = "en") -> tuple[dict, bytes]:
    """The report's context and PDF, as the pipeline makes them (through the registry)."""
    kind = reporting.kind_of(report)
    with translation.override(language):
        context = kind.gather(report)
        return context, render_template_pdf(kind.template, context)


def count_queries(function, *args) -> int:
    with CaptureQueriesContext(connection) as queries:
        function(*args)
    return len(queries)


# --- data -----------------------------------------------------------------------------------------------


def covered_procedures(agency, covered: int, handled: int) -> None:
    """`handled` procedures, the first `covered` of them with a process in force."""
    for index in range(handled):
        link = AgencyProcedureFactory(agency=agency)
        if index < covered:
            InForceRevisionFactory(process=ProcessFactory(agency=agency, procedure=link.procedure))


def dossiers(agency, month: datetime.date, *, early: int, on_time: int, late: int, pending: int) -> None:
    procedure = AdministrativeProcedureFactory()
    DossierStatistic.objects.create(
        agency=agency,
        procedure=procedure,
        month=month,
        received=early + on_time + late + pending,
        early=early,
        on_time=on_time,
        late=late,
        pending=pending,
    )


def nonconformity(
    audit, *, due: datetime.date, status=Action.Status.OPEN, title="Hồ sơ lưu chưa đủ"
) -> Action:
    """A nonconformity raised on 1 June 2026, closed on 20 July when `status` is closed."""
    finding = FindingFactory(audit=audit, grade=Finding.Grade.MINOR, description=title)
    closed_at = at(2026, 7, 20) if status == Action.Status.CLOSED else None
    action = ActionFactory(finding=finding, due_date=due, status=status, closed_at=closed_at)
    Action.objects.filter(pk=action.pk).update(created_at=at(2026, 6, 1))
    return action


def at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, tzinfo=timezone.get_current_timezone())


def published_rubric(province, *, results_published: bool = True) -> Rubric:
    rubric = create_default_rubric(province, 2026)
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = timezone.now()
    if results_published:
        rubric.results_published_at = timezone.now()
    rubric.save()
    return rubric


def assessment(rubric, agency, kind, total, status=Assessment.Status.FINALIZED) -> Assessment:
    return Assessment.objects.create(
        rubric=rubric, agency=agency, kind=kind, status=status, total=Decimal(str(total))
    )


@pytest.fixture
def compliance_data(province, agency, other_agency):
    """UBND xã Tiến Dũng in 2026: declared, 12 of 16 procedures covered, 45 of 50 dossiers in time in the
    first quarter, an internal audit with three nonconformities (one closed, one overdue), official score
    85.50 (Tốt), ranked 1 of 2."""
    DeclarationFactory(
        agency=agency,
        changed_on=datetime.date(2025, 5, 10),
        decision_number="15/QĐ-UBND",
        decision_date=datetime.date(2025, 5, 10),
    )
    covered_procedures(agency, covered=12, handled=16)
    dossiers(agency, datetime.date(2026, 2, 1), early=20, on_time=25, late=3, pending=2)
    internal = AuditFactory(
        agency=agency,
        title="Đánh giá nội bộ năm 2026",
        planned_start=datetime.date(2026, 6, 1),
        planned_end=datetime.date(2026, 6, 3),
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
        status=Audit.Status.REPORTED,
    )
    nonconformity(internal, due=datetime.date(2026, 8, 1), status=Action.Status.CLOSED)
    nonconformity(internal, due=datetime.date(2026, 9, 1), title="Chưa cập nhật Quy trình cấp giấy khai sinh")
    nonconformity(internal, due=datetime.date(2026, 12, 15), status=Action.Status.ACTION_PLANNED)
    ManagementReviewFactory(agency=agency, held_on=datetime.date(2026, 10, 20))
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 3, 15), topic="Họp Ban chỉ đạo ISO quý I")
    rubric = published_rubric(province)
    assessment(rubric, agency, Assessment.Kind.SELF, "88.00")
    official = assessment(rubric, agency, Assessment.Kind.OFFICIAL, "85.50")
    criterion = Criterion.objects.get(rubric=rubric, code="A1")
    AssessmentLine.objects.create(assessment=official, criterion=criterion, points=Decimal("4.50"))
    assessment(rubric, other_agency, Assessment.Kind.OFFICIAL, "70.00")
    return rubric


def compliance_report(agency, quarter=None) -> Report:
    return Report.objects.create(kind=Kind.AGENCY_COMPLIANCE, agency=agency, year=2026, quarter=quarter)


# --- the agency compliance report -------------------------------------------------------------------------


def test_compliance_report_prints_the_agency_and_its_figures(agency, compliance_data):
    _context, pdf = render(compliance_report(agency))
    text = pdf_text(pdf)

    assert "UBND xã Tiến Dũng" in text
    assert "BÁO CÁO" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Hưng Yên, ngày 21 tháng 11 năm 2026" in text
    assert "15/QĐ-UBND, 10/05/2025" in text
    assert "12/16 (75.0%)" in text
    assert "In the period, 45 of 50 dossiers received were resolved early or on time." in text
    assert "90.0%" in text and "93.8%" in text  # of received, of processed
    assert "Open: 2, of which overdue: 1." in text
    assert "Chưa cập nhật Quy trình cấp giấy khai sinh" in text
    assert "85.50/100.00" in text
    assert "Tốt" in text
    assert "1 of 2 in the province; 1 of 2 at its level" in text


def test_compliance_report_in_vietnamese_keeps_diacritics_and_local_numbers(agency, compliance_data):
    _context, pdf = render(compliance_report(agency), language="vi")
    text = pdf_text(pdf)

    assert "UBND xã Tiến Dũng" in text
    assert "12/16 (75,0%)" in text
    assert "90,0%" in text
    assert "85,50/100,00" in text


def test_compliance_context_reads_the_shared_figures(agency, compliance_data):
    context, _pdf = render(compliance_report(agency))

    assert (context["summary"].in_force, context["summary"].handled) == (12, 16)
    assert context["period_rate"].rate.in_time == 45
    assert context["year_figures"].ncs_opened == 3
    assert context["year_figures"].ncs_closed == 1
    assert dict(context["action_statuses"])[Action.Status.CLOSED.label] == 1
    assert [action.overdue for action in context["open_ncs"]] == [True, False]
    assert context["scores"].total == Decimal("85.50")
    assert context["scores"].band.label == "Tốt"
    assert (context["scores"].rank, context["scores"].ranked) == (1, 2)
    assert [change.status for change in context["status_changes"]] == []  # declared in 2025


def test_quarter_report_covers_only_its_quarter(agency, compliance_data):
    report = compliance_report(agency, quarter=2)
    context, pdf = render(report)
    text = pdf_text(pdf)

    assert report_period(report) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    assert [audit.title for audit in context["audits"]] == ["Đánh giá nội bộ năm 2026"]
    assert context["meetings"] == []  # held in March
    assert "No one-stop dossier is recorded for the period." in text
    assert "No management review was held in the period." in text


def test_compliance_report_charts_come_with_their_tables(agency, compliance_data):
    context, pdf = render(compliance_report(agency))

    assert "<svg" in context["ontime_chart"] and "Quarter 1" in context["ontime_chart"]
    assert "<svg" in context["scores"].chart
    text = pdf_text(pdf)
    assert "the table above gives the same figures" in text
    assert "the table above gives the points" in text


def test_draft_and_submitted_scores_are_not_printed(province, agency):
    """Every reader of the agency's reports sees the points only once an assessment is finalized."""
    rubric = published_rubric(province, results_published=False)
    assessment(rubric, agency, Assessment.Kind.SELF, "91.25", status=Assessment.Status.SUBMITTED)
    assessment(rubric, agency, Assessment.Kind.OFFICIAL, "77.75", status=Assessment.Status.DRAFT)

    context, pdf = render(compliance_report(agency))
    text = pdf_text(pdf)

    assert "91.25" not in text and "77.75" not in text
    assert "points are printed once an assessment is finalized" in text
    assert context["scores"].chart == ""


def test_unpublished_results_print_total_and_band_without_rank(province, agency):
    rubric = published_rubric(province, results_published=False)
    assessment(rubric, agency, Assessment.Kind.OFFICIAL, "92.00")

    _context, pdf = render(compliance_report(agency))
    text = pdf_text(pdf)

    assert "92.00/100.00" in text
    assert "Rất tốt" in text
    assert "The ranking is printed once the results are published." in text


def test_an_agency_with_nothing_recorded_gets_every_empty_state(agency):
    _context, pdf = render(compliance_report(agency))
    text = pdf_text(pdf)

    for sentence in [
        "No QMS status is recorded for the agency by the end of the period.",
        "No administrative procedure is recorded as handled by the agency.",
        "No process revision came into force in the period.",
        "No process awaits a review after a legal change.",
        "No quality objective is set for 2026.",
        "No audit or inspection took place in the period.",
        "No nonconformity has been raised by the end of the period.",
        "No nonconformity is open.",
        "No management review was held in the period.",
        "No steering committee meeting or training session was held in the period.",
        "No one-stop dossier is recorded for the period.",
        "The province has no published rubric for 2026.",
    ]:
        assert sentence in text


def test_compliance_gather_queries_do_not_grow_with_processes_and_findings(province, agency):
    audit = AuditFactory(
        agency=agency, actual_start=datetime.date(2026, 6, 1), actual_end=datetime.date(2026, 6, 2)
    )
    rubric = published_rubric(province)
    assessment(rubric, agency, Assessment.Kind.OFFICIAL, "80.00")

    def grow(count: int) -> None:
        covered_procedures(agency, covered=count, handled=count + 1)
        for index in range(count):
            nonconformity(audit, due=datetime.date(2026, 7, 1 + index % 28))
            ActivityFactory(agency=agency, held_on=datetime.date(2026, 4, 1 + index % 28))
        dossiers(agency, datetime.date(2026, 1 + count % 9, 1), early=count, on_time=1, late=1, pending=0)

    report = compliance_report(agency)
    grow(3)
    small = count_queries(gather_agency_compliance, report)
    grow(27)
    large = count_queries(gather_agency_compliance, report)

    assert small == large
    assert small <= 40


def test_compliance_filename_is_ascii(agency):
    assert (
        agency_compliance_filename(compliance_report(agency, quarter=3))
        == "bao-cao-htqlcl-XTIENDUNG-2026-Q3.pdf"
    )


# --- inspection minutes ---------------------------------------------------------------------------------


@pytest.fixture
def inspection(province, agency):
    plan = InspectionPlanFactory(province=province, year=2026)
    inspector = UserFactory(username="thanhtra", last_name="Trần Văn", first_name="Hùng")
    audit = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=plan,
        method=Audit.Method.ON_SITE,
        title="Kiểm tra việc áp dụng HTQLCL tại UBND xã Tiến Dũng",
        decision_number="25/QĐ-SKHCN",
        decision_date=datetime.date(2026, 9, 1),
        planned_start=datetime.date(2026, 9, 15),
        planned_end=datetime.date(2026, 9, 15),
        actual_start=datetime.date(2026, 9, 15),
        actual_end=datetime.date(2026, 9, 15),
        status=Audit.Status.REPORTED,
        reported_at=timezone.now(),
        lead_auditor=inspector,
        conclusion="Cơ quan duy trì HTQLCL phù hợp.",
    )
    clause = ClauseFactory(number="7.5", title_vi="Thông tin dạng văn bản")
    ChecklistLine.objects.create(
        audit=audit, order=1, clause=clause, requirement="Kiểm soát tài liệu", result="conforming"
    )
    ChecklistLine.objects.create(
        audit=audit, order=2, clause=clause, requirement="Lưu hồ sơ", result="nonconforming"
    )
    finding = FindingFactory(audit=audit, clause=clause, description="Sổ theo dõi hồ sơ ghi chưa đầy đủ")
    ActionFactory(
        finding=finding, due_date=datetime.date(2026, 11, 15), correction="Bổ sung sổ theo dõi hồ sơ"
    )
    FindingFactory(audit=audit, grade=Finding.Grade.OBSERVATION, description="Nên số hóa hồ sơ lưu")
    MembershipFactory(
        user=UserFactory(username="chutich", last_name="Phạm Văn", first_name="Đức"),
        role=Role.AGENCY_LEADER,
        agency=agency,
    )
    return audit


def minutes_report(audit) -> Report:
    return Report.objects.create(kind=Kind.INSPECTION_MINUTES, audit=audit, agency=audit.agency, year=2026)


def test_inspection_minutes_print_decision_findings_corrections_and_deadlines(inspection):
    _context, pdf = render(minutes_report(inspection))
    text = pdf_text(pdf)

    assert "BIÊN BẢN KIỂM TRA" in text
    assert "UBND xã Tiến Dũng" in text
    assert "25/QĐ-SKHCN, 01/09/2026" in text
    assert "Conforming: 1; Nonconforming: 1" in text
    assert "2 findings, of which nonconformities: 1." in text
    assert "Sổ theo dõi hồ sơ ghi chưa" in text  # the cell wraps
    assert "Bổ sung sổ theo dõi hồ sơ" in text
    assert "15/11/2026" in text
    assert "by 15/11/2026, within two months of the inspection" in text
    assert "Trần Văn Hùng" in text  # head of the team
    assert "Phạm Văn Đức" in text  # for the inspected agency


def test_inspection_minutes_reuse_the_audit_report_context(inspection):
    context, _pdf = render(minutes_report(inspection))

    assert context["document_title"] == "BIÊN BẢN KIỂM TRA"
    assert context["lead_auditor"] == "Trần Văn Hùng"
    assert [finding.description for finding in context["findings"]][0] == "Sổ theo dõi hồ sơ ghi chưa đầy đủ"


def test_minutes_of_an_internal_audit_are_refused(agency):
    audit = AuditFactory(agency=agency)

    with pytest.raises(ValueError, match="provincial inspections only"), translation.override("en"):
        gather_inspection_minutes(minutes_report(audit))


def test_minutes_gather_queries_do_not_grow_with_findings(inspection):
    clause = ClauseFactory(number="8.5")

    def grow(count: int) -> None:
        start = inspection.checklist.count()
        for index in range(count):
            ChecklistLine.objects.create(
                audit=inspection,
                order=start + index + 1,
                clause=clause,
                requirement="Kiểm tra",
                result="conforming",
            )
            finding = FindingFactory(audit=inspection, clause=clause)
            ActionFactory(finding=finding, owner=UserFactory(), due_date=datetime.date(2026, 12, 1))

    report = minutes_report(inspection)
    grow(1)  # three findings
    small = count_queries(gather_inspection_minutes, report)
    grow(27)  # thirty
    large = count_queries(gather_inspection_minutes, report)

    assert small == large


def test_minutes_filename_names_agency_year_and_audit(inspection):
    assert (
        inspection_minutes_filename(minutes_report(inspection))
        == f"bien-ban-kiem-tra-XTIENDUNG-2026-{inspection.pk}.pdf"
    )


# --- the declaration of conformity -------------------------------------------------------------------------


def declaration_report(agency) -> Report:
    return Report.objects.create(kind=Kind.DECLARATION, agency=agency, year=2026)


def test_declaration_prints_the_recorded_declaration_in_the_official_layout(agency, leader):
    StatusChangeFactory(agency=agency, status=QmsStatus.APPLIED, changed_on=datetime.date(2025, 1, 10))
    DeclarationFactory(
        agency=agency,
        changed_on=datetime.date(2025, 2, 7),
        decision_number="07/QĐ-UBND",
        decision_date=datetime.date(2025, 2, 7),
        scope="Thủ tục hành chính lĩnh vực hộ tịch\nThủ tục hành chính lĩnh vực chứng thực",
    )

    context, pdf = render(declaration_report(agency))
    text = pdf_text(pdf)

    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND TỈNH HƯNG YÊN" in text
    assert "UBND XÃ TIẾN DŨNG" in text  # the issuing agency, upper-cased by the layout
    assert "07/QĐ-UBND" in text
    assert "Hưng Yên, ngày 07 tháng 02 năm 2025" in text
    assert "CÔNG BỐ" in text
    assert "TCVN ISO 9001:2015" in text
    assert "UBND xã Tiến Dũng declares that its quality management system conforms" in text
    assert "Thủ tục hành chính lĩnh vực hộ tịch" in text and "lĩnh vực chứng thực" in text
    assert "Nguyễn Thị Thu" in text  # the leader signs
    assert context["scope_lines"] == [
        "Thủ tục hành chính lĩnh vực hộ tịch",
        "Thủ tục hành chính lĩnh vực chứng thực",
    ]


def test_declaration_uses_the_latest_declaration(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2019, 6, 1), decision_number="1/QĐ-UBND")
    StatusChange.objects.create(
        agency=agency,
        status=QmsStatus.REDECLARED,
        changed_on=datetime.date(2025, 8, 1),
        decision_number="88/QĐ-UBND",
        decision_date=datetime.date(2025, 7, 30),
        iso_version="2015",
        scope="Toàn bộ thủ tục hành chính sau sáp nhập",
    )

    context, pdf = render(declaration_report(agency))
    text = pdf_text(pdf)

    assert context["declaration"].decision_number == "88/QĐ-UBND"
    assert "88/QĐ-UBND" in text and "1/QĐ-UBND" not in text
    assert "declares anew" in text


def test_declaration_without_a_recorded_declaration_fails_with_its_reason(agency):
    StatusChangeFactory(agency=agency, status=QmsStatus.APPLIED)

    with translation.override("en"), pytest.raises(ValueError) as raised:
        gather_declaration(declaration_report(agency))

    assert str(raised.value) == (
        "UBND xã Tiến Dũng has no recorded declaration of conformity: record the declaration "
        "(decision number and date, ISO version, scope) in its QMS status first."
    )


def test_declaration_filename_is_ascii(agency):
    assert declaration_filename(declaration_report(agency)) == "cong-bo-htqlcl-XTIENDUNG.pdf"


# --- fonts, registry, chart ---------------------------------------------------------------------------


def test_every_kind_embeds_tinos_only(tmp_path, agency, compliance_data, inspection):
    for report in (compliance_report(agency), minutes_report(inspection), declaration_report(agency)):
        _context, pdf = render(report, language="vi")
        names = pdf_font_names(pdf, tmp_path)
        assert names, report.kind
        assert all(name.startswith("Tinos") for name in names), (report.kind, names)


def test_the_three_kinds_are_registered_with_their_templates():
    kinds = reporting.registered()

    assert kinds[Kind.AGENCY_COMPLIANCE].template == "scoring/reports/agency_compliance.html"
    assert kinds[Kind.INSPECTION_MINUTES].template == "scoring/reports/inspection_minutes.html"
    assert kinds[Kind.DECLARATION].template == "scoring/reports/declaration.html"


def test_bar_chart_escapes_labels_scales_bars_and_marks_missing_values():
    with translation.override("en"):
        chart = bar_chart([Bar("<Quý 1>", 50), Bar("Quý 2", None), Bar("Quý 3", 120)], maximum=100)

    assert "&lt;Quý 1&gt;" in chart and "<Quý 1>" not in chart
    assert "50.0%" in chart and "—" in chart
    widths = [float(width) for width in re.findall(r'<rect [^>]*width="([\d.]+)" [^>]*fill="#4d4d4d"', chart)]
    assert widths[0] * 2 == pytest.approx(widths[1])  # 120 is drawn at the maximum, twice 50
