"""Audit programmes and audits through the pages: plan, start, checklist, findings, report, close, PDF."""

import datetime
import shutil
import subprocess
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from agencies.models import Role
from audits.models import Action, Audit, AuditProgramme, ChecklistLine, Clause, Finding
from tests.conftest import require
from tests.factories import (
    ActionFactory,
    AuditFactory,
    AuditProgrammeFactory,
    ClauseFactory,
    FindingFactory,
    InspectionPlanFactory,
    MembershipFactory,
    ProcessFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted word for word, in the source language the user can also choose."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 6, 10)
Status = Audit.Status
Result = ChecklistLine.Result


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


@pytest.fixture
def process(agency):
    return ProcessFactory(agency=agency, code="QT-HT-01", title="Đăng ký khai sinh")


@pytest.fixture
def other_process(other_agency):
    return ProcessFactory(agency=other_agency, code="QT-LH-01", title="Chứng thực bản sao")


@pytest.fixture
def audit(agency):
    return AuditFactory(agency=agency, title="Đánh giá nội bộ đợt 1 năm 2026")


@pytest.fixture
def started(audit):
    Audit.objects.filter(pk=audit.pk).update(
        status=Status.IN_PROGRESS, actual_start=datetime.date(2026, 6, 1)
    )
    audit.refresh_from_db()
    return audit


@pytest.fixture
def reported(started):
    Audit.objects.filter(pk=started.pk).update(
        status=Status.REPORTED,
        actual_end=datetime.date(2026, 6, 3),
        conclusion="Hệ thống phù hợp.",
        reported_at=timezone.now(),
    )
    started.refresh_from_db()
    return started


def clause(number: str) -> Clause:
    return ClauseFactory(number=number)


def url(name: str, audit) -> str:
    return reverse(f"audits:{name}", args=[audit.pk])


def checklist_body(rows: list[dict], initial: int = 0) -> dict:
    """The checklist formset's POST body; each row: clause, requirement, result, evidence (and id, DELETE)."""
    body = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        body[f"lines-{index}-ORDER"] = str(index + 1)
        for key, value in row.items():
            if key == "DELETE":
                if value:
                    body[f"lines-{index}-DELETE"] = "on"
                continue
            body[f"lines-{index}-{key}"] = "" if value is None else str(value)
    return body


def pdf_text(data: bytes) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


# --- the whole way, as the secretary works -------------------------------------------------------


def test_secretary_runs_an_internal_audit_from_programme_to_closing(
    client_as, secretary, leader, agency, process
):
    client = client_as(secretary)
    response = client.post(
        reverse("audits:programme_create"),
        {"agency": agency.pk, "year": "2026", "objectives": "Đánh giá toàn bộ quy trình TTHC"},
    )
    programme = AuditProgramme.objects.get()
    assert response["Location"] == programme.get_absolute_url()

    response = client.post(
        reverse("audits:audit_create"),
        {
            "agency": agency.pk,
            "kind": "internal",
            "programme": programme.pk,
            "title": "Đánh giá nội bộ năm 2026",
            "planned_start": "15/06/2026",
            "planned_end": "17/06/2026",
            "scope_processes": [process.pk],
            "scope_units": "Bộ phận một cửa",
            "lead_auditor": leader.pk,
            "auditors": [secretary.pk],
            "team_note": "Chuyên gia tư vấn",
        },
    )
    audit = Audit.objects.get()
    assert response["Location"] == audit.get_absolute_url()

    client.post(url("audit_start", audit), {"actual_start": "10/06/2026"})
    client.post(url("checklist_edit", audit), {"start_from_clauses": "1"})
    lines = list(audit.checklist.all())
    body = checklist_body(
        [
            {"id": line.pk, "clause": line.clause_id, "requirement": line.requirement, "result": "conforming"}
            for line in lines
        ],
        initial=len(lines),
    )
    assert client.post(url("checklist_edit", audit), body).status_code == 302

    response = client.post(
        url("finding_create", audit),
        {
            "grade": "minor",
            "clause": clause("7.5").pk,
            "process": process.pk,
            "description": "Hồ sơ lưu thiếu Phiếu kiểm soát quá trình",
            "due_date": "31/07/2026",
            "owner": secretary.pk,
        },
    )
    assert response.status_code == 302
    client.post(url("audit_report", audit), {"actual_end": "10/06/2026", "conclusion": "Hệ thống phù hợp."})
    client.post(url("audit_close", audit))

    audit.refresh_from_db()
    action = Action.objects.get()
    assert (audit.status, audit.programme, audit.actual_start, audit.actual_end) == (
        Status.CLOSED,
        programme,
        TODAY,
        TODAY,
    )
    assert (action.finding.audit, action.due_date, action.owner) == (
        audit,
        datetime.date(2026, 7, 31),
        secretary,
    )
    page = client.get(programme.get_absolute_url()).content.decode()
    assert audit.get_absolute_url() in page


# --- programmes ------------------------------------------------------------------------------------


def test_secretary_creates_the_audit_programme_of_a_year(client_as, secretary, agency):
    response = client_as(secretary).post(
        reverse("audits:programme_create"), {"agency": agency.pk, "year": "2026", "objectives": "Mục tiêu"}
    )
    programme = AuditProgramme.objects.get()
    assert response.status_code == 302
    assert (programme.agency, programme.year, programme.objectives, programme.created_by) == (
        agency,
        2026,
        "Mục tiêu",
        secretary,
    )


def test_a_second_programme_for_the_same_year_is_refused(client_as, secretary, agency):
    AuditProgrammeFactory(agency=agency, year=2026, objectives="Cũ")
    response = client_as(secretary).post(
        reverse("audits:programme_create"), {"agency": agency.pk, "year": "2026", "objectives": "Mới"}
    )
    assert response.status_code == 400
    assert list(AuditProgramme.objects.values_list("objectives", flat=True)) == ["Cũ"]


def test_leader_edits_the_programme_objectives(client_as, leader, agency):
    programme = AuditProgrammeFactory(agency=agency, objectives="Cũ")
    response = client_as(leader).post(programme.get_absolute_url(), {"objectives": "Mới"})
    programme.refresh_from_db()
    assert response.status_code == 302
    assert programme.objectives == "Mới"


def test_staff_cannot_create_or_edit_a_programme(client_as, staff_user, agency):
    programme = AuditProgrammeFactory(agency=agency, objectives="Cũ")
    client = client_as(staff_user)
    assert client.get(reverse("audits:programme_create")).status_code == 403
    response = client.post(
        reverse("audits:programme_create"), {"agency": agency.pk, "year": "2027", "objectives": "x"}
    )
    assert response.status_code == 403
    assert client.post(programme.get_absolute_url(), {"objectives": "Mới"}).status_code == 403
    assert list(AuditProgramme.objects.values_list("year", "objectives")) == [(2026, "Cũ")]


def test_programme_page_lists_its_audits_with_status_and_findings(client_as, staff_user, agency):
    programme = AuditProgrammeFactory(agency=agency)
    audit = AuditFactory(agency=agency, programme=programme, title="Đợt 1", status=Status.REPORTED)
    FindingFactory(audit=audit, grade=Finding.Grade.MINOR)
    FindingFactory(audit=audit, grade=Finding.Grade.OBSERVATION)
    AuditFactory(agency=agency, title="Ngoài chương trình")
    response = client_as(staff_user).get(programme.get_absolute_url())
    audits = list(response.context["audits"])
    assert [(a.title, a.status, a.finding_count, a.nonconformity_count) for a in audits] == [
        ("Đợt 1", Status.REPORTED, 2, 1)
    ]


def test_programme_list_filters_by_year_and_exports(client_as, reviewer, agency, other_agency):
    AuditProgrammeFactory(agency=agency, year=2026, objectives="Năm nay")
    AuditProgrammeFactory(agency=other_agency, year=2026)
    AuditProgrammeFactory(agency=agency, year=2025)
    client = client_as(reviewer)
    response = client.get(reverse("audits:programme_list"), {"year": "2026", "agency": str(agency.pk)})
    assert [(p.agency, p.year) for p in response.context["page_obj"]] == [(agency, 2026)]
    response = client.get(reverse("audits:programme_list"), {"year": "2026", "export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert sorted(rows) == [("UBND xã Long Hưng", 2026, None, 0), ("UBND xã Tiến Dũng", 2026, "Năm nay", 0)]


def test_programme_of_another_agency_is_not_found(client_as, secretary, other_agency):
    programme = AuditProgrammeFactory(agency=other_agency)
    assert client_as(secretary).get(programme.get_absolute_url()).status_code == 404


# --- planning an audit -----------------------------------------------------------------------------


def plan_body(agency, **changes) -> dict:
    return {
        "agency": agency.pk,
        "kind": "internal",
        "title": "Đánh giá nội bộ",
        "planned_start": "15/06/2026",
        "planned_end": "17/06/2026",
        **changes,
    }


def test_secretary_plans_an_audit_with_its_scope_and_team(client_as, secretary, leader, agency, process):
    response = client_as(secretary).post(
        reverse("audits:audit_create"),
        plan_body(
            agency,
            kind="external",
            scope_processes=[process.pk],
            scope_units="Bộ phận một cửa\nVăn phòng",
            lead_auditor=leader.pk,
            auditors=[secretary.pk, leader.pk],
            team_note="Ông Trần Văn A (tư vấn)",
        ),
    )
    audit = Audit.objects.get()
    assert response.status_code == 302
    assert (audit.agency, audit.kind, audit.status, audit.planned_start, audit.planned_end) == (
        agency,
        Audit.Kind.EXTERNAL,
        Status.PLANNED,
        datetime.date(2026, 6, 15),
        datetime.date(2026, 6, 17),
    )
    assert list(audit.scope_processes.all()) == [process]
    assert (audit.scope_units, audit.lead_auditor, audit.team_note, audit.created_by) == (
        "Bộ phận một cửa\nVăn phòng",
        leader,
        "Ông Trần Văn A (tư vấn)",
        secretary,
    )
    assert set(audit.auditors.all()) == {secretary, leader}


def test_plan_form_offers_only_the_agency_processes_and_members(
    client_as, secretary, leader, other_leader, agency, process, other_process
):
    form = client_as(secretary).get(reverse("audits:audit_create")).context["form"]
    assert list(form.fields["scope_processes"].queryset) == [process]
    assert set(form.fields["auditors"].queryset) == {secretary, leader}
    assert set(form.fields["lead_auditor"].queryset) == {secretary, leader}
    assert list(form.fields["agency"].queryset) == [agency]
    assert list(form.fields["kind"].choices) == [
        ("internal", Audit.Kind.INTERNAL.label),
        ("external", Audit.Kind.EXTERNAL.label),
    ]


def test_a_user_editing_two_agencies_chooses_the_audited_agency_first(
    client_as, secretary, other_agency, process, other_process
):
    MembershipFactory(user=secretary, agency=other_agency, role=Role.ISO_SECRETARY)
    client = client_as(secretary)
    first = client.get(reverse("audits:audit_create")).context["form"]
    chosen = client.get(reverse("audits:audit_create"), {"agency": other_agency.pk}).context["form"]
    assert list(first.fields["scope_processes"].queryset) == [other_process]  # Long Hưng sorts first
    assert list(chosen.fields["scope_processes"].queryset) == [other_process]
    chosen = client.get(reverse("audits:audit_create"), {"agency": process.agency_id}).context["form"]
    assert list(chosen.fields["scope_processes"].queryset) == [process]


@pytest.mark.parametrize("field", ["scope_processes", "lead_auditor", "auditors"])
def test_plan_with_another_agency_process_or_person_is_refused(
    client_as, secretary, other_leader, agency, other_process, field
):
    value = other_process.pk if field == "scope_processes" else other_leader.pk
    response = client_as(secretary).post(reverse("audits:audit_create"), plan_body(agency, **{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Audit.objects.exists()


def test_plan_for_an_agency_the_user_does_not_edit_is_refused(client_as, secretary, other_agency):
    response = client_as(secretary).post(reverse("audits:audit_create"), plan_body(other_agency))
    assert response.status_code == 400
    assert not Audit.objects.exists()


def test_programme_of_another_year_is_refused(client_as, secretary, agency):
    programme = AuditProgrammeFactory(agency=agency, year=2025)
    response = client_as(secretary).post(
        reverse("audits:audit_create"), plan_body(agency, programme=programme.pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["programme"] == [
        "The programme of 2025 covers audits starting in 2025."
    ]
    assert not Audit.objects.exists()


def test_plan_ending_before_it_starts_keeps_what_was_typed(client_as, secretary, agency):
    response = client_as(secretary).post(
        reverse("audits:audit_create"), plan_body(agency, planned_end="01/06/2026", title="Giữ lại")
    )
    assert response.status_code == 400
    assert 'value="Giữ lại"' in response.content.decode()
    assert not Audit.objects.exists()


def test_staff_cannot_plan_an_audit(client_as, staff_user, agency):
    client = client_as(staff_user)
    assert client.get(reverse("audits:audit_create")).status_code == 403
    assert client.post(reverse("audits:audit_create"), plan_body(agency)).status_code == 403
    assert not Audit.objects.exists()


def test_secretary_edits_the_plan_while_the_audit_is_in_progress(client_as, secretary, started, process):
    response = client_as(secretary).post(
        url("audit_edit", started),
        {
            "title": "Tên mới",
            "planned_start": "01/06/2026",
            "planned_end": "05/06/2026",
            "scope_processes": [process.pk],
        },
    )
    started.refresh_from_db()
    assert response.status_code == 302
    assert (started.title, started.planned_end, list(started.scope_processes.all())) == (
        "Tên mới",
        datetime.date(2026, 6, 5),
        [process],
    )


def test_plan_of_a_reported_audit_cannot_change(client_as, secretary, reported):
    response = client_as(secretary).post(
        url("audit_edit", reported),
        {"title": "Tên mới", "planned_start": "01/06/2026", "planned_end": "05/06/2026"},
    )
    reported.refresh_from_db()
    assert response.status_code == 302
    assert reported.title == "Đánh giá nội bộ đợt 1 năm 2026"


# --- starting, reporting, closing ------------------------------------------------------------------


def test_secretary_starts_a_planned_audit(client_as, secretary, audit):
    response = client_as(secretary).post(url("audit_start", audit), {"actual_start": "09/06/2026"})
    audit.refresh_from_db()
    assert response.status_code == 302
    assert (audit.status, audit.actual_start) == (Status.IN_PROGRESS, datetime.date(2026, 6, 9))


def test_an_audit_cannot_start_in_the_future(client_as, secretary, audit):
    response = client_as(secretary).post(url("audit_start", audit), {"actual_start": "11/06/2026"})
    audit.refresh_from_db()
    assert response.status_code == 400
    assert response.context["start_form"].errors["actual_start"] == ["An audit cannot start in the future."]
    assert (audit.status, audit.actual_start) == (Status.PLANNED, None)


def test_staff_cannot_start_an_audit(client_as, staff_user, audit):
    response = client_as(staff_user).post(url("audit_start", audit), {"actual_start": "09/06/2026"})
    audit.refresh_from_db()
    assert response.status_code == 403
    assert audit.status == Status.PLANNED


def test_report_is_refused_while_a_checklist_line_is_not_checked(client_as, secretary, started):
    ChecklistLine.objects.create(audit=started, order=1, requirement="Chính sách", result=Result.CONFORMING)
    ChecklistLine.objects.create(audit=started, order=2, requirement="Mục tiêu")
    response = client_as(secretary).post(
        url("audit_report", started), {"actual_end": "09/06/2026", "conclusion": "Phù hợp"}
    )
    started.refresh_from_db()
    assert response.status_code == 400
    assert response.context["report_form"].non_field_errors() == [
        "1 checklist line(s) have no result yet: record a result for every line."
    ]
    assert "Phù hợp</textarea>" in response.content.decode()
    assert (started.status, started.actual_end, started.conclusion) == (Status.IN_PROGRESS, None, "")


def test_report_is_refused_without_a_conclusion(client_as, secretary, started):
    response = client_as(secretary).post(
        url("audit_report", started), {"actual_end": "09/06/2026", "conclusion": " "}
    )
    started.refresh_from_db()
    assert response.status_code == 400
    assert "conclusion" in response.context["report_form"].errors
    assert (started.status, started.actual_end) == (Status.IN_PROGRESS, None)


def test_report_is_refused_without_an_end_date(client_as, secretary, started):
    response = client_as(secretary).post(
        url("audit_report", started), {"actual_end": "", "conclusion": "Phù hợp"}
    )
    started.refresh_from_db()
    assert response.status_code == 400
    assert "actual_end" in response.context["report_form"].errors
    assert started.status == Status.IN_PROGRESS


def test_secretary_reports_an_audit_with_every_line_checked(client_as, secretary, started):
    ChecklistLine.objects.create(audit=started, order=1, requirement="Chính sách", result=Result.CONFORMING)
    response = client_as(secretary).post(
        url("audit_report", started), {"actual_end": "09/06/2026", "conclusion": "Hệ thống phù hợp."}
    )
    started.refresh_from_db()
    assert response.status_code == 302
    assert (started.status, started.actual_end, started.conclusion) == (
        Status.REPORTED,
        datetime.date(2026, 6, 9),
        "Hệ thống phù hợp.",
    )
    assert started.reported_at is not None


def test_leader_closes_a_reported_audit(client_as, leader, reported):
    response = client_as(leader).post(url("audit_close", reported))
    reported.refresh_from_db()
    assert response.status_code == 302
    assert reported.status == Status.CLOSED
    assert reported.closed_at is not None


def test_an_audit_in_progress_cannot_be_closed(client_as, leader, started):
    client_as(leader).post(url("audit_close", started))
    started.refresh_from_db()
    assert (started.status, started.closed_at) == (Status.IN_PROGRESS, None)


def test_staff_cannot_close_an_audit(client_as, staff_user, reported):
    response = client_as(staff_user).post(url("audit_close", reported))
    reported.refresh_from_db()
    assert response.status_code == 403
    assert (reported.status, reported.closed_at) == (Status.REPORTED, None)


def test_reviewer_reads_an_internal_audit_but_cannot_close_it(client_as, reviewer, reported):
    client = client_as(reviewer)
    assert client.get(reported.get_absolute_url()).status_code == 200
    assert client.post(url("audit_close", reported)).status_code == 403
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED


def test_another_agency_audit_is_not_found(client_as, other_leader, reported):
    client = client_as(other_leader)
    for name in ("audit_detail", "audit_edit", "checklist_edit", "finding_create", "audit_pdf"):
        assert client.get(url(name, reported)).status_code == 404
    assert client.post(url("audit_close", reported)).status_code == 404
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED


def test_foreign_reviewer_does_not_find_the_audit(client_as, foreign_reviewer, audit):
    assert client_as(foreign_reviewer).get(audit.get_absolute_url()).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, audit):
    response = client.get(audit.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_audit_page_shows_scope_team_checklist_findings_and_conclusion(
    client_as, staff_user, leader, reported, process
):
    reported.scope_processes.set([process])
    reported.lead_auditor = leader
    reported.save()
    ChecklistLine.objects.create(
        audit=reported,
        order=1,
        clause=clause("5.2"),
        requirement="Chính sách chất lượng",
        result=Result.CONFORMING,
    )
    action = ActionFactory(
        finding=FindingFactory(audit=reported, description="Thiếu hồ sơ lưu", process=process)
    )
    response = client_as(staff_user).get(reported.get_absolute_url())
    page = response.content.decode()
    for text in (
        "QT-HT-01",
        "Nguyễn Thị Thu",
        "Chính sách chất lượng",
        "Thiếu hồ sơ lưu",
        "Hệ thống phù hợp.",
    ):
        assert text in page
    assert action.get_absolute_url() in page
    assert not (response.context["can_close"] or response.context["can_edit"])


def test_audit_page_shows_open_nonconformities_of_earlier_audits_on_the_same_processes(
    client_as, secretary, agency, audit, process
):
    audit.scope_processes.set([process])
    earlier = AuditFactory(agency=agency, title="Năm trước", status=Status.CLOSED)
    action = ActionFactory(finding=FindingFactory(audit=earlier, process=process))
    ActionFactory(finding=FindingFactory(audit=earlier, process=process), status=Action.Status.CLOSED)
    response = client_as(secretary).get(audit.get_absolute_url())
    assert list(response.context["earlier_nonconformities"]) == [action]


# --- checklist -------------------------------------------------------------------------------------


def test_start_from_clauses_adds_one_line_per_main_clause(client_as, secretary, audit):
    response = client_as(secretary).post(url("checklist_edit", audit), {"start_from_clauses": "1"})
    main = [c for c in Clause.objects.filter(standard="2015") if c.number.count(".") == 1]
    lines = list(audit.checklist.select_related("clause"))
    assert response.status_code == 302
    assert [(line.order, line.clause, line.requirement, line.result) for line in lines] == [
        (index, c, c.title, Result.NOT_CHECKED) for index, c in enumerate(main, start=1)
    ]
    assert (lines[0].clause.number, lines[-1].clause.number) == ("4.1", "10.3")


def test_start_from_clauses_leaves_an_existing_checklist_alone(client_as, secretary, audit):
    ChecklistLine.objects.create(audit=audit, order=1, requirement="Tự soạn")
    client_as(secretary).post(url("checklist_edit", audit), {"start_from_clauses": "1"})
    assert list(audit.checklist.values_list("requirement", flat=True)) == ["Tự soạn"]


def test_checklist_clause_choices_show_number_and_title(client_as, secretary, audit):
    response = client_as(secretary).get(url("checklist_edit", audit))
    choices = response.context["formset"].empty_form.fields["clause"].choices
    labels = [label for _value, label in choices]
    assert "8.5 Production and service provision" in labels
    assert all(c.standard == "2015" for c in response.context["formset"].clause_queryset)


def test_secretary_fills_the_checklist_in_one_page(client_as, secretary, started):
    body = checklist_body(
        [
            {
                "clause": clause("5.2").pk,
                "requirement": "Chính sách",
                "result": "conforming",
                "evidence": "QĐ 12",
            },
            {"clause": "", "requirement": "Niêm yết", "result": "observation", "evidence": ""},
        ]
    )
    response = client_as(secretary).post(url("checklist_edit", started), body)
    assert response.status_code == 302
    assert list(
        started.checklist.values_list("order", "clause__number", "requirement", "result", "evidence")
    ) == [
        (1, "5.2", "Chính sách", "conforming", "QĐ 12"),
        (2, None, "Niêm yết", "observation", ""),
    ]


def test_checklist_lines_are_removed_and_reordered(client_as, secretary, started):
    first = ChecklistLine.objects.create(audit=started, order=1, requirement="Một")
    second = ChecklistLine.objects.create(audit=started, order=2, requirement="Hai")
    third = ChecklistLine.objects.create(audit=started, order=3, requirement="Ba")
    body = checklist_body(
        [
            {"id": third.pk, "requirement": "Ba", "result": "conforming"},
            {"id": first.pk, "requirement": "Một", "result": "nonconforming"},
            {"id": second.pk, "requirement": "Hai", "result": "not_checked", "DELETE": True},
        ],
        initial=3,
    )
    response = client_as(secretary).post(url("checklist_edit", started), body)
    assert response.status_code == 302
    assert list(started.checklist.values_list("pk", "order", "result")) == [
        (third.pk, 1, "conforming"),
        (first.pk, 2, "nonconforming"),
    ]


def test_results_wait_until_the_audit_starts(client_as, secretary, audit):
    body = checklist_body([{"requirement": "Chính sách", "result": "conforming"}])
    response = client_as(secretary).post(url("checklist_edit", audit), body)
    assert response.status_code == 400
    assert response.context["errors"] == ["Results are recorded once the audit has started."]
    assert not audit.checklist.exists()


def test_checklist_of_a_reported_audit_cannot_change(client_as, secretary, reported):
    line = ChecklistLine.objects.create(audit=reported, order=1, requirement="Một", result=Result.CONFORMING)
    body = checklist_body([{"id": line.pk, "requirement": "Khác", "result": "conforming"}], initial=1)
    client_as(secretary).post(url("checklist_edit", reported), body)
    line.refresh_from_db()
    assert line.requirement == "Một"


def test_staff_cannot_edit_the_checklist(client_as, staff_user, started):
    body = checklist_body([{"requirement": "Chính sách", "result": "conforming"}])
    assert client_as(staff_user).post(url("checklist_edit", started), body).status_code == 403
    assert not started.checklist.exists()


# --- findings --------------------------------------------------------------------------------------


def finding_body(**changes) -> dict:
    return {"grade": "minor", "description": "Hồ sơ lưu thiếu Phiếu kiểm soát quá trình", **changes}


def test_minor_nonconformity_opens_its_corrective_action_with_due_date_and_owner(
    client_as, secretary, staff_user, agency, started, process
):
    response = client_as(secretary).post(
        url("finding_create", started),
        finding_body(
            clause=clause("8.5").pk,
            process=process.pk,
            evidence="Hồ sơ số 12",
            due_date="15/07/2026",
            owner=staff_user.pk,
        ),
    )
    finding = Finding.objects.get()
    action = Action.objects.get()
    assert response.status_code == 302
    assert (finding.audit, finding.grade, finding.clause.number, finding.process, finding.raised_by) == (
        started,
        Finding.Grade.MINOR,
        "8.5",
        process,
        secretary,
    )
    assert (action.finding, action.agency, action.source, action.due_date, action.owner, action.status) == (
        finding,
        agency,
        Action.Source.NONCONFORMITY,
        datetime.date(2026, 7, 15),
        staff_user,
        Action.Status.OPEN,
    )
    page = client_as(secretary).get(started.get_absolute_url()).content.decode()
    assert action.get_absolute_url() in page


def test_internal_audit_offers_a_due_date_a_month_after_the_audit(client_as, secretary, started):
    form = client_as(secretary).get(url("finding_create", started)).context["form"]
    assert form["due_date"].value() == datetime.date(2026, 7, 3)  # planned end 03/06 + 30 days


def test_nonconformity_without_a_due_date_is_refused(client_as, secretary, started):
    response = client_as(secretary).post(url("finding_create", started), finding_body(due_date=""))
    assert response.status_code == 400
    assert "due_date" in response.context["form"].errors
    assert not Finding.objects.exists()
    assert not Action.objects.exists()


def test_observation_opens_no_corrective_action(client_as, secretary, started):
    response = client_as(secretary).post(
        url("finding_create", started), finding_body(grade="observation", due_date="")
    )
    assert response.status_code == 302
    assert Finding.objects.get().grade == Finding.Grade.OBSERVATION
    assert not Action.objects.exists()


def test_owner_from_another_agency_is_refused(client_as, secretary, other_leader, started):
    response = client_as(secretary).post(
        url("finding_create", started), finding_body(due_date="15/07/2026", owner=other_leader.pk)
    )
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert not Finding.objects.exists()


def test_process_from_another_agency_is_refused(client_as, secretary, started, other_process):
    response = client_as(secretary).post(
        url("finding_create", started), finding_body(due_date="15/07/2026", process=other_process.pk)
    )
    assert response.status_code == 400
    assert not Finding.objects.exists()


def test_findings_wait_until_the_audit_starts(client_as, secretary, audit):
    response = client_as(secretary).post(url("finding_create", audit), finding_body(due_date="15/07/2026"))
    assert response.status_code == 302
    assert not Finding.objects.exists()


def test_findings_can_still_be_recorded_while_reporting(client_as, secretary, reported):
    response = client_as(secretary).post(url("finding_create", reported), finding_body(due_date="15/07/2026"))
    assert response.status_code == 302
    assert Action.objects.get().due_date == datetime.date(2026, 7, 15)


def test_staff_cannot_record_a_finding(client_as, staff_user, started):
    response = client_as(staff_user).post(url("finding_create", started), finding_body(due_date="15/07/2026"))
    assert response.status_code == 403
    assert not Finding.objects.exists()


# --- inspections reuse the audit pages ---------------------------------------------------------------


@pytest.fixture
def inspection(province, agency):
    return AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=InspectionPlanFactory(province=province),
        method=Audit.Method.ON_SITE,
        title="Kiểm tra việc áp dụng HTQLCL năm 2026",
    )


def test_reviewer_starts_an_inspection_the_agency_only_reads(client_as, reviewer, secretary, inspection):
    assert (
        client_as(secretary).post(url("audit_start", inspection), {"actual_start": "09/06/2026"}).status_code
        == 403
    )
    response = client_as(reviewer).post(url("audit_start", inspection), {"actual_start": "09/06/2026"})
    inspection.refresh_from_db()
    assert response.status_code == 302
    assert inspection.status == Status.IN_PROGRESS


def test_inspection_team_is_chosen_among_the_province_reviewers(client_as, reviewer, secretary, inspection):
    form = client_as(reviewer).get(url("audit_edit", inspection)).context["form"]
    assert list(form.fields["lead_auditor"].queryset) == [reviewer]
    assert "programme" not in form.fields and "kind" not in form.fields


def test_inspection_page_links_the_plan_for_the_province_only(client_as, reviewer, secretary, inspection):
    plan_url = inspection.plan.get_absolute_url()
    assert plan_url in client_as(reviewer).get(inspection.get_absolute_url()).content.decode()
    assert plan_url not in client_as(secretary).get(inspection.get_absolute_url()).content.decode()


# --- PDF -------------------------------------------------------------------------------------------


def test_internal_audit_pdf_prints_the_report_in_vietnamese(client_as, staff_user, leader, reported, process):
    reported.lead_auditor = leader
    reported.save()
    reported.scope_processes.set([process])
    ChecklistLine.objects.create(
        audit=reported,
        order=1,
        clause=clause("5.2"),
        requirement="Chính sách chất lượng",
        result=Result.CONFORMING,
    )
    FindingFactory(audit=reported, description="Hồ sơ lưu thiếu Phiếu kiểm soát quá trình")
    response = client_as(staff_user).get(url("audit_pdf", reported))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "BÁO CÁO ĐÁNH GIÁ NỘI BỘ" in text
    assert "UBND XÃ TIẾN DŨNG" in text
    assert "Hưng Yên, ngày 03 tháng 6 năm 2026" in text
    for printed in (
        "Đánh giá nội bộ đợt 1 năm 2026",
        "Chính sách chất lượng",
        "Hồ sơ lưu thiếu Phiếu kiểm soát",
    ):
        assert printed in text
    assert "Nguyễn Thị Thu" in text


@pytest.mark.parametrize(
    ("kind", "title"),
    [(Audit.Kind.EXTERNAL, "BÁO CÁO ĐÁNH GIÁ"), (Audit.Kind.INSPECTION, "BIÊN BẢN KIỂM TRA")],
)
def test_pdf_title_follows_the_kind_of_audit(client_as, secretary, agency, province, kind, title):
    extra = (
        {"plan": InspectionPlanFactory(province=province), "method": "on_site"}
        if kind == "inspection"
        else {}
    )
    audit = AuditFactory(agency=agency, kind=kind, **extra)
    text = pdf_text(client_as(secretary).get(url("audit_pdf", audit)).content)
    assert title in text
    assert "BÁO CÁO ĐÁNH GIÁ NỘI BỘ" not in text


# --- the list --------------------------------------------------------------------------------------


def test_list_shows_the_user_agency_audits_only(client_as, secretary, agency, other_agency):
    AuditFactory(agency=agency, title="Của xã Tiến Dũng")
    AuditFactory(agency=other_agency, title="Của xã Long Hưng")
    response = client_as(secretary).get(reverse("audits:audit_list"))
    assert [a.title for a in response.context["page_obj"]] == ["Của xã Tiến Dũng"]


def test_list_search_ignores_case_and_diacritics(client_as, secretary, agency):
    AuditFactory(agency=agency, title="Đánh giá nội bộ đợt 1")
    AuditFactory(agency=agency, title="Chứng nhận bên ngoài")
    response = client_as(secretary).get(reverse("audits:audit_list"), {"q": "DANH GIA noi bo"})
    assert [a.title for a in response.context["page_obj"]] == ["Đánh giá nội bộ đợt 1"]


def test_list_filters_by_kind_status_year_and_agency(client_as, reviewer, agency, other_agency):
    wanted = AuditFactory(agency=agency, kind="external", status=Status.REPORTED, title="Đúng")
    AuditFactory(agency=agency, kind="internal", status=Status.REPORTED)
    AuditFactory(agency=agency, kind="external", status=Status.PLANNED)
    AuditFactory(
        agency=agency,
        kind="external",
        status=Status.REPORTED,
        planned_start=datetime.date(2025, 6, 1),
        planned_end=datetime.date(2025, 6, 2),
    )
    AuditFactory(agency=other_agency, kind="external", status=Status.REPORTED)
    response = client_as(reviewer).get(
        reverse("audits:audit_list"),
        {"kind": "external", "status": "reported", "year": "2026", "agency": str(agency.pk)},
    )
    assert list(response.context["page_obj"]) == [wanted]
    assert response.context["years"] == [2026, 2025]


def test_list_exports_what_the_filters_show(client_as, secretary, agency):
    audit = AuditFactory(agency=agency, title="Đợt 1", status=Status.REPORTED)
    FindingFactory(audit=audit, grade=Finding.Grade.MAJOR)
    FindingFactory(audit=audit, grade=Finding.Grade.IMPROVEMENT)
    AuditFactory(agency=agency, title="Đợt 2")
    response = client_as(secretary).get(
        reverse("audits:audit_list"), {"status": "reported", "export": "xlsx"}
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], row[3].date(), row[9], row[10]) for row in rows] == [
        ("UBND xã Tiến Dũng", "Đợt 1", datetime.date(2026, 6, 1), 2, 1)
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_audit_list_query_count_is_flat(client_as, secretary, agency, django_assert_num_queries, size):
    lead = UserFactory()
    MembershipFactory(user=lead, agency=agency, role=Role.AGENCY_LEADER)
    for index in range(size):
        audit = AuditFactory(agency=agency, title=f"Đợt {index}", lead_auditor=lead)
        FindingFactory(audit=audit)
    client = client_as(secretary)
    # Expect 8 queries: session, user, memberships, agencies merged into the user's (grants), agencies for
    # the filter, years with audits, count, and the page of audits (agency, lead auditor, finding counts).
    with django_assert_num_queries(8):
        response = client.get(reverse("audits:audit_list"))
    assert len(response.context["page_obj"]) == min(size, 25)
