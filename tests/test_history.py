"""Every change of a controlled record keeps who, when, and each field before → after, and the people who
may see the record see that history on its page."""

import datetime
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Role, StatusChange
from procedures.models import ProcessRevision
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentLine, Rubric
from scoring.services import assessments as assessment_service
from tests.factories import (
    ActionFactory,
    AuditFactory,
    FindingFactory,
    MembershipFactory,
    ProcessFactory,
    ProcessRevisionFactory,
    ProcessStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 7, 20, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội

# The controlled records (DESIGN §3 and issue 8): each must have a simple-history tracker.
CONTROLLED_MODELS = (
    "agencies.StatusChange",  # QMS status changes and declarations
    "agencies.Membership",
    "procedures.Process",
    "procedures.ProcessRevision",
    "procedures.ProcessStep",
    "procedures.ProcessForm",
    "procedures.RecordKept",
    "audits.Finding",
    "audits.Action",
    "audits.Verification",
    "audits.Evidence",
    "scoring.Rubric",
    "scoring.CriterionGroup",
    "scoring.Criterion",
    "scoring.Band",
    "scoring.Assessment",
    "scoring.AssessmentLine",
    "scoring.LineEvidence",
)


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: NOW.date())


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def named(user, first_name: str):
    user.first_name, user.last_name = first_name, "Trần"
    user.save()
    return user


def loaded_version(response) -> str:
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def changes_section(page: str) -> str:
    start = page.index('id="changes"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("label", CONTROLLED_MODELS)
def test_every_controlled_model_keeps_a_history(label):
    model = apps.get_model(label)
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    assert manager is not None, f"{label} has no simple-history tracker (history = HistoricalRecords())"
    assert getattr(model, manager).model.__name__ == f"Historical{model.__name__}"


def test_a_draft_edited_in_the_browser_shows_who_when_and_before_and_after(agency, secretary, staff_user):
    named(secretary, "Lan")
    revision = ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))
    client = browser(secretary)
    url = reverse("procedures:revision_edit", args=[revision.pk])
    body = {
        "version": loaded_version(client.get(url)),
        "purpose": "Quy định việc kiểm soát tài liệu.",
        "scope": revision.scope,
        "terms": "",
        "change_summary": "",
        **{
            f"{prefix}-{key}": "0"
            for prefix in ("steps", "forms", "records")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }

    assert client.post(url, body).status_code == 302

    *_, before, row = ProcessRevision.history.filter(id=revision.pk).order_by("history_id")
    assert (row.history_user, row.history_date, row.history_type) == (secretary, NOW, "~")
    delta = row.diff_against(before)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("purpose", "Quy định trình tự giải quyết thủ tục hành chính.", "Quy định việc kiểm soát tài liệu.")
    ]
    section = changes_section(browser(secretary).get(revision.get_absolute_url()).content.decode())
    assert "20/07/2026 09:30" in section and "Lan Trần" in section
    assert (
        '<span class="fw-semibold">Purpose</span>: '
        "<del>Quy định trình tự giải quyết thủ tục hành chính.</del>"
        " → <ins>Quy định việc kiểm soát tài liệu.</ins>" in section
    )


def test_a_corrective_action_step_shows_in_the_action_history(agency, staff_user, reviewer):
    named(staff_user, "Minh")
    action = ActionFactory(
        finding=FindingFactory(audit=AuditFactory(agency=agency)),
        owner=staff_user,
        due_date=datetime.date(2026, 8, 1),
    )
    client = browser(staff_user)
    version = loaded_version(client.get(action.get_absolute_url()))

    response = client.post(
        reverse("audits:action_step", args=[action.pk]),
        {"step": "analyse", "version": version, "root_cause": "Chưa tập huấn công chức mới"},
    )

    assert response.status_code == 302
    # The province's reviewers see the action (read-only) and so its history.
    section = changes_section(browser(reviewer).get(action.get_absolute_url()).content.decode())
    assert "Minh Trần" in section
    assert (
        '<span class="fw-semibold">Root cause</span>: <del>—</del> → <ins>Chưa tập huấn công chức mới</ins>'
        in section
    )
    assert '<span class="fw-semibold">Status</span>: <del>Open</del> → <ins>Cause analysed</ins>' in section


def test_a_line_scored_in_the_browser_shows_in_the_assessment_history(province, agency, secretary):
    named(secretary, "Lan")
    rubric = create_default_rubric(province, 2025)
    rubric.status, rubric.published_at = Rubric.Status.PUBLISHED, NOW
    rubric.save()
    assessment = assessment_service.start(rubric, agency, Assessment.Kind.SELF, secretary)
    a4 = assessment.lines.get(criterion__code="A4")
    client = browser(secretary)
    url = reverse("scoring:line_edit", args=[a4.pk])

    response = client.post(
        url, {"version": loaded_version(client.get(url)), "points": "2.5", "comment": "Đủ"}
    )

    assert response.status_code == 302
    assert AssessmentLine.history.filter(id=a4.pk).first().history_user == secretary
    section = changes_section(client.get(assessment.get_absolute_url()).content.decode())
    assert "Criterion A4" in section and "Lan Trần" in section
    assert '<span class="fw-semibold">Points</span>: <del>—</del> → <ins>2.5</ins>' in section
    assert '<span class="fw-semibold">Comment</span>: <del>—</del> → <ins>Đủ</ins>' in section


def test_a_declaration_recorded_in_the_browser_shows_on_the_agency_page(agency, leader, staff_user):
    named(leader, "Hùng")
    response = browser(leader).post(
        reverse("agencies:status_create", args=[agency.pk]),
        {
            "status": "declared",
            "changed_on": "15/07/2026",
            "iso_version": "2015",
            "decision_number": "15/QĐ-UBND",
            "decision_date": "10/07/2026",
            "scope": "Toàn bộ thủ tục hành chính",
            "note": "",
        },
    )

    assert response.status_code == 302
    assert StatusChange.history.get().history_user == leader
    section = changes_section(browser(staff_user).get(agency.get_absolute_url()).content.decode())
    assert "QMS status of 15/07/2026" in section and "Hùng Trần" in section and "created" in section


def test_membership_history_is_shown_to_the_leader_and_the_reviewers_only(
    agency, leader, reviewer, secretary, staff_user
):
    newcomer = named(UserFactory(username="moi"), "Tâm")
    MembershipFactory(user=newcomer, agency=agency, role=Role.STAFF)
    Membership.objects.filter(user=newcomer).get().history.update(history_user=leader)

    for user in (leader, reviewer):
        section = changes_section(browser(user).get(agency.get_absolute_url()).content.decode())
        assert "Membership of Tâm Trần" in section, user
    for user in (secretary, staff_user):
        section = changes_section(browser(user).get(agency.get_absolute_url()).content.decode())
        assert "Membership of" not in section, user


def test_the_revision_page_costs_the_same_queries_with_one_step_or_many_edits(agency, secretary):
    small = ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))
    ProcessStepFactory(revision=small, order=1)
    large = ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))
    for order in range(1, 9):
        step = ProcessStepFactory(revision=large, order=order)
        step.action = f"Bước {order} đã sửa"
        step.save()
    large.purpose = "Đã sửa"
    large.save()
    client = browser(secretary)

    with CaptureQueriesContext(connection) as one:
        assert client.get(small.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(large.get_absolute_url()).status_code == 200

    assert len(many) == len(one)
    assert "Bước 8 đã sửa" in changes_section(client.get(large.get_absolute_url()).content.decode())


def test_the_action_page_costs_the_same_queries_whatever_its_history(agency, staff_user, secretary):
    fresh = ActionFactory(finding=FindingFactory(audit=AuditFactory(agency=agency)), owner=staff_user)
    worked = ActionFactory(finding=FindingFactory(audit=AuditFactory(agency=agency)), owner=staff_user)
    for note in ("Một", "Hai", "Ba"):
        worked.correction = note
        worked.save()
    client = browser(secretary)

    with CaptureQueriesContext(connection) as bare:
        assert client.get(fresh.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as full:
        assert client.get(worked.get_absolute_url()).status_code == 200

    assert len(full) == len(bare)


def test_a_finding_recorded_on_the_audit_page_shows_in_its_history(agency, secretary, reviewer):
    named(secretary, "Lan")
    audit = AuditFactory(agency=agency)
    audit.__class__.objects.filter(pk=audit.pk).update(status="in_progress", actual_start=NOW.date())

    response = browser(secretary).post(
        reverse("audits:finding_create", args=[audit.pk]),
        {"grade": "observation", "description": "Sổ theo dõi <b>chưa</b> cập nhật"},
    )

    assert response.status_code == 302
    section = changes_section(browser(reviewer).get(audit.get_absolute_url()).content.decode())
    assert "Lan Trần" in section
    assert "Sổ theo dõi &lt;b&gt;chưa&lt;/b&gt; cập nhật" in section
