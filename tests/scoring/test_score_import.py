"""Scores imported from .xlsx into the assessments of a published rubric: in the browser (row-by-row errors,
nothing saved on any error) and with `manage.py import_xlsx scores FILE --rubric ID --kind official|self`."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audits.models import Activity
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentEvent, AssessmentLine, Rubric
from scoring.services import assessments as service
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 2, 10)
YEAR = 2025
Kind = Assessment.Kind
Status = Assessment.Status
HEADERS = ("Mã cơ quan (agency_code)", "Mã tiêu chí (criterion_code)", "Điểm (points)", "Ghi chú (comment)")


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def login(client_as):
    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


@pytest.fixture
def rubric(province):
    rubric = create_default_rubric(province, YEAR)
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = timezone.now()
    rubric.save()
    return rubric


@pytest.fixture
def meetings(agency):
    """Two steering committee meetings in the year: B2 computes 4 points."""
    for month in (3, 9):
        ActivityFactory(agency=agency, kind=Activity.Kind.MEETING, held_on=datetime.date(YEAR, month, 15))


def xlsx(*rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "diem.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def import_url(rubric) -> str:
    return reverse("scoring:scores_import", args=[rubric.pk])


def points(assessment: Assessment) -> dict[str, Decimal | None]:
    return dict(assessment.lines.values_list("criterion__code", "points"))


def test_every_bad_row_is_listed_and_nothing_is_saved(
    login, rubric, agency, other_agency, foreign_agency, reviewer, meetings
):
    content = xlsx(
        ("XTIENDUNG", "A4", 2, "Đủ biểu mẫu"),  # row 2: fine
        ("KHONGCO", "A4", 1, ""),  # 3
        (foreign_agency.code, "B1", 1, ""),  # 4: an agency of another province
        ("XTIENDUNG", "Z9", 1, ""),  # 5
        ("XTIENDUNG", "B1", "hai", ""),  # 6
        ("XTIENDUNG", "C2", -1, ""),  # 7
        ("XTIENDUNG", "D2", 6.5, ""),  # 8: D2 is worth 6
        ("XLONGHUNG", "D2", 1.3, ""),  # 9
        ("XTIENDUNG", "a4", 1, ""),  # 10: A4 again
        ("XTIENDUNG", "B2", 3, ""),  # 11: B2 computes 4
        ("XLONGHUNG", "A4", None, "Chưa chấm"),  # 12
    )

    response = login(reviewer).post(import_url(rubric), {"file": upload(content), "kind": Kind.OFFICIAL})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved: 10 rows have errors." in page
    for row, message in [
        (3, "no agency of Tỉnh Hưng Yên has the code KHONGCO"),
        (4, f"no agency of Tỉnh Hưng Yên has the code {foreign_agency.code}"),
        (5, "the rubric has no criterion Z9"),
        (6, "“hai” is not a number of points"),
        (7, "Points cannot be negative."),
        (8, "D2 is worth at most 6 points."),
        (9, "Points go in steps of 0.25"),
        (10, "XTIENDUNG, A4 already appears in row 2"),
        (11, "3 differs from the computed 4 points of B2: give the reason in the comment"),
        (12, "the points are empty"),
    ]:
        assert f"<td>{row}</td><td>{message}" in page.replace("&quot;", '"'), (row, message)
    assert not Assessment.objects.exists()
    assert not AssessmentLine.objects.exists()


def test_scores_are_imported_starting_the_missing_assessments(
    login, rubric, agency, other_agency, reviewer, secretary, meetings
):
    existing = service.start(rubric, other_agency, Kind.OFFICIAL, reviewer)
    content = xlsx(
        ("XTIENDUNG", "A4", 2.5, "Thiếu sổ theo dõi"),
        ("XTIENDUNG", "B2", 3, "Một cuộc họp không có biên bản"),
        ("XTIENDUNG", "E1", 8, ""),  # the computed points: no reason needed
        ("XLONGHUNG", "C2", "4,75", ""),
    )

    response = login(reviewer).post(import_url(rubric), {"file": upload(content), "kind": Kind.OFFICIAL})

    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:assessment_list") + f"?rubric={rubric.pk}&kind=official"
    message = login(reviewer).get(response["Location"]).content.decode()
    assert "4 scores saved in 2 assessments (1 started by the import)." in message
    created = Assessment.objects.get(agency=agency, kind=Kind.OFFICIAL)
    a4 = created.lines.get(criterion__code="A4")
    b2 = created.lines.get(criterion__code="B2")
    assert (a4.points, a4.comment, a4.override_reason) == (Decimal("2.5"), "Thiếu sổ theo dõi", "")
    assert (b2.points, b2.computed_points, b2.override_reason) == (
        Decimal(3),
        Decimal(4),
        "Một cuộc họp không có biên bản",
    )
    assert created.total == sum(value or 0 for value in points(created).values())
    assert list(created.events.values_list("kind", flat=True)) == ["created", "imported"]
    existing.refresh_from_db()
    assert points(existing)["C2"] == Decimal("4.75")
    assert existing.total == sum(value or 0 for value in points(existing).values())
    assert existing.events.last().kind == AssessmentEvent.Kind.IMPORTED
    assert a4.history.latest().history_user == reviewer
    assert not Assessment.objects.filter(kind=Kind.SELF).exists()


def test_a_submitted_or_finalized_assessment_is_a_row_error(login, rubric, agency, other_agency, reviewer):
    finalized = service.start(rubric, agency, Kind.OFFICIAL, reviewer)
    for code in ("A4", "B1", "C2", "D2", "G2", "H1"):
        line = finalized.lines.get(criterion__code=code)
        service.set_line(line, points=Decimal(1), comment="", user=reviewer)
    service.submit(finalized, reviewer)
    service.finalize(finalized, reviewer)
    before = points(finalized)
    content = xlsx(("XLONGHUNG", "A4", 2, ""), ("XTIENDUNG", "A4", 3, "Chấm lại"))

    response = login(reviewer).post(import_url(rubric), {"file": upload(content), "kind": Kind.OFFICIAL})

    assert response.status_code == 400
    assert (
        "<td>3</td><td>the official assessment of UBND xã Tiến Dũng is finalized: "
        "a reviewer must reopen it first" in response.content.decode()
    )
    assert points(finalized) == before
    assert not Assessment.objects.filter(agency=other_agency).exists()


def test_who_may_import_scores(login, province, rubric, secretary, foreign_reviewer, reviewer):
    content = xlsx(("XTIENDUNG", "A4", 2, ""))

    assert login(secretary).get(import_url(rubric)).status_code == 403
    assert login(secretary).post(import_url(rubric), {"file": upload(content)}).status_code == 403
    assert login(foreign_reviewer).get(import_url(rubric)).status_code == 404
    draft = create_default_rubric(province, YEAR + 1)
    assert login(secretary).get(import_url(draft)).status_code == 404
    response = login(reviewer).post(import_url(draft), {"file": upload(content), "kind": Kind.OFFICIAL})
    assert response.status_code == 400
    assert "Publish the rubric before importing scores into it." in response.content.decode()
    assert not Assessment.objects.exists()


def test_unreadable_files_and_missing_columns_are_refused(login, rubric, reviewer, agency):
    client = login(reviewer)

    response = client.post(import_url(rubric), {"file": upload(b"not a spreadsheet"), "kind": Kind.OFFICIAL})
    assert response.status_code == 400
    assert "The file is not a readable .xlsx spreadsheet." in response.content.decode()
    response = client.post(
        import_url(rubric),
        {
            "file": upload(xlsx(("XTIENDUNG", "A4"), headers=("agency_code", "criterion_code"))),
            "kind": "official",
        },
    )
    assert response.status_code == 400
    assert "Missing column(s): points." in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_template_lists_every_criterion_of_the_rubric(login, rubric, agency, reviewer):
    response = login(reviewer).get(reverse("scoring:scores_template", args=[rubric.pk]))

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "Agency code (agency_code)",
        "Criterion code (criterion_code)",
        "Points (points)",
        "Comment (comment)",
    )
    assert [row[1] for row in rows[1:]][:3] == ["A1", "A2", "A3"]
    assert len(rows) == 1 + rubric.criteria.count()
    assert {row[0] for row in rows[1:]} == {"XTIENDUNG"}


# --- manage.py import_xlsx scores ---------------------------------------------------------------------------


@pytest.fixture
def score_file(tmp_path):
    def write(*rows):
        path = tmp_path / "diem.xlsx"
        path.write_bytes(xlsx(*rows))
        return str(path)

    return write


def test_the_command_imports_self_assessment_scores(rubric, agency, score_file):
    out = io.StringIO()

    call_command(
        "import_xlsx",
        "scores",
        score_file(("XTIENDUNG", "A4", 3, "")),
        "--rubric",
        str(rubric.pk),
        "--kind",
        "self",
        stdout=out,
    )

    assessment = Assessment.objects.get()
    assert (assessment.kind, assessment.status, assessment.created_by) == (Kind.SELF, Status.DRAFT, None)
    assert points(assessment)["A4"] == Decimal(3)
    assert "1 score saved in 1 assessment (1 started by the import)." in out.getvalue()


def test_the_command_imports_official_scores_by_default(rubric, agency, score_file):
    call_command(
        "import_xlsx", "scores", score_file(("XTIENDUNG", "H1", 1.25, "")), "--rubric", str(rubric.pk)
    )

    assert Assessment.objects.get().kind == Kind.OFFICIAL


def test_the_command_needs_an_existing_published_rubric(province, rubric, agency, score_file):
    path = score_file(("XTIENDUNG", "A4", 3, ""))
    draft = create_default_rubric(province, YEAR + 1)

    with pytest.raises(CommandError, match="--rubric is required for the scores import"):
        call_command("import_xlsx", "scores", path)
    with pytest.raises(CommandError, match="No rubric has the id 9999"):
        call_command("import_xlsx", "scores", path, "--rubric", "9999")
    with pytest.raises(CommandError, match="is a draft"):
        call_command("import_xlsx", "scores", path, "--rubric", str(draft.pk))
    with pytest.raises(CommandError):
        call_command("import_xlsx", "scores", path, "--rubric", str(rubric.pk), "--kind", "both")
    assert not Assessment.objects.exists()


def test_the_command_lists_row_errors_and_saves_nothing(rubric, agency, score_file):
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was saved: 1 row"):
        call_command(
            "import_xlsx",
            "scores",
            score_file(("XTIENDUNG", "A4", 2, ""), ("XTIENDUNG", "B1", 9, "")),
            "--rubric",
            str(rubric.pk),
            stderr=err,
        )

    assert "Row 3: B1 is worth at most 3 points." in err.getvalue()
    assert not Assessment.objects.exists()
