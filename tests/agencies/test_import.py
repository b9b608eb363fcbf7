"""Onboarding a province from .xlsx: header rule, all-or-nothing, row-by-row errors, page and command."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from agencies.models import Agency
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

VIETNAMESE_HEADER = [
    "Mã cơ quan (code)",
    "Tên cơ quan (name)",
    "Cấp (level)",
    "Mã cơ quan cấp trên (parent_code)",
    "Ngày bắt đầu hoạt động (active_from)",
]


def xlsx(rows, header=VIETNAMESE_HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, province, content: bytes, name="agencies.xlsx"):
    return client.post(
        reverse("agencies:import"),
        {"province": province.pk, "file": SimpleUploadedFile(name, content)},
    )


GOOD_ROWS = [
    ["SKHCN", "Sở Khoa học và Công nghệ", "department", None, date(2008, 1, 1)],
    ["CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "Chi cục", "SKHCN", "01/01/2009"],
    ["XAN", "UBND xã An Nhơn", "UBND cấp xã", None, "2025-07-01"],
]


def test_reviewer_imports_a_file_with_vietnamese_headers(client_as, reviewer, province):
    response = upload(client_as(reviewer), province, xlsx(GOOD_ROWS))
    assert response.status_code == 302
    agencies = {a.code: a for a in Agency.objects.filter(province=province)}
    assert set(agencies) == {"SKHCN", "CCTDC", "XAN"}
    assert agencies["CCTDC"].parent == agencies["SKHCN"]
    assert agencies["CCTDC"].level == Agency.Level.BRANCH
    assert agencies["XAN"].level == Agency.Level.COMMUNE
    assert agencies["CCTDC"].active_from == date(2009, 1, 1)
    assert agencies["XAN"].active_from == date(2025, 7, 1)


def test_reimport_updates_agencies_by_code(client_as, reviewer, province):
    AgencyFactory(province=province, code="SKHCN", name="Sở KH&CN (tên cũ)", level=Agency.Level.OTHER)
    upload(client_as(reviewer), province, xlsx(GOOD_ROWS))
    agency = Agency.objects.get(province=province, code="SKHCN")
    assert (agency.name, agency.level) == ("Sở Khoa học và Công nghệ", Agency.Level.DEPARTMENT)
    assert Agency.objects.filter(province=province).count() == 3


def test_any_bad_row_saves_nothing_and_every_error_is_listed(client_as, reviewer, province):
    rows = [
        *GOOD_ROWS,
        ["", "Không có mã", "commune", None, None],
        ["XAN", "Trùng mã", "commune", None, None],
        ["XBAD", "Cấp sai", "province", None, None],
        ["XPAR", "Cấp trên không có", "commune", "NOPE", None],
        ["XDATE", "Ngày sai", "commune", None, "31/02/2025"],
    ]
    response = upload(client_as(reviewer), province, xlsx(rows))
    assert response.status_code == 400
    assert not Agency.objects.exists()
    errors = {error.row: error.message for error in response.context["errors"]}
    assert sorted(errors) == [5, 6, 7, 8, 9]
    assert "XAN" in errors[6] and "4" in errors[6]
    assert "province" in errors[7]
    assert "NOPE" in errors[8]
    assert "31/02/2025" in errors[9]
    html = response.content.decode()
    assert "NOPE" in html


def test_a_missing_column_is_named(client_as, reviewer, province):
    response = upload(client_as(reviewer), province, xlsx([["X", "Y"]], header=["code", "Tên"]))
    assert response.status_code == 400
    assert "name" in " ".join(response.context["form"].errors["file"])
    assert not Agency.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("agencies.xlsx", b"not a spreadsheet at all"), ("agencies.csv", b"code,name\nA,B\n")],
)
def test_a_file_that_is_not_xlsx_is_refused(client_as, reviewer, province, name, content):
    response = upload(client_as(reviewer), province, content, name=name)
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Agency.objects.exists()


def test_an_oversized_file_is_refused(client_as, reviewer, province, settings):
    settings.QMS_IMPORT_MAX_BYTES = 1000
    response = upload(client_as(reviewer), province, xlsx(GOOD_ROWS * 20))
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Agency.objects.exists()


def test_reviewer_cannot_import_into_another_province(client_as, reviewer, other_province):
    response = upload(client_as(reviewer), other_province, xlsx(GOOD_ROWS))
    assert response.status_code == 400
    assert "province" in response.context["form"].errors
    assert not Agency.objects.exists()


def test_the_template_download_reads_back_through_the_import(client_as, reviewer, province):
    client = client_as(reviewer)
    template = client.get(reverse("agencies:import_template"))
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert [cell.rsplit("(", 1)[1].rstrip(")") for cell in header] == [
        "code",
        "name",
        "level",
        "parent_code",
        "active_from",
    ]
    assert upload(client, province, template.content).status_code == 302
    assert Agency.objects.filter(province=province).count() == 3


def test_command_imports_agencies(tmp_path, province, capsys):
    path = tmp_path / "agencies.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS))
    call_command("import_xlsx", "agencies", str(path), "--province", "HY")
    assert Agency.objects.filter(province=province).count() == 3
    assert "3" in capsys.readouterr().out


def test_command_prints_row_errors_and_fails_without_saving(tmp_path, province, capsys):
    path = tmp_path / "agencies.xlsx"
    path.write_bytes(xlsx([*GOOD_ROWS, ["XBAD", "Cấp sai", "province", None, None]]))
    with pytest.raises(CommandError) as failure:
        call_command("import_xlsx", "agencies", str(path), "--province", "HY")
    assert failure.value.returncode != 0  # manage.py exits with this code
    assert "Dòng 5:" in capsys.readouterr().err
    assert not Agency.objects.exists()
