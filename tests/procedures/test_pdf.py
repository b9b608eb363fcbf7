"""The process document as a PDF in the official layout, read back with poppler's pdftotext and pdffonts."""

import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from agencies.models import Role
from procedures.models import ProcessForm, ProcessRevision, RecordKept
from tests.conftest import require
from tests.factories import (
    AgencyFactory,
    FrameworkModelFactory,
    InForceRevisionFactory,
    LegalDocumentFactory,
    MembershipFactory,
    ProcessFactory,
    ProcessRevisionFactory,
    ProcessStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def pdf_url(revision) -> str:
    return reverse("procedures:revision_pdf", args=[revision.pk])


def pdf_text(data: bytes, *args: str) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def vietnamese(message: str) -> str:
    """A label as the PDF prints it: the portal speaks Vietnamese unless the user chose otherwise."""
    with translation.override("vi"):
        return gettext(message)


@pytest.fixture
def revision(agency):
    process = ProcessFactory(agency=agency, code="QT-HT-01", title="Giải quyết thủ tục đăng ký khai sinh")
    revision = InForceRevisionFactory(process=process, number=2)
    ProcessStepFactory(revision=revision, order=1, action="Tiếp nhận hồ sơ", time_days=Decimal("0.5"))
    ProcessStepFactory(revision=revision, order=2, action="Thẩm định và trình ký", time_days=Decimal("1.5"))
    ProcessStepFactory(
        revision=revision,
        order=3,
        action="Trả kết quả cho công dân",
        time_days=Decimal("1"),
        time_counted=False,
    )
    return revision


def test_secretary_gets_the_process_pdf_inline_with_an_ascii_file_name(client_as, secretary, revision):
    response = client_as(secretary).get(pdf_url(revision))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="QT-HT-01-r2.pdf"'
    assert response.content.startswith(b"%PDF-")


def test_process_pdf_prints_agency_code_and_steps_with_their_diacritics(client_as, secretary, revision):
    text = pdf_text(client_as(secretary).get(pdf_url(revision)).content)
    assert "UBND TỈNH HƯNG YÊN" in text  # the province's committee: the agency has no parent
    assert "UBND XÃ TIẾN DŨNG" in text  # the issuing agency, upper-cased in the header
    assert "UBND xã Tiến Dũng" in text  # and as written, in the document control table
    assert "QT-HT-01" in text
    assert "Giải quyết thủ tục đăng ký khai sinh" in text
    for action in ("Tiếp nhận hồ sơ", "Thẩm định và trình ký", "Trả kết quả cho công dân"):
        assert action in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text


def test_process_pdf_is_dated_like_an_official_document(client_as, secretary, revision):
    revision.approved_at = datetime.datetime(2024, 1, 4, 18, 30, tzinfo=datetime.UTC)  # 5 Jan in Hà Nội time
    revision.save()
    text = pdf_text(client_as(secretary).get(pdf_url(revision)).content)
    assert "Hưng Yên, ngày 05 tháng 01 năm 2024" in text


def test_uncounted_steps_are_marked_and_left_out_of_the_total(client_as, secretary, revision):
    text = pdf_text(client_as(secretary).get(pdf_url(revision)).content, "-layout")
    assert text.count(vietnamese("not counted")) == 1
    total_line = next(line for line in text.splitlines() if vietnamese("Total counted time") in line)
    assert total_line.split()[-1] == "2"


def test_process_pdf_prints_references_forms_records_and_approval(client_as, secretary, revision):
    revision.references.add(LegalDocumentFactory(number="63/2010/NĐ-CP", title="Nghị định về kiểm soát TTHC"))
    ProcessForm.objects.create(revision=revision, code="BM.HT.01", title="Tờ khai đăng ký khai sinh")
    RecordKept.objects.create(
        revision=revision, name="Sổ đăng ký khai sinh", location="Công chức tư pháp", retention="Vĩnh viễn"
    )
    revision.approved_by = UserFactory(username="chutich", first_name="Văn Bình", last_name="Trần")
    revision.approved_at = datetime.datetime(2024, 1, 10, 3, tzinfo=datetime.UTC)
    revision.save()
    text = pdf_text(client_as(secretary).get(pdf_url(revision)).content)
    assert "63/2010/NĐ-CP — Nghị định về kiểm soát TTHC" in text
    assert "BM.HT.01" in text
    assert "Tờ khai đăng ký khai sinh" in text
    assert "Sổ đăng ký khai sinh" in text
    assert "Vĩnh viễn" in text
    assert "Trần Văn Bình" in text
    assert "10/01/2024" in text


def test_every_font_in_the_process_pdf_is_embedded_tinos(client_as, secretary, revision, tmp_path):
    require(shutil.which("pdffonts") is not None, "pdffonts (poppler-utils) is not installed")
    path = tmp_path / "process.pdf"
    path.write_bytes(client_as(secretary).get(pdf_url(revision)).content)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    fonts = [line.split() for line in listing.splitlines()[2:]]
    assert fonts
    for columns in fonts:
        assert columns[0].split("+", 1)[1].startswith("Tinos"), columns
        assert columns[-5] == "yes", columns  # emb


def test_sixty_steps_continue_on_page_two_under_the_repeated_header_row(client_as, secretary, agency):
    revision = InForceRevisionFactory(process=ProcessFactory(agency=agency))
    for order in range(1, 61):
        ProcessStepFactory(revision=revision, order=order, action=f"Bước xử lý số {order}")
    data = client_as(secretary).get(pdf_url(revision)).content
    first_page = pdf_text(data, "-f", "1", "-l", "1")
    second_page = pdf_text(data, "-f", "2", "-l", "2")
    assert "Bước xử lý số 1\n" in first_page
    assert "Bước xử lý số 60" not in first_page
    assert second_page.split()[0] == "2"  # the page number, centred in the top margin
    for label in ("Action", "Responsible", "Output"):
        assert vietnamese(label) in second_page
    assert "Bước xử lý số" in second_page
    assert "Bước xử lý số 60" in pdf_text(data)


def test_a_draft_carries_the_draft_watermark(client_as, secretary, agency):
    draft = ProcessRevisionFactory(process=ProcessFactory(agency=agency))
    response = client_as(secretary).get(pdf_url(draft))
    assert response.status_code == 200
    assert vietnamese("DRAFT") in pdf_text(response.content)
    assert "Hưng Yên, ngày … tháng … năm …" in pdf_text(response.content)


def test_a_revision_in_force_has_no_draft_watermark(client_as, secretary, revision):
    assert vietnamese("DRAFT") not in pdf_text(client_as(secretary).get(pdf_url(revision)).content)


def test_an_agency_with_a_parent_names_the_parent_above_it(client_as, province):
    parent = AgencyFactory(province=province, name="Sở Tư pháp tỉnh Hưng Yên")
    child = AgencyFactory(province=province, name="Phòng Hành chính tư pháp", parent=parent)
    leader = UserFactory(username="truongphong")
    MembershipFactory(user=leader, role=Role.AGENCY_LEADER, agency=child)
    revision = InForceRevisionFactory(process=ProcessFactory(agency=child))
    text = pdf_text(client_as(leader).get(pdf_url(revision)).content)
    assert "SỞ TƯ PHÁP TỈNH HƯNG YÊN" in text
    assert "PHÒNG HÀNH CHÍNH TƯ PHÁP" in text
    assert "UBND TỈNH HƯNG YÊN" not in text


@pytest.mark.parametrize(
    ("approved_on", "expected", "absent"),
    [
        (datetime.date(2024, 3, 1), "UBND HUYỆN YÊN MỸ", "UBND TỈNH HƯNG YÊN"),
        (datetime.date(2025, 8, 1), "UBND TỈNH HƯNG YÊN", "UBND HUYỆN YÊN MỸ"),
    ],
)
def test_the_parent_named_is_the_one_of_the_day_of_issue(client_as, province, approved_on, expected, absent):
    """A commune's district was abolished on 1 July 2025: later documents name the province instead."""
    district = AgencyFactory(
        province=province, name="UBND huyện Yên Mỹ", level="district", active_until=datetime.date(2025, 6, 30)
    )
    commune = AgencyFactory(province=province, name="UBND xã Tiến Dũng", parent=district)
    leader = UserFactory(username="chutich")
    MembershipFactory(user=leader, role=Role.AGENCY_LEADER, agency=commune)
    approved_at = timezone.make_aware(datetime.datetime.combine(approved_on, datetime.time(9)))
    revision = InForceRevisionFactory(process=ProcessFactory(agency=commune), approved_at=approved_at)
    text = pdf_text(client_as(leader).get(pdf_url(revision)).content)
    assert expected in text
    assert absent not in text


def test_a_framework_template_prints_the_framework_and_province(client_as, reviewer, province):
    framework = FrameworkModelFactory(province=province, name="Mô hình khung cấp xã 2025")
    template = ProcessFactory(agency=None, framework=framework, code="QT-MK-01")
    revision = InForceRevisionFactory(process=template)
    text = pdf_text(client_as(reviewer).get(pdf_url(revision)).content)
    assert "UBND TỈNH HƯNG YÊN" in text
    assert "MÔ HÌNH KHUNG CẤP XÃ 2025" in text
    assert "Mô hình khung cấp xã 2025" in text
    assert "Tỉnh Hưng Yên" in text


def test_file_name_is_ascii_whatever_the_code(client_as, secretary, agency):
    revision = InForceRevisionFactory(process=ProcessFactory(agency=agency, code="QT/ĐKKS Hộ tịch"), number=3)
    response = client_as(secretary).get(pdf_url(revision))
    assert response["Content-Disposition"] == 'inline; filename="QT-DKKS-Ho-tich-r3.pdf"'


# --- access -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, revision):
    response = client.get(pdf_url(revision))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsider_gets_404(client_as, other_leader, foreign_reviewer, revision):
    assert client_as(other_leader).get(pdf_url(revision)).status_code == 404
    assert client_as(foreign_reviewer).get(pdf_url(revision)).status_code == 404


def test_staff_get_404_on_a_draft(client_as, staff_user, agency):
    draft = ProcessRevisionFactory(process=ProcessFactory(agency=agency))
    assert draft.status == ProcessRevision.Status.DRAFT
    assert client_as(staff_user).get(pdf_url(draft)).status_code == 404


def test_staff_get_the_revision_in_force(client_as, staff_user, revision):
    response = client_as(staff_user).get(pdf_url(revision))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_post_is_not_allowed(client_as, secretary, revision):
    assert client_as(secretary).post(pdf_url(revision)).status_code == 405


# --- queries ----------------------------------------------------------------------------------------


def _filled(revision, size: int) -> None:
    for order in range(1, size + 1):
        ProcessStepFactory(revision=revision, order=order)
        ProcessForm.objects.create(revision=revision, code=f"BM-{order:02d}", title="Biểu mẫu")
        RecordKept.objects.create(revision=revision, name="Hồ sơ", location="Văn thư", retention="5 năm")
        revision.references.add(LegalDocumentFactory())


@pytest.mark.parametrize("size", [1, 20])
def test_pdf_takes_the_same_queries_whatever_the_size(
    client_as, secretary, agency, size, django_assert_num_queries
):
    revision = InForceRevisionFactory(process=ProcessFactory(agency=agency, procedure=None))
    _filled(revision, size)
    client = client_as(secretary)
    # 1 session, 2 user, 3 the revision with its process, agency, province and approver, 4 the user's
    # memberships and 5 the agencies merged into theirs (the access grants), 6 steps, 7 forms, 8 records,
    # 9 references.
    with django_assert_num_queries(9):
        response = client.get(pdf_url(revision))
    assert response.status_code == 200
