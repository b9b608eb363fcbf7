"""Self and official assessments through HTTP: metric lines prefilled from the data, overrides only with a
reason, manual points within the maximum, the workflow (secretary drafts, leader submits, reviewer finalizes),
the lock, reopening with a reason, evidence files, and who sees what."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import Activity
from scoring.default_rubric import create_default_rubric
from scoring.models import (
    Assessment,
    AssessmentEvent,
    AssessmentLine,
    Criterion,
    CriterionGroup,
    LineEvidence,
    Metric,
    Rubric,
    Rule,
)
from scoring.services import assessments as service
from tests.factories import ActivityFactory, AgencyFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 2, 10)
NOW = datetime.datetime(2026, 2, 10, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội
YEAR = 2025
Kind = Assessment.Kind
Status = Assessment.Status
MANUAL = ["A4", "B1", "C2", "D2", "G2", "H1"]


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


def publish(rubric: Rubric) -> Rubric:
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = timezone.now()
    rubric.save()
    return rubric


@pytest.fixture
def rubric(province):
    return publish(create_default_rubric(province, YEAR))


@pytest.fixture
def meetings(agency):
    """Two steering committee meetings in the year: B2 (thresholds 1 → 2, 2 → 4) computes 4 points."""
    return [
        ActivityFactory(agency=agency, kind=Activity.Kind.MEETING, held_on=datetime.date(YEAR, month, 15))
        for month in (3, 9)
    ]


def start_url() -> str:
    return reverse("scoring:assessment_start")


def detail_url(assessment: Assessment) -> str:
    return reverse("scoring:assessment_detail", args=[assessment.pk])


def line(assessment: Assessment, code: str) -> AssessmentLine:
    return assessment.lines.select_related("criterion").get(criterion__code=code)


def edit_url(assessment: Assessment, code: str) -> str:
    return reverse("scoring:line_edit", args=[line(assessment, code).pk])


def edited(assessment: Assessment, code: str, **fields: str) -> dict:
    """The line form's POST body, with the version of the line the form was loaded with."""
    return {"version": line(assessment, code).version, **fields}


def started(rubric, agency, kind, user) -> Assessment:
    return service.start(rubric, agency, kind, user)


def score_manual(assessment: Assessment, user, points: str = "2") -> None:
    for code in MANUAL:
        service.set_line(line(assessment, code), points=Decimal(points), comment="", user=user)


def pdf_upload(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", content_type="application/pdf")


def docx_upload(name: str = "minh-chung.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


# --- starting and prefilling --------------------------------------------------------------------------------


def test_secretary_starts_the_self_assessment_with_metric_criteria_prefilled(
    login, rubric, agency, secretary, meetings
):
    client = login(secretary)
    response = client.post(start_url(), {"rubric": rubric.pk, "agency": agency.pk, "kind": Kind.SELF})

    assessment = Assessment.objects.get(rubric=rubric, agency=agency, kind=Kind.SELF)
    assert response.status_code == 302
    assert response["Location"] == detail_url(assessment)
    b2, e1, a4 = line(assessment, "B2"), line(assessment, "E1"), line(assessment, "A4")
    assert (b2.computed_value, b2.computed_points, b2.points) == (Decimal(2), Decimal(4), Decimal(4))
    assert "2 steering committee meetings" in b2.explanation
    assert (e1.computed_points, e1.points) == (Decimal(8), Decimal(8))  # none due = full
    assert (a4.computed_points, a4.points) == (None, None)
    assert assessment.lines.count() == 22
    assert assessment.total == sum(item.points or 0 for item in assessment.lines.all())
    assert assessment.created_by == secretary
    assert list(assessment.events.values_list("kind", flat=True)) == [AssessmentEvent.Kind.CREATED]

    page = client.get(detail_url(assessment)).content.decode()
    assert b2.explanation in page
    assert "scored by the assessor" in page
    assert f'id="total">{assessment.total.normalize():f} <' in page


def test_a_second_assessment_of_the_same_kind_is_refused(login, rubric, agency, secretary):
    existing = started(rubric, agency, Kind.SELF, secretary)
    client = login(secretary)

    response = client.post(
        start_url(), {"rubric": rubric.pk, "agency": agency.pk, "kind": Kind.SELF}, follow=True
    )

    assert "UBND xã Tiến Dũng has already started its self-assessment against this rubric." in (
        response.content.decode()
    )
    assert list(Assessment.objects.values_list("pk", flat=True)) == [existing.pk]
    with pytest.raises(ValidationError, match="already started"):
        started(rubric, agency, Kind.SELF, secretary)


def test_an_assessment_needs_a_published_rubric_of_the_agencys_province(
    login, province, rubric, agency, foreign_agency, secretary
):
    draft = create_default_rubric(province, YEAR + 1)
    client = login(secretary)

    assert (
        client.post(start_url(), {"rubric": draft.pk, "agency": agency.pk, "kind": Kind.SELF}).status_code
        == 404
    )
    with pytest.raises(ValidationError, match="published rubric"):
        started(draft, agency, Kind.SELF, secretary)
    with pytest.raises(ValidationError, match="not an agency of the province"):
        started(rubric, foreign_agency, Kind.OFFICIAL, None)
    assert not Assessment.objects.exists()


def test_who_may_start_which_assessment(
    login, rubric, agency, secretary, reviewer, staff_user, foreign_reviewer
):
    self_form = {"rubric": rubric.pk, "agency": agency.pk, "kind": Kind.SELF}
    official_form = {**self_form, "kind": Kind.OFFICIAL}

    assert login(staff_user).post(start_url(), self_form).status_code == 403
    assert login(secretary).post(start_url(), official_form).status_code == 403
    assert login(reviewer).post(start_url(), self_form).status_code == 403
    assert login(foreign_reviewer).post(start_url(), official_form).status_code == 404
    assert not Assessment.objects.exists()
    assert login(reviewer).post(start_url(), official_form).status_code == 302
    assert Assessment.objects.get().kind == Kind.OFFICIAL


def small_rubric(province) -> Rubric:
    rubric = Rubric.objects.create(province=province, year=YEAR, name="Bộ tiêu chí rút gọn")
    group = CriterionGroup.objects.create(rubric=rubric, code="A", title="Tài liệu", order=1)
    Criterion.objects.create(
        rubric=rubric,
        group=group,
        code="A1",
        text="Phạm vi",
        max_points=50,
        metric=Metric.COVERAGE,
        rule=Rule.PROPORTIONAL,
    )
    Criterion.objects.create(rubric=rubric, group=group, code="A2", text="Tài liệu đầy đủ", max_points=50)
    return publish(rubric)


def test_starting_costs_the_same_queries_for_2_and_for_22_criteria(province, rubric, agency, secretary):
    """The lines and their history are written in bulk: the number of criteria adds no query."""
    small = small_rubric(province)
    with CaptureQueriesContext(connection) as two:
        started(small, agency, Kind.SELF, secretary)
    with CaptureQueriesContext(connection) as twenty_two:
        started(rubric, agency, Kind.SELF, secretary)

    assert len(twenty_two) == len(two)


# --- editing lines ------------------------------------------------------------------------------------------


def test_overriding_computed_points_without_a_reason_is_refused(login, rubric, agency, secretary, meetings):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    total = assessment.total
    client = login(secretary)

    response = client.post(
        edit_url(assessment, "B2"), edited(assessment, "B2", points="3", comment="", override_reason=" ")
    )

    assert response.status_code == 400
    assert "Give the reason for overriding the computed 4 points." in response.content.decode()
    b2 = line(assessment, "B2")
    assert (b2.points, b2.override_reason) == (Decimal(4), "")
    assessment.refresh_from_db()
    assert assessment.total == total


def test_overriding_computed_points_with_a_reason_is_kept_and_shown(
    login, rubric, agency, secretary, meetings
):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    total = assessment.total
    client = login(secretary)

    response = client.post(
        edit_url(assessment, "B2"),
        edited(
            assessment,
            "B2",
            points="3",
            comment="Biên bản họp quý III chưa ký",
            override_reason="Một cuộc họp thiếu biên bản",
        ),
    )

    assert response.status_code == 302
    b2 = line(assessment, "B2")
    assert (b2.points, b2.computed_points, b2.is_overridden) == (Decimal(3), Decimal(4), True)
    assert b2.override_reason == "Một cuộc họp thiếu biên bản"
    assert b2.updated_by == secretary
    assert b2.history.count() == 2
    assessment.refresh_from_db()
    assert assessment.total == total - 1
    page = client.get(detail_url(assessment)).content.decode()
    assert "Một cuộc họp thiếu biên bản" in page
    assert "overridden" in page


def test_points_back_at_the_computed_value_clear_the_reason(login, rubric, agency, secretary, meetings):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    service.set_line(
        line(assessment, "B2"), points=Decimal(2), comment="", override_reason="Thiếu", user=secretary
    )

    response = login(secretary).post(
        edit_url(assessment, "B2"), edited(assessment, "B2", points="4", override_reason="Thiếu")
    )

    assert response.status_code == 302
    b2 = line(assessment, "B2")
    assert (b2.points, b2.override_reason, b2.is_overridden) == (Decimal(4), "", False)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3.5", "A4 is worth at most 3 points."),
        ("-1", "Points cannot be negative."),
        ("1.3", "Points go in steps of 0.25"),
        ("ba", "Enter a number of points"),
    ],
)
def test_manual_points_outside_the_rules_are_refused(login, rubric, agency, secretary, typed, message):
    assessment = started(rubric, agency, Kind.SELF, secretary)

    response = login(secretary).post(
        edit_url(assessment, "A4"), edited(assessment, "A4", points=typed, comment="Đủ")
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    a4 = line(assessment, "A4")
    assert (a4.points, a4.comment) == (None, "")


def test_manual_points_in_quarter_steps_are_saved_with_a_decimal_comma(login, rubric, agency, secretary):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    total = assessment.total

    response = login(secretary).post(
        edit_url(assessment, "A4"), edited(assessment, "A4", points="2,75", comment="Thiếu biểu mẫu")
    )

    assert response.status_code == 302
    a4 = line(assessment, "A4")
    assert (a4.points, a4.comment) == (Decimal("2.75"), "Thiếu biểu mẫu")
    assessment.refresh_from_db()
    assert assessment.total == total + Decimal("2.75")


def test_staff_cannot_edit_a_line(login, rubric, agency, secretary, staff_user, reviewer):
    assessment = started(rubric, agency, Kind.SELF, secretary)

    assert login(staff_user).post(edit_url(assessment, "A4"), {"points": "1"}).status_code == 404
    score_manual(assessment, secretary)
    service.submit(assessment, None)
    assert login(reviewer).post(edit_url(assessment, "A4"), {"points": "1"}).status_code == 403
    assert line(assessment, "A4").points == Decimal(2)


def test_recompute_follows_new_data_and_keeps_overrides(login, rubric, agency, secretary, meetings):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    service.set_line(
        line(assessment, "E1"), points=Decimal(6), comment="", override_reason="Hồ sơ chưa đủ", user=secretary
    )
    Activity.objects.filter(agency=agency).delete()
    ActivityFactory(agency=agency, kind=Activity.Kind.MEETING, held_on=datetime.date(YEAR, 5, 5))

    response = login(secretary).post(reverse("scoring:assessment_recompute", args=[assessment.pk]))

    assert response.status_code == 302
    b2, e1 = line(assessment, "B2"), line(assessment, "E1")
    assert (b2.computed_points, b2.points) == (Decimal(2), Decimal(2))
    assert (e1.computed_points, e1.points, e1.override_reason) == (Decimal(8), Decimal(6), "Hồ sơ chưa đủ")
    assessment.refresh_from_db()
    assert assessment.total == sum(item.points or 0 for item in assessment.lines.all())
    assert assessment.events.last().kind == AssessmentEvent.Kind.RECOMPUTED


# --- the workflow -------------------------------------------------------------------------------------------


def test_self_assessment_workflow_secretary_drafts_leader_submits_reviewer_finalizes(
    login, rubric, agency, secretary, leader, reviewer
):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    submit_url = reverse("scoring:assessment_submit", args=[assessment.pk])
    finalize_url = reverse("scoring:assessment_finalize", args=[assessment.pk])

    page = login(secretary).get(detail_url(assessment)).content.decode()
    assert submit_url not in page
    assert "The agency leader submits the self-assessment" in page
    assert login(secretary).post(submit_url).status_code == 403

    response = login(leader).post(submit_url)
    assert response.status_code == 400
    assert "Criteria without points: A4, B1, C2, D2, G2, H1" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT

    score_manual(assessment, secretary)
    assert submit_url in login(leader).get(detail_url(assessment)).content.decode()
    assert login(leader).post(submit_url).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.submitted_by, assessment.submitted_at) == (
        Status.SUBMITTED,
        leader,
        NOW,
    )

    assert login(leader).post(finalize_url).status_code == 403
    assert finalize_url in login(reviewer).get(detail_url(assessment)).content.decode()
    assert login(reviewer).post(finalize_url).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.finalized_by) == (Status.FINALIZED, reviewer)
    assert list(assessment.events.values_list("kind", "by__username")) == [
        ("created", "thuky"),
        ("submitted", "lanhdao"),
        ("finalized", "bcd"),
    ]


@pytest.mark.parametrize(
    ("deadline", "points"), [(datetime.date(2026, 3, 1), "2.00"), (datetime.date(2026, 2, 1), "0.00")]
)
def test_submitting_the_self_assessment_scores_h2_against_the_deadline(
    login, rubric, agency, secretary, leader, deadline, points
):
    rubric.self_assessment_deadline = deadline
    rubric.save()
    assessment = started(rubric, agency, Kind.SELF, secretary)
    assert line(assessment, "H2").points == Decimal(0)  # nothing submitted yet
    score_manual(assessment, secretary)

    login(leader).post(reverse("scoring:assessment_submit", args=[assessment.pk]))

    h2 = line(assessment, "H2")
    assert (h2.points, h2.computed_value) == (Decimal(points), Decimal(points != "0.00"))
    assert h2.explanation in login(leader).get(detail_url(assessment)).content.decode()


def test_official_assessment_is_the_reviewers_from_start_to_finalization(
    login, rubric, agency, reviewer, leader
):
    login(reviewer).post(start_url(), {"rubric": rubric.pk, "agency": agency.pk, "kind": Kind.OFFICIAL})
    assessment = Assessment.objects.get(kind=Kind.OFFICIAL)
    score_manual(assessment, reviewer, "1.5")
    assert login(leader).get(detail_url(assessment)).status_code == 404

    client = login(reviewer)
    assert client.post(reverse("scoring:assessment_submit", args=[assessment.pk])).status_code == 302
    assert client.post(reverse("scoring:assessment_finalize", args=[assessment.pk])).status_code == 302

    assessment.refresh_from_db()
    assert assessment.status == Status.FINALIZED
    assert login(leader).get(detail_url(assessment)).status_code == 200


@pytest.fixture
def finalized(rubric, agency, secretary, leader, reviewer):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    score_manual(assessment, secretary)
    service.add_evidence(line(assessment, "A4"), pdf_upload(), "Danh mục quy trình", secretary)
    service.submit(assessment, leader)
    return service.finalize(assessment, reviewer)


def test_a_finalized_assessment_is_locked(login, finalized, secretary, leader):
    a4 = line(finalized, "A4")
    evidence = a4.evidence.get()
    total = finalized.total
    client = login(secretary)

    page = client.get(detail_url(finalized)).content.decode()
    assert "This assessment is finalized and locked." in page
    assert reverse("scoring:line_edit", args=[a4.pk]) not in page

    response = client.post(reverse("scoring:line_edit", args=[a4.pk]), {"points": "0", "comment": "Sửa"})
    assert response.status_code == 400
    assert "finalized and locked" in response.content.decode()
    response = client.post(reverse("scoring:evidence_add", args=[a4.pk]), {"file": docx_upload()})
    assert response.status_code == 400
    assert client.post(reverse("scoring:evidence_delete", args=[evidence.pk])).status_code == 400
    assert client.post(reverse("scoring:assessment_recompute", args=[finalized.pk])).status_code == 400
    assert login(leader).post(reverse("scoring:assessment_submit", args=[finalized.pk])).status_code == 400

    a4.refresh_from_db()
    finalized.refresh_from_db()
    assert (a4.points, a4.comment) == (Decimal(2), "")
    assert list(a4.evidence.values_list("pk", flat=True)) == [evidence.pk]
    assert (finalized.status, finalized.total) == (Status.FINALIZED, total)
    with pytest.raises(ValidationError, match="locked"):
        service.set_line(a4, points=Decimal(1), comment="", user=secretary)


def test_reopening_needs_a_reason_and_keeps_the_trail(login, finalized, reviewer, secretary):
    url = reverse("scoring:assessment_reopen", args=[finalized.pk])
    client = login(reviewer)

    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "Give the reason for reopening the assessment." in response.content.decode()
    finalized.refresh_from_db()
    assert finalized.status == Status.FINALIZED

    assert login(secretary).post(url, {"reason": "Tôi muốn sửa"}).status_code == 403
    response = login(reviewer).post(url, {"reason": "Bổ sung minh chứng tiêu chí A4"})
    assert response.status_code == 302
    # The reviewer no longer sees the agency's draft: back to the list, with a word on where it went.
    assert response["Location"] == list_url(finalized.rubric)
    assert (
        "is a draft again, back with the agency" in login(reviewer).get(response["Location"]).content.decode()
    )
    finalized.refresh_from_db()
    assert (finalized.status, finalized.finalized_at, finalized.submitted_at) == (Status.DRAFT, None, None)
    assert list(finalized.events.values_list("kind", flat=True)) == [
        "created",
        "submitted",
        "finalized",
        "reopened",
    ]
    assert finalized.events.last().reason == "Bổ sung minh chứng tiêu chí A4"
    page = login(secretary).get(detail_url(finalized)).content.decode()
    assert "Bổ sung minh chứng tiêu chí A4" in page
    assert reverse("scoring:line_edit", args=[line(finalized, "A4").pk]) in page
    assert finalized.history.count() >= 4


# --- evidence -----------------------------------------------------------------------------------------------


def test_evidence_is_uploaded_downloaded_and_removed_on_a_draft(
    login, rubric, agency, secretary, other_leader, staff_user
):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    a4 = line(assessment, "A4")
    client = login(secretary)

    response = client.post(
        reverse("scoring:evidence_add", args=[a4.pk]), {"file": pdf_upload(), "description": "Danh mục"}
    )
    assert response.status_code == 302
    evidence = LineEvidence.objects.get()
    assert (evidence.line, evidence.description, evidence.uploaded_by) == (a4, "Danh mục", secretary)
    assert "bien-ban.pdf" in client.get(detail_url(assessment)).content.decode()

    download = client.get(reverse("scoring:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert (
        login(other_leader).get(reverse("scoring:evidence_download", args=[evidence.pk])).status_code == 404
    )
    assert login(staff_user).get(reverse("scoring:evidence_download", args=[evidence.pk])).status_code == 404

    response = login(secretary).post(
        reverse("scoring:evidence_add", args=[a4.pk]), {"file": SimpleUploadedFile("x.pdf", b"not a pdf")}
    )
    assert response.status_code == 400
    assert "The file&#x27;s content is not PDF" in response.content.decode()
    assert LineEvidence.objects.count() == 1

    assert login(secretary).post(reverse("scoring:evidence_delete", args=[evidence.pk])).status_code == 302
    assert not LineEvidence.objects.exists()


# --- who sees what ------------------------------------------------------------------------------------------


def test_a_draft_self_assessment_is_seen_by_its_agencys_secretary_and_leader_only(
    login, client, rubric, agency, secretary, leader, staff_user, reviewer, other_leader, national_viewer
):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    url = detail_url(assessment)

    assert login(secretary).get(url).status_code == 200
    assert login(leader).get(url).status_code == 200
    for outsider in (staff_user, reviewer, other_leader, national_viewer):
        assert login(outsider).get(url).status_code == 404, outsider.username
    client.logout()
    assert client.get(url).status_code == 302


def test_a_submitted_self_assessment_is_seen_by_the_provinces_reviewers(
    login, rubric, agency, secretary, leader, staff_user, reviewer, foreign_reviewer, national_viewer
):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    score_manual(assessment, secretary)
    service.submit(assessment, leader)
    url = detail_url(assessment)

    assert login(reviewer).get(url).status_code == 200
    for outsider in (staff_user, foreign_reviewer, national_viewer):
        assert login(outsider).get(url).status_code == 404, outsider.username

    service.finalize(assessment, reviewer)
    for reader in (staff_user, national_viewer, reviewer, secretary):
        assert login(reader).get(url).status_code == 200, reader.username
    assert login(foreign_reviewer).get(url).status_code == 404


def test_an_official_assessment_is_the_provinces_until_finalized(
    login, rubric, agency, reviewer, leader, staff_user, other_leader, foreign_reviewer, national_viewer
):
    assessment = started(rubric, agency, Kind.OFFICIAL, reviewer)
    url = detail_url(assessment)

    assert login(reviewer).get(url).status_code == 200
    for outsider in (leader, staff_user, other_leader, foreign_reviewer, national_viewer):
        assert login(outsider).get(url).status_code == 404, outsider.username

    score_manual(assessment, reviewer)
    service.submit(assessment, reviewer)
    service.finalize(assessment, reviewer)
    for reader in (leader, staff_user, national_viewer):
        assert login(reader).get(url).status_code == 200, reader.username
    for outsider in (other_leader, foreign_reviewer):
        assert login(outsider).get(url).status_code == 404, outsider.username


# --- the list -----------------------------------------------------------------------------------------------


def list_url(rubric, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"rubric": rubric.pk, **params}.items())
    return f"{reverse('scoring:assessment_list')}?{query}"


def test_reviewer_lists_every_agency_of_the_province_with_both_assessments(
    login, rubric, agency, other_agency, foreign_agency, secretary, leader, reviewer
):
    own = started(rubric, agency, Kind.SELF, secretary)
    score_manual(own, secretary)
    service.submit(own, leader)
    official = started(rubric, agency, Kind.OFFICIAL, reviewer)
    draft = started(rubric, other_agency, Kind.SELF, None)

    page = login(reviewer).get(list_url(rubric)).content.decode()

    assert "UBND xã Tiến Dũng" in page
    assert "UBND xã Long Hưng" in page
    assert "UBND xã Đông Hòa" not in page
    assert detail_url(own) in page
    assert detail_url(official) in page
    assert detail_url(draft) not in page  # a draft self-assessment is the agency's own business
    assert f'name="agency" value="{other_agency.pk}"' in page  # start the official assessment
    assert 'name="kind" value="self"' not in page

    page = login(reviewer).get(list_url(rubric, kind="official", status="none")).content.decode()
    assert "UBND xã Long Hưng" in page
    assert "UBND xã Tiến Dũng" not in page
    page = login(reviewer).get(list_url(rubric, q="tien dung")).content.decode()
    assert "UBND xã Tiến Dũng" in page
    assert "UBND xã Long Hưng" not in page


def test_agency_users_list_their_own_agency_only(login, rubric, agency, other_agency, secretary, staff_user):
    started(rubric, other_agency, Kind.SELF, None)

    page = login(secretary).get(list_url(rubric)).content.decode()
    assert "UBND xã Tiến Dũng" in page
    assert "UBND xã Long Hưng" not in page
    assert f'name="agency" value="{agency.pk}"' in page
    assert 'name="kind" value="self"' in page

    page = login(staff_user).get(list_url(rubric)).content.decode()
    assert "UBND xã Long Hưng" not in page
    assert 'name="kind" value="self"' not in page


def test_assessment_list_exports_what_the_user_sees(login, rubric, agency, other_agency, reviewer):
    official = started(rubric, agency, Kind.OFFICIAL, reviewer)

    response = login(reviewer).get(list_url(rubric, export="xlsx"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Agency code", "Agency")
    assert rows[1:] == [
        (other_agency.code, "UBND xã Long Hưng", "Commune People's Committee", None, None, None, None),
        (
            agency.code,
            "UBND xã Tiến Dũng",
            "Commune People's Committee",
            None,
            None,
            "Draft",
            float(official.total),
        ),
    ]


def test_assessment_list_query_count_does_not_grow_with_agencies(
    login, rubric, province, reviewer, django_assert_max_num_queries
):
    client = login(reviewer)

    def fill(count: int) -> None:
        for agency in AgencyFactory.create_batch(count, province=province):
            Assessment.objects.create(rubric=rubric, agency=agency, kind=Kind.OFFICIAL, total=Decimal(50))

    fill(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(list_url(rubric)).status_code == 200
    fill(30)
    # Expect the same: session, user, grants, published rubrics, the count, one page of agencies with
    # both assessments annotated.
    with django_assert_max_num_queries(len(small)):
        assert client.get(list_url(rubric)).status_code == 200


def test_assessment_detail_query_count_does_not_grow_with_evidence(login, rubric, agency, secretary):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    client = login(secretary)
    with CaptureQueriesContext(connection) as bare:
        client.get(detail_url(assessment))
    for code in ("A4", "B1", "C2"):
        service.add_evidence(line(assessment, code), pdf_upload(f"{code}.pdf"), code, secretary)
        service.set_line(line(assessment, code), points=Decimal(1), comment="Có", user=secretary)
    with CaptureQueriesContext(connection) as full:
        client.get(detail_url(assessment))

    assert len(full) == len(bare)


def test_the_official_assessment_shows_the_self_scores_beside_its_own(
    login, rubric, agency, secretary, leader, reviewer
):
    own = started(rubric, agency, Kind.SELF, secretary)
    score_manual(own, secretary, "2.75")
    service.submit(own, leader)
    official = started(rubric, agency, Kind.OFFICIAL, reviewer)
    service.set_line(line(official, "A4"), points=Decimal("1.5"), comment="Thiếu biểu mẫu", user=reviewer)

    page = login(reviewer).get(detail_url(official)).content.decode()

    row = page[page.index('data-criterion="A4"') :].split("</tr>")[0]
    assert "2.75" in row
    assert "1.5" in row
    assert "Thiếu biểu mẫu" in row


def test_the_pages_render_in_vietnamese(client_as, rubric, agency, secretary):
    assessment = started(rubric, agency, Kind.SELF, secretary)
    service.set_line(line(assessment, "A4"), points=Decimal("2.5"), comment="", user=secretary)
    client = client_as(secretary)

    for url in (
        list_url(rubric),
        detail_url(assessment),
        edit_url(assessment, "A4"),
        edit_url(assessment, "B2"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="vi">' in response.content.decode()
    assert "2,5" in client.get(detail_url(assessment)).content.decode()
