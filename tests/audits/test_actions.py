"""Nonconformities with their corrective actions, and management review decisions: one tracking, from open
to closed, with evidence, the list and the home panel."""

import datetime
import io
import zipfile
from io import BytesIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from agencies.models import Role
from audits.models import Action, Audit, Evidence, Finding, Verification
from audits.services import actions as service
from tests.factories import (
    ActionFactory,
    AuditFactory,
    FindingFactory,
    InspectionPlanFactory,
    ManagementReviewFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 20)
NOW = datetime.datetime(2026, 7, 20, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội
Status = Action.Status


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def login(client_as):
    """A logged-in client reading the portal in English, so assertions can quote the page."""

    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def nonconformity(agency, *, owner=None, status=Status.OPEN, due_date=datetime.date(2026, 8, 1), **fields):
    finding = FindingFactory(audit=AuditFactory(agency=agency), **fields.pop("finding", {}))
    return ActionFactory(finding=finding, owner=owner, status=status, due_date=due_date, **fields)


def inspection_action(agency, **fields):
    plan = InspectionPlanFactory(province=agency.province)
    audit = AuditFactory(agency=agency, kind=Audit.Kind.INSPECTION, plan=plan, method=Audit.Method.ON_SITE)
    return ActionFactory(finding=FindingFactory(audit=audit), **fields)


def decision(agency, *, owner=None, status=Status.OPEN, **fields):
    review = ManagementReviewFactory(agency=agency)
    return Action.objects.create(
        agency=agency,
        source=Action.Source.REVIEW_DECISION,
        review=review,
        title=fields.pop("title", "Bổ sung máy scan cho bộ phận một cửa"),
        owner=owner,
        status=status,
        due_date=datetime.date(2026, 9, 30),
        **fields,
    )


def implemented(agency, owner, **fields):
    return nonconformity(
        agency,
        owner=owner,
        status=Status.IMPLEMENTED,
        root_cause="Chưa phổ biến quy trình cho công chức mới",
        action_plan="Tập huấn lại quy trình",
        implementation_note="Đã tập huấn ngày 10/07/2026",
        implemented_at=NOW,
        **fields,
    )


def step(client, action, **data):
    """Post a step form as loaded now: with the action's current version."""
    data.setdefault("version", Action.objects.get(pk=action.pk).version)
    return client.post(reverse("audits:action_step", args=[action.pk]), data)


def snapshot(action):
    """The fields a refused step must leave as they were."""
    action = Action.objects.get(pk=action.pk)
    return (
        action.status,
        action.root_cause,
        action.action_plan,
        action.implementation_note,
        action.effectiveness_note,
        action.due_date,
        action.owner_id,
        action.history.count(),
        Verification.objects.filter(action=action).count(),
    )


# --- raising ------------------------------------------------------------------------------------------


def test_a_minor_nonconformity_becomes_an_open_action_of_the_audited_agency(agency, secretary, staff_user):
    finding = FindingFactory(
        audit=AuditFactory(agency=agency), description="Hồ sơ lưu  chưa đủ\nPhiếu kiểm soát quá trình"
    )
    action = service.nonconformity_raise(
        finding=finding, due_date=datetime.date(2026, 9, 1), owner=staff_user, acting_user=secretary
    )
    action.refresh_from_db()
    assert (action.agency, action.source, action.finding, action.status, action.owner, action.due_date) == (
        agency,
        Action.Source.NONCONFORMITY,
        finding,
        Status.OPEN,
        staff_user,
        datetime.date(2026, 9, 1),
    )
    assert action.title == "Hồ sơ lưu chưa đủ Phiếu kiểm soát quá trình"
    assert action.history.get().history_user == secretary


def test_an_observation_is_not_raised_as_a_nonconformity(agency, secretary):
    finding = FindingFactory(audit=AuditFactory(agency=agency), grade=Finding.Grade.OBSERVATION)
    with pytest.raises(ValidationError):
        service.nonconformity_raise(finding=finding, due_date=TODAY, acting_user=secretary)
    assert not Action.objects.exists()


def test_the_owner_of_a_nonconformity_must_be_a_member_of_the_agency(agency, secretary, other_leader):
    finding = FindingFactory(audit=AuditFactory(agency=agency))
    with pytest.raises(ValidationError) as raised:
        service.nonconformity_raise(
            finding=finding, due_date=TODAY, owner=other_leader, acting_user=secretary
        )
    assert list(raised.value.message_dict) == ["owner"]
    assert not Action.objects.exists()


def test_a_finding_is_tracked_only_once(agency, secretary):
    finding = FindingFactory(audit=AuditFactory(agency=agency))
    service.nonconformity_raise(finding=finding, due_date=TODAY, acting_user=secretary)
    with pytest.raises(ValidationError):
        service.nonconformity_raise(finding=finding, due_date=TODAY, acting_user=secretary)
    assert Action.objects.count() == 1


def test_a_review_decision_is_tracked_as_an_action_of_the_reviewing_agency(agency, leader, staff_user):
    review = ManagementReviewFactory(agency=agency)
    action = service.review_decision_add(
        review=review,
        title="  Bổ sung máy scan ",
        owner=staff_user,
        due_date=datetime.date(2026, 12, 31),
        acting_user=leader,
    )
    action.refresh_from_db()
    assert (action.agency, action.source, action.review, action.title, action.status) == (
        agency,
        Action.Source.REVIEW_DECISION,
        review,
        "Bổ sung máy scan",
        Status.OPEN,
    )


def test_the_owner_of_a_review_decision_must_be_a_member_of_the_agency(agency, leader, reviewer):
    review = ManagementReviewFactory(agency=agency)
    with pytest.raises(ValidationError):
        service.review_decision_add(
            review=review, title="Bổ sung máy scan", owner=reviewer, due_date=TODAY, acting_user=leader
        )
    assert not Action.objects.exists()


# --- the steps through the pages ----------------------------------------------------------------------


def test_the_owner_analyses_plans_and_implements_their_action(login, agency, staff_user):
    action = nonconformity(agency, owner=staff_user)
    client = login(staff_user)

    response = step(client, action, step="analyse", correction="Bổ sung phiếu", root_cause="Chưa tập huấn")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.correction, action.root_cause) == (
        Status.CAUSE_ANALYSED,
        "Bổ sung phiếu",
        "Chưa tập huấn",
    )

    response = step(client, action, step="plan", action_plan="Tập huấn lại", due_date="01/08/2026")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.action_plan, action.due_date) == (
        Status.ACTION_PLANNED,
        "Tập huấn lại",
        datetime.date(2026, 8, 1),
    )

    response = step(client, action, step="implement", implementation_note="Đã tập huấn 15/07")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.implementation_note, action.implemented_at) == (
        Status.IMPLEMENTED,
        "Đã tập huấn 15/07",
        NOW,
    )
    assert [entry.history_user for entry in action.history.order_by("history_id")] == [None] + [
        staff_user
    ] * 3


def test_the_secretary_verifies_and_the_leader_closes_an_action(login, agency, staff_user, secretary, leader):
    action = implemented(agency, staff_user)

    response = step(login(secretary), action, step="verify", effective="yes", note="Hồ sơ tháng 7 đủ phiếu")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.verified_by, action.verified_at) == (Status.VERIFIED, secretary, NOW)
    assert list(action.verifications.values_list("effective", "note", "verified_by")) == [
        (True, "Hồ sơ tháng 7 đủ phiếu", secretary.pk)
    ]

    response = step(login(leader), action, step="close", effectiveness_note="Không tái diễn sau 2 tháng")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.effectiveness_note, action.closed_at) == (
        Status.CLOSED,
        "Không tái diễn sau 2 tháng",
        NOW,
    )


def test_not_effective_returns_the_action_to_planned_with_the_reason_kept(
    login, agency, staff_user, secretary
):
    action = implemented(agency, staff_user)
    response = step(login(secretary), action, step="verify", effective="no", note="Tháng 7 vẫn thiếu 3 phiếu")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.implemented_at, action.verified_by) == (Status.ACTION_PLANNED, None, None)
    assert list(action.verifications.values_list("effective", "note", "verified_by")) == [
        (False, "Tháng 7 vẫn thiếu 3 phiếu", secretary.pk)
    ]
    latest = action.history.order_by("-history_id").first()
    assert (latest.status, latest.history_change_reason, latest.history_user) == (
        Status.ACTION_PLANNED,
        "Not effective: Tháng 7 vẫn thiếu 3 phiếu",
        secretary,
    )
    page = login(staff_user).get(action.get_absolute_url()).content.decode()
    assert "Tháng 7 vẫn thiếu 3 phiếu" in page
    assert "Report the implementation" in page


def test_a_review_decision_is_planned_without_cause_analysis(login, agency, staff_user):
    action = decision(agency, owner=staff_user)
    response = step(
        login(staff_user), action, step="plan", action_plan="Mua 2 máy scan", due_date="30/09/2026"
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.action_plan, action.root_cause) == (
        Status.ACTION_PLANNED,
        "Mua 2 máy scan",
        "",
    )


def test_a_review_decision_has_no_cause_analysis_step(login, agency, staff_user):
    action = decision(agency, owner=staff_user)
    before = snapshot(action)
    response = step(login(staff_user), action, step="analyse", root_cause="Thiếu thiết bị")
    assert response.status_code == 400
    assert "A management review decision needs no cause analysis" in response.content.decode()
    assert snapshot(action) == before


def test_plan_without_root_cause_is_refused(login, agency, secretary):
    action = nonconformity(agency)
    before = snapshot(action)
    response = step(login(secretary), action, step="plan", action_plan="Tập huấn lại", due_date="01/08/2026")
    assert response.status_code == 400
    assert "Analyse the root cause before planning the action." in response.content.decode()
    assert snapshot(action) == before


def test_the_service_refuses_a_plan_without_root_cause(agency, secretary):
    action = nonconformity(agency, status=Status.CAUSE_ANALYSED)  # e.g. an imported record
    with pytest.raises(ValidationError):
        service.action_plan(action=action, action_plan="Tập huấn lại", acting_user=secretary)
    assert Action.objects.get(pk=action.pk).status == Status.CAUSE_ANALYSED


def test_an_analysis_without_root_cause_is_refused(login, agency, staff_user):
    action = nonconformity(agency, owner=staff_user)
    before = snapshot(action)
    response = step(login(staff_user), action, step="analyse", correction="Bổ sung phiếu", root_cause=" ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "State the root cause of the nonconformity." in page
    assert "Bổ sung phiếu" in page  # what was typed is kept
    assert snapshot(action) == before


def test_implementation_without_a_note_is_refused(login, agency, staff_user):
    action = nonconformity(
        agency, owner=staff_user, status=Status.ACTION_PLANNED, root_cause="x", action_plan="y"
    )
    before = snapshot(action)
    response = step(login(staff_user), action, step="implement", implementation_note="")
    assert response.status_code == 400
    assert "Say what was done." in response.content.decode()
    assert snapshot(action) == before


def test_close_without_effectiveness_evaluation_is_refused(login, agency, staff_user, leader):
    action = implemented(agency, staff_user)
    Action.objects.filter(pk=action.pk).update(status=Status.VERIFIED)
    before = snapshot(action)
    response = step(login(leader), action, step="close", effectiveness_note="")
    assert response.status_code == 400
    assert "Evaluate the effectiveness before closing." in response.content.decode()
    assert snapshot(action) == before
    with pytest.raises(ValidationError):
        service.action_close(action=action, effectiveness_note="  ", acting_user=leader)
    assert snapshot(action) == before


def test_a_step_out_of_order_is_refused(login, agency, secretary):
    action = nonconformity(agency)
    before = snapshot(action)
    response = step(login(secretary), action, step="implement", implementation_note="Đã làm")
    assert response.status_code == 400
    assert "Plan the action before implementing it." in response.content.decode()
    assert snapshot(action) == before


def test_closing_before_verification_is_refused(login, agency, staff_user, leader):
    action = implemented(agency, staff_user)
    before = snapshot(action)
    response = step(login(leader), action, step="close", effectiveness_note="Hiệu quả")
    assert response.status_code == 400
    assert "Only an action verified effective can be closed." in response.content.decode()
    assert snapshot(action) == before


def test_an_unknown_step_is_refused(login, agency, secretary):
    action = nonconformity(agency)
    before = snapshot(action)
    response = step(login(secretary), action, step="reopen")
    assert response.status_code == 400
    assert "Unknown step." in response.content.decode()
    assert snapshot(action) == before


def test_a_closed_action_takes_no_further_step(login, agency, secretary):
    action = nonconformity(agency, status=Status.CLOSED)
    before = snapshot(action)
    response = step(login(secretary), action, step="analyse", root_cause="x")
    assert response.status_code == 400
    assert "This action is closed." in response.content.decode()
    assert snapshot(action) == before


def test_the_owner_cannot_verify_their_own_action(login, agency, secretary):
    action = implemented(agency, secretary)
    before = snapshot(action)
    response = step(login(secretary), action, step="verify", effective="yes", note="Tự đánh giá")
    assert response.status_code == 403
    assert snapshot(action) == before


def test_the_service_refuses_verification_by_the_owner(agency, secretary):
    action = implemented(agency, secretary)
    with pytest.raises(ValidationError):
        service.action_verify(action=action, effective=True, note="Tự đánh giá", acting_user=secretary)
    assert Action.objects.get(pk=action.pk).status == Status.IMPLEMENTED
    assert not Verification.objects.exists()


def test_the_owner_cannot_close_their_own_action(login, agency, leader):
    action = implemented(agency, leader)
    Action.objects.filter(pk=action.pk).update(status=Status.VERIFIED)
    before = snapshot(action)
    response = step(login(leader), action, step="close", effectiveness_note="Hiệu quả")
    assert response.status_code == 403
    assert snapshot(action) == before


def test_staff_cannot_act_on_an_action_not_assigned_to_them(login, agency, staff_user, secretary):
    action = nonconformity(agency, owner=secretary)
    before = snapshot(action)
    response = step(login(staff_user), action, step="analyse", root_cause="Chưa tập huấn")
    assert response.status_code == 403
    assert snapshot(action) == before


def test_staff_cannot_verify_even_an_action_of_someone_else(login, agency, staff_user, secretary):
    action = implemented(agency, secretary)
    before = snapshot(action)
    response = step(login(staff_user), action, step="verify", effective="yes", note="Đạt")
    assert response.status_code == 403
    assert snapshot(action) == before


def test_another_agencys_action_is_not_found(login, agency, other_agency, other_leader):
    action = nonconformity(agency)
    before = snapshot(action)
    client = login(other_leader)
    assert client.get(action.get_absolute_url()).status_code == 404
    assert step(client, action, step="analyse", root_cause="x").status_code == 404
    assert snapshot(action) == before


def test_the_provinces_reviewer_verifies_an_action_from_a_provincial_inspection(
    login, agency, staff_user, reviewer
):
    action = inspection_action(
        agency,
        owner=staff_user,
        status=Status.IMPLEMENTED,
        root_cause="x",
        action_plan="y",
        implementation_note="Đã niêm yết",
    )
    response = step(login(reviewer), action, step="verify", effective="yes", note="Đã kiểm tra tại chỗ")
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.verified_by) == (Status.VERIFIED, reviewer)


def test_the_reviewer_cannot_verify_an_action_from_an_internal_audit(login, agency, staff_user, reviewer):
    action = implemented(agency, staff_user)
    before = snapshot(action)
    client = login(reviewer)
    assert client.get(action.get_absolute_url()).status_code == 200
    assert step(client, action, step="verify", effective="yes", note="Đạt").status_code == 403
    assert snapshot(action) == before


def test_the_reviewer_of_another_province_does_not_find_the_action(login, agency, foreign_reviewer):
    action = inspection_action(agency, status=Status.IMPLEMENTED)
    assert login(foreign_reviewer).get(action.get_absolute_url()).status_code == 404


def test_the_national_viewer_reads_but_takes_no_step(login, agency, national_viewer):
    action = nonconformity(agency)
    before = snapshot(action)
    client = login(national_viewer)
    assert client.get(action.get_absolute_url()).status_code == 200
    assert step(client, action, step="analyse", root_cause="x").status_code == 403
    assert snapshot(action) == before


def test_anonymous_visitors_are_sent_to_the_login_page(client, agency):
    action = nonconformity(agency)
    for response in (
        client.get(reverse("audits:action_list")),
        client.get(action.get_absolute_url()),
        client.post(reverse("audits:action_step", args=[action.pk]), {"step": "analyse", "root_cause": "x"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Action.objects.get(pk=action.pk).status == Status.OPEN


def test_planning_may_move_the_due_date_with_a_reason_kept_in_the_history(login, agency, secretary):
    action = nonconformity(agency, status=Status.CAUSE_ANALYSED, root_cause="Chưa tập huấn")
    response = step(
        login(secretary),
        action,
        step="plan",
        action_plan="Tập huấn lại",
        due_date="15/09/2026",
        due_date_reason="Chờ lịch tập huấn của tỉnh",
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.due_date == datetime.date(2026, 9, 15)
    assert action.history.order_by("-history_id").first().history_change_reason == (
        "Due date 01/08/2026 → 15/09/2026: Chờ lịch tập huấn của tỉnh"
    )


def test_a_new_due_date_without_a_reason_is_refused(login, agency, secretary):
    action = nonconformity(agency, status=Status.CAUSE_ANALYSED, root_cause="Chưa tập huấn")
    before = snapshot(action)
    response = step(login(secretary), action, step="plan", action_plan="Tập huấn lại", due_date="15/09/2026")
    assert response.status_code == 400
    assert "Say why the due date changes." in response.content.decode()
    assert snapshot(action) == before


def test_the_secretary_assigns_the_owner_when_planning(login, agency, secretary, staff_user, other_leader):
    action = nonconformity(agency, status=Status.CAUSE_ANALYSED, root_cause="Chưa tập huấn")
    client = login(secretary)
    before = snapshot(action)
    outsider = step(
        client, action, step="plan", action_plan="Tập huấn lại", due_date="01/08/2026", owner=other_leader.pk
    )
    assert outsider.status_code == 400
    assert snapshot(action) == before
    response = step(
        client, action, step="plan", action_plan="Tập huấn lại", due_date="01/08/2026", owner=staff_user.pk
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.owner, action.status) == (staff_user, Status.ACTION_PLANNED)


def test_the_owner_does_not_reassign_their_action(login, agency, staff_user, secretary):
    action = nonconformity(agency, owner=staff_user, status=Status.CAUSE_ANALYSED, root_cause="x")
    client = login(staff_user)
    assert "owner" not in client.get(action.get_absolute_url()).context["step_form"].fields
    step(client, action, step="plan", action_plan="Tập huấn lại", due_date="01/08/2026", owner=secretary.pk)
    action.refresh_from_db()
    assert action.owner == staff_user
    with pytest.raises(ValidationError):
        service.action_plan(action=action, action_plan="Khác", owner=secretary, acting_user=staff_user)


@pytest.mark.parametrize(
    ("status", "viewer", "form"),
    [
        (Status.OPEN, "owner", "analyse"),
        (Status.OPEN, "secretary", "analyse"),
        (Status.IMPLEMENTED, "owner", None),
        (Status.IMPLEMENTED, "secretary", "verify"),
        (Status.VERIFIED, "leader", "close"),
        (Status.CLOSED, "leader", None),
        (Status.OPEN, "national_viewer", None),
    ],
)
def test_the_page_offers_one_form_for_the_next_step_allowed_to_the_user(
    request, login, agency, staff_user, status, viewer, form
):
    user = staff_user if viewer == "owner" else request.getfixturevalue(viewer)
    action = nonconformity(agency, owner=staff_user, status=status)
    response = login(user).get(action.get_absolute_url())
    step_form = response.context["step_form"]
    assert (step_form.step if step_form else None) == form
    assert response.content.decode().count('name="step"') == (1 if form else 0)


def test_the_owner_is_told_someone_else_verifies(login, agency, staff_user):
    action = implemented(agency, staff_user)
    page = login(staff_user).get(action.get_absolute_url()).content.decode()
    assert "Next step: Verify the effectiveness." in page
    assert "verifies and closes the actions you own" in page


def test_the_page_shows_the_origin_and_every_stage(login, agency, staff_user, secretary):
    action = implemented(agency, staff_user, correction="Bổ sung 3 phiếu còn thiếu")
    Verification.objects.create(action=action, effective=False, note="Lần 1 chưa đạt", verified_by=secretary)
    response = login(secretary).get(action.get_absolute_url())
    page = response.content.decode()
    audit = action.finding.audit
    assert f'href="{audit.get_absolute_url()}"' in page
    for text in (
        audit.title,
        action.finding.description,
        "Bổ sung 3 phiếu còn thiếu",
        "Chưa phổ biến quy trình cho công chức mới",
        "Tập huấn lại quy trình",
        "Đã tập huấn ngày 10/07/2026",
        "Lần 1 chưa đạt",
        "01/08/2026",
    ):
        assert text in page


def test_the_page_of_a_review_decision_links_the_review(login, agency, secretary):
    action = decision(agency)
    page = login(secretary).get(action.get_absolute_url()).content.decode()
    assert f'href="{action.review.get_absolute_url()}"' in page
    assert "Management review of 10/12/2026" in page


# --- overdue ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "due_date", "overdue"),
    [
        (Status.OPEN, datetime.date(2026, 7, 19), True),
        (Status.OPEN, datetime.date(2026, 7, 20), False),
        (Status.CAUSE_ANALYSED, datetime.date(2026, 1, 1), True),
        (Status.ACTION_PLANNED, datetime.date(2026, 7, 19), True),
        (Status.IMPLEMENTED, datetime.date(2026, 7, 19), False),
        (Status.VERIFIED, datetime.date(2026, 7, 19), False),
        (Status.CLOSED, datetime.date(2026, 7, 19), False),
    ],
)
def test_an_action_is_overdue_when_past_due_and_not_implemented(
    login, agency, secretary, status, due_date, overdue
):
    action = nonconformity(agency, status=status, due_date=due_date)
    assert action.is_overdue(TODAY) is overdue
    listed = login(secretary).get(reverse("audits:action_list"), {"overdue": "1"}).context["page_obj"]
    assert [a.pk for a in listed] == ([action.pk] if overdue else [])


def test_the_list_marks_overdue_actions(login, agency, secretary):
    nonconformity(agency, due_date=datetime.date(2026, 7, 1), finding={"description": "Trễ hạn"})
    nonconformity(agency, due_date=datetime.date(2026, 8, 1), finding={"description": "Còn hạn"})
    page = login(secretary).get(reverse("audits:action_list")).content.decode()
    assert page.count(">Overdue</span>") == 1


# --- the list -----------------------------------------------------------------------------------------


def titles(response) -> list[str]:
    return [action.title for action in response.context["page_obj"]]


def test_the_list_shows_only_the_actions_in_the_users_scope(
    login, agency, other_agency, foreign_agency, secretary, reviewer
):
    nonconformity(agency, finding={"description": "Của xã Tiến Dũng"})
    nonconformity(other_agency, finding={"description": "Của xã Long Hưng"})
    nonconformity(foreign_agency, finding={"description": "Của xã Đông Hòa"})
    url = reverse("audits:action_list")
    assert titles(login(secretary).get(url)) == ["Của xã Tiến Dũng"]
    assert sorted(titles(login(reviewer).get(url))) == ["Của xã Long Hưng", "Của xã Tiến Dũng"]


def test_the_list_filters_by_status_source_agency_owner_and_year(
    login, agency, other_agency, reviewer, staff_user
):
    nonconformity(agency, owner=staff_user, finding={"description": "A mở"})
    nonconformity(agency, status=Status.CLOSED, finding={"description": "B đóng"})
    decision(agency, title="C quyết định")
    old = nonconformity(other_agency, finding={"description": "D năm trước"})
    Action.objects.filter(pk=old.pk).update(created_at=datetime.datetime(2025, 11, 5, tzinfo=datetime.UTC))
    client = login(reviewer)
    url = reverse("audits:action_list")
    assert titles(client.get(url, {"status": "closed"})) == ["B đóng"]
    assert sorted(titles(client.get(url, {"status": "not_closed"}))) == [
        "A mở",
        "C quyết định",
        "D năm trước",
    ]
    assert titles(client.get(url, {"source": "review_decision"})) == ["C quyết định"]
    assert titles(client.get(url, {"agency": other_agency.pk})) == ["D năm trước"]
    assert titles(client.get(url, {"year": "2025"})) == ["D năm trước"]
    assert client.get(url).context["years"] == [2026, 2025]
    assert titles(login(staff_user).get(url, {"mine": "1"})) == ["A mở"]


def test_the_search_ignores_case_and_diacritics(login, agency, secretary):
    nonconformity(agency, finding={"description": "Chưa niêm yết TTHC tại xã Tiến Dũng"})
    nonconformity(agency, finding={"description": "Hồ sơ lưu chưa đủ"})
    url = reverse("audits:action_list")
    assert titles(login(secretary).get(url, {"q": "tien dung"})) == ["Chưa niêm yết TTHC tại xã Tiến Dũng"]
    assert titles(login(secretary).get(url, {"q": "HỒ SƠ"})) == ["Hồ sơ lưu chưa đủ"]


def test_the_list_sorts_by_due_date_both_ways(login, agency, secretary):
    for day, title in ((15, "Giữa"), (1, "Đầu"), (30, "Cuối")):
        nonconformity(agency, due_date=datetime.date(2026, 9, day), finding={"description": title})
    url = reverse("audits:action_list")
    assert titles(login(secretary).get(url)) == ["Đầu", "Giữa", "Cuối"]
    assert titles(login(secretary).get(url, {"sort": "-due"})) == ["Cuối", "Giữa", "Đầu"]


def test_an_empty_list_says_so(login, secretary):
    response = login(secretary).get(reverse("audits:action_list"), {"q": "không có"})
    assert "No action matches these filters." in response.content.decode()


def test_the_export_holds_what_the_filters_show(login, agency, secretary, staff_user):
    nonconformity(
        agency, owner=staff_user, due_date=datetime.date(2026, 7, 1), finding={"description": "=Trễ hạn"}
    )
    nonconformity(agency, status=Status.CLOSED, due_date=datetime.date(2026, 7, 1))
    response = login(secretary).get(reverse("audits:action_list"), {"overdue": "1", "export": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1], row[2], row[4], row[5].date(), row[6], row[7]) for row in rows] == [
        (
            "UBND xã Tiến Dũng",
            "Nonconformity",
            "'=Trễ hạn",
            "Thu Nguyễn Thị",
            datetime.date(2026, 7, 1),
            "Open",
            "Yes",
        )
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_query_count_does_not_grow_with_the_actions(
    login, agency, secretary, staff_user, django_assert_num_queries, size
):
    review = ManagementReviewFactory(agency=agency)
    for index in range(size):
        if index % 2:
            nonconformity(agency, owner=staff_user)
        else:
            Action.objects.create(
                agency=agency, source="review_decision", review=review, title=f"QĐ {index}", due_date=TODAY
            )
    client = login(secretary)
    # Expect 8 queries: session, user, memberships, agencies merged into the user's (grants), agencies
    # for the filter, years raised, count, and the page of actions (agency, owner, finding's audit, review).
    with django_assert_num_queries(8):
        response = client.get(reverse("audits:action_list"), {"status": "not_closed", "mine": ""})
    assert len(response.context["page_obj"]) == min(size, 25)


# --- evidence -----------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(client, action, name, content, description="Danh sách tập huấn"):
    return client.post(
        reverse("audits:evidence_add", args=[action.pk]),
        {"file": SimpleUploadedFile(name, content), "description": description},
    )


def test_the_owner_adds_evidence_that_a_reader_downloads(login, agency, staff_user, reviewer):
    action = nonconformity(agency, owner=staff_user)
    response = upload(login(staff_user), action, "danh-sach.pdf", pdf_bytes())
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.action, evidence.description, evidence.uploaded_by, str(evidence)) == (
        action,
        "Danh sách tập huấn",
        staff_user,
        "danh-sach.pdf",
    )
    download = login(reviewer).get(reverse("audits:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert "danh-sach.pdf" in login(reviewer).get(action.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bien-ban.pdf", b"MZ\x90\x00 this is an executable"),
        ("bien-ban.docx", xlsx_bytes()),
        ("bien-ban.xlsx", docx_bytes()),
        ("bien-ban.html", b"<script>alert(1)</script>"),
    ],
)
def test_a_wrong_type_behind_a_right_extension_is_refused(login, agency, staff_user, name, content):
    action = nonconformity(agency, owner=staff_user)
    response = upload(login(staff_user), action, name, content)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_an_oversized_evidence_file_is_refused(login, agency, staff_user, settings):
    settings.QMS_UPLOAD_MAX_BYTES = 100
    action = nonconformity(agency, owner=staff_user)
    response = upload(login(staff_user), action, "bien-ban.pdf", pdf_bytes() + b" " * 200)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_staff_cannot_add_evidence_to_an_action_not_theirs(login, agency, staff_user, secretary, reviewer):
    action = nonconformity(agency, owner=secretary)
    assert upload(login(staff_user), action, "bien-ban.pdf", pdf_bytes()).status_code == 403
    assert upload(login(reviewer), action, "bien-ban.pdf", pdf_bytes()).status_code == 403
    assert not Evidence.objects.exists()


def test_a_closed_action_takes_no_more_evidence(login, agency, secretary):
    action = nonconformity(agency, status=Status.CLOSED)
    response = upload(login(secretary), action, "bien-ban.pdf", pdf_bytes())
    assert response.status_code == 400
    assert "This action is closed." in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_of_another_agency_is_not_found(login, agency, staff_user, other_leader):
    action = nonconformity(agency, owner=staff_user)
    upload(login(staff_user), action, "bien-ban.pdf", pdf_bytes())
    evidence = Evidence.objects.get()
    assert login(other_leader).get(reverse("audits:evidence_download", args=[evidence.pk])).status_code == 404
    assert upload(login(other_leader), action, "khac.pdf", pdf_bytes()).status_code == 404
    assert Evidence.objects.count() == 1


# --- the home panel -----------------------------------------------------------------------------------


def test_the_home_page_lists_my_open_actions_with_those_due_soon_first(login, agency, staff_user, secretary):
    nonconformity(
        agency, owner=staff_user, due_date=datetime.date(2026, 7, 10), finding={"description": "Trễ"}
    )
    nonconformity(
        agency, owner=staff_user, due_date=datetime.date(2026, 7, 27), finding={"description": "Tuần"}
    )
    nonconformity(agency, owner=staff_user, due_date=datetime.date(2026, 9, 1), finding={"description": "Xa"})
    nonconformity(
        agency,
        owner=staff_user,
        status=Status.IMPLEMENTED,
        due_date=datetime.date(2026, 7, 1),
        finding={"description": "Đã làm"},
    )
    nonconformity(agency, owner=staff_user, status=Status.CLOSED, finding={"description": "Đã đóng"})
    nonconformity(
        agency, owner=secretary, due_date=datetime.date(2026, 7, 10), finding={"description": "Khác"}
    )
    page = login(staff_user).get(reverse("home")).content.decode()
    due = page.index("Due within 7 days or overdue")
    other = page.index("Other open actions")
    assert due < page.index(">Trễ<") < page.index(">Tuần<") < other
    assert other < page.index(">Đã làm<") < page.index(">Xa<")
    assert ">Đã đóng<" not in page
    assert ">Khác<" not in page
    section = page[page.index('id="home-actions"') :]
    assert section.count(">Overdue</span>") == 1


def test_the_home_page_has_no_action_panel_without_actions(login, agency, staff_user):
    page = login(staff_user).get(reverse("home")).content.decode()
    assert 'id="home-actions"' not in page


def test_a_new_staff_member_sees_an_action_assigned_to_them(login, agency, secretary):
    newcomer = UserFactory(username="canbomoi")
    MembershipFactory(user=newcomer, agency=agency, role=Role.STAFF)
    nonconformity(agency, owner=newcomer, finding={"description": "Việc của cán bộ mới"})
    assert ">Việc của cán bộ mới<" in login(newcomer).get(reverse("home")).content.decode()
