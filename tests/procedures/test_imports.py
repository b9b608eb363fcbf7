"""Spreadsheet imports of the procedures app: the TTHC catalogue, the procedures agencies handle, and the
one-stop dossier statistics — through the pages and the command, all or nothing, row-by-row errors."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from agencies.models import Role
from procedures.models import AdministrativeProcedure, AgencyProcedure, DossierStatistic, LegalDocument
from tests.factories import (
    AdministrativeProcedureFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    LegalDocumentFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

CATALOGUE_HEADER = [
    "Mã thủ tục (code)",
    "Tên thủ tục (name)",
    "Lĩnh vực (field)",
    "Cấp thực hiện (level)",
    "Thời hạn giải quyết (statutory_days)",
    "Phí, lệ phí (fee)",
    "Cơ chế (mechanism)",
    "Căn cứ pháp lý (legal_basis)",
]
HANDLED_HEADER = ["Mã cơ quan (agency_code)", "Mã thủ tục (procedure_code)"]
DOSSIER_HEADER = [
    "agency_code",
    "procedure_code",
    "Tháng (month)",
    "Tiếp nhận (received)",
    "Trước hạn (early)",
    "Đúng hạn (on_time)",
    "Quá hạn (late)",
    "Đang giải quyết (pending)",
]


def xlsx(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, rows, *, delimiter=",", bom=False) -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(str(cell) for cell in row) for row in rows)]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode()


def upload(client, url_name: str, content: bytes, name="import.xlsx"):
    return client.post(reverse(f"procedures:{url_name}"), {"file": SimpleUploadedFile(name, content)})


def row_errors(response) -> dict[int, str]:
    return {error.row: error.message for error in response.context["errors"]}


def message_texts(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- the TTHC catalogue ---------------------------------------------------------------------------------

CATALOGUE_ROWS = [
    ["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "commune", "0.5", "Miễn lệ phí", "mot_cua",
     "60/2014/QH13; 123/2015/NĐ-CP"],
    ["2.000908", "Thủ tục cấp bản sao từ sổ gốc", "Chứng thực", "Cấp xã", 3, "8.000 đồng/bản",
     "Một cửa liên thông", "23/2015/NĐ-CP"],
    ["1.004227", "Thủ tục cấp giấy phép xây dựng", "Xây dựng", "Provincial", 2.5, None, None, None],
    ["1.000775", "Thủ tục đăng ký kết hôn", "Hộ tịch", "cấp tỉnh", "2,5", "", "lien_thong", "60/2014/QH13"],
]  # fmt: skip


def test_reviewer_imports_the_catalogue_with_vietnamese_headers(client_as, reviewer):
    LegalDocumentFactory(number="123/2015/NĐ-CP")
    response = upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    assert response.status_code == 302
    assert response.url == reverse("procedures:procedure_list")
    procedures = {p.code: p for p in AdministrativeProcedure.objects.prefetch_related("legal_basis")}
    assert set(procedures) == {"1.001193", "2.000908", "1.004227", "1.000775"}
    birth = procedures["1.001193"]
    assert (birth.name, birth.field, birth.level, birth.statutory_days, birth.fee, birth.mechanism) == (
        "Thủ tục đăng ký khai sinh",
        "Hộ tịch",
        AdministrativeProcedure.Level.COMMUNE,
        Decimal("0.50"),
        "Miễn lệ phí",
        AdministrativeProcedure.Mechanism.ONE_STOP,
    )
    assert sorted(d.number for d in birth.legal_basis.all()) == ["123/2015/NĐ-CP", "60/2014/QH13"]
    assert procedures["2.000908"].level == AdministrativeProcedure.Level.COMMUNE
    assert procedures["2.000908"].statutory_days == Decimal("3")
    assert procedures["2.000908"].mechanism == AdministrativeProcedure.Mechanism.INTERCONNECTED
    assert procedures["1.004227"].level == AdministrativeProcedure.Level.PROVINCIAL
    assert procedures["1.004227"].statutory_days == Decimal("2.5")
    assert procedures["1.004227"].mechanism == AdministrativeProcedure.Mechanism.ONE_STOP
    assert procedures["1.000775"].statutory_days == Decimal("2.5")
    assert procedures["1.000775"].mechanism == AdministrativeProcedure.Mechanism.INTERCONNECTED


def test_legal_basis_numbers_not_registered_are_created_and_counted(client_as, reviewer):
    LegalDocumentFactory(number="123/2015/NĐ-CP")
    response = upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    created = LegalDocument.objects.exclude(number="123/2015/NĐ-CP")
    assert sorted(created.values_list("number", "title", "status")) == [
        ("23/2015/NĐ-CP", "", LegalDocument.Status.IN_FORCE),
        ("60/2014/QH13", "", LegalDocument.Status.IN_FORCE),
    ]
    (message,) = message_texts(response)
    assert "4" in message and "2" in message
    assert created.get(number="60/2014/QH13").history.get().history_user == reviewer


def test_a_legal_basis_number_typed_loosely_finds_the_registered_document(client_as, reviewer):
    document = LegalDocumentFactory(number="123/2015/NĐ-CP")
    rows = [["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "commune", 1, "", "", "123/2015/nđ-cp"]]
    upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, rows))
    assert list(AdministrativeProcedure.objects.get().legal_basis.all()) == [document]
    assert LegalDocument.objects.count() == 1


def test_reimport_updates_procedures_by_code_and_replaces_their_legal_basis(client_as, reviewer):
    old_basis = LegalDocumentFactory(number="158/2005/NĐ-CP")
    procedure = AdministrativeProcedureFactory(code="1.001193", name="Tên cũ", statutory_days=Decimal("5"))
    procedure.legal_basis.add(old_basis)
    upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    procedure.refresh_from_db()
    assert (procedure.name, procedure.statutory_days) == ("Thủ tục đăng ký khai sinh", Decimal("0.50"))
    assert sorted(procedure.legal_basis.values_list("number", flat=True)) == [
        "123/2015/NĐ-CP",
        "60/2014/QH13",
    ]
    assert AdministrativeProcedure.objects.count() == 4


def test_an_optional_column_left_out_keeps_the_stored_values(client_as, reviewer):
    basis = LegalDocumentFactory(number="60/2014/QH13")
    procedure = AdministrativeProcedureFactory(code="1.001193", fee="Miễn phí", field="Hộ tịch")
    procedure.legal_basis.add(basis)
    header = ["code", "name", "level", "statutory_days"]
    upload(client_as(reviewer), "procedure_import", xlsx(header, [["1.001193", "Tên mới", "commune", 1]]))
    procedure.refresh_from_db()
    assert (procedure.name, procedure.fee, procedure.field) == ("Tên mới", "Miễn phí", "Hộ tịch")
    assert list(procedure.legal_basis.all()) == [basis]


def test_a_code_typed_into_a_number_cell_keeps_its_six_decimals(client_as, reviewer):
    header = ["code", "name", "level", "statutory_days"]
    upload(client_as(reviewer), "procedure_import", xlsx(header, [[1.00123, "Thủ tục", "commune", 1]]))
    assert list(AdministrativeProcedure.objects.values_list("code", flat=True)) == ["1.001230"]


def test_any_bad_catalogue_row_saves_nothing_and_every_error_is_listed(client_as, reviewer):
    rows = [
        *CATALOGUE_ROWS,
        ["", "Không có mã", "", "commune", 1, "", "", ""],
        ["1.001193", "Trùng mã", "", "commune", 1, "", "", ""],
        ["1.100001", "", "", "commune", 1, "", "", ""],
        ["1.100002", "Cấp sai", "", "national", 1, "", "", ""],
        ["1.100003", "Thời hạn âm", "", "commune", -1, "", "", ""],
        ["1.100004", "Không tròn phần tư ngày", "", "commune", "2.3", "", "", ""],
        ["1.100005", "Thời hạn chữ", "", "commune", "ba ngày", "", "", ""],
        ["1.100006", "Cơ chế sai", "", "commune", 1, "", "qua bưu điện", ""],
        ["1.100007", "Số văn bản quá dài", "", "commune", 1, "", "", "X" * 61],
        ["1.100008" + "9" * 30, "Mã quá dài", "", "commune", 1, "", "", ""],
    ]
    response = upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, rows))
    assert response.status_code == 400
    assert not AdministrativeProcedure.objects.exists()
    assert not LegalDocument.objects.exists()
    errors = row_errors(response)
    assert sorted(errors) == list(range(6, 16))
    assert "1.001193" in errors[7] and "2" in errors[7]
    assert "national" in errors[9]
    assert "-1" in errors[10]
    assert "2.3" in errors[11]
    assert "ba ngày" in errors[12]
    assert "qua bưu điện" in errors[13]
    assert "X" * 61 in errors[14] and "60" in errors[14]
    assert "30" in errors[15]
    assert "qua bưu điện" in response.content.decode()


def test_a_missing_catalogue_column_is_named(client_as, reviewer):
    header = ["code", "name", "level"]
    response = upload(client_as(reviewer), "procedure_import", xlsx(header, [["1.001193", "Tên", "commune"]]))
    assert response.status_code == 400
    assert "statutory_days" in " ".join(response.context["form"].errors["file"])
    assert not AdministrativeProcedure.objects.exists()


def test_an_empty_catalogue_spreadsheet_is_refused(client_as, reviewer):
    response = upload(client_as(reviewer), "procedure_import", xlsx(CATALOGUE_HEADER, []))
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


@pytest.mark.parametrize("role", ["staff_user", "secretary", "leader", "national_viewer"])
def test_only_provincial_reviewers_open_the_catalogue_import(client_as, request, role):
    client = client_as(request.getfixturevalue(role))
    assert client.get(reverse("procedures:procedure_import")).status_code == 403
    assert client.get(reverse("procedures:procedure_import_template")).status_code == 403
    response = upload(client, "procedure_import", xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    assert response.status_code == 403
    assert not AdministrativeProcedure.objects.exists()


def test_anonymous_is_sent_to_login_from_the_imports(client):
    for name in ("procedure_import", "agency_procedure_import", "dossier_import"):
        response = client.get(reverse(f"procedures:{name}"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_catalogue_template_reads_back_through_the_import(client_as, reviewer):
    client = client_as(reviewer)
    template = client.get(reverse("procedures:procedure_import_template"))
    assert template.status_code == 200
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert [cell.rsplit("(", 1)[1].rstrip(")") for cell in header] == [
        "code",
        "name",
        "field",
        "level",
        "statutory_days",
        "fee",
        "mechanism",
        "legal_basis",
    ]
    assert upload(client, "procedure_import", template.content).status_code == 302
    assert AdministrativeProcedure.objects.count() == 2


def test_command_imports_the_catalogue(tmp_path, db, capsys):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    call_command("import_xlsx", "procedures", str(path))
    assert AdministrativeProcedure.objects.count() == 4
    assert LegalDocument.objects.count() == 3
    assert "4" in capsys.readouterr().out


def test_command_prints_catalogue_row_errors_and_saves_nothing(tmp_path, db, capsys):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(xlsx(CATALOGUE_HEADER, [*CATALOGUE_ROWS, ["1.1", "Cấp sai", "", "national", 1]]))
    with pytest.raises(CommandError):
        call_command("import_xlsx", "procedures", str(path))
    assert "Dòng 6:" in capsys.readouterr().err
    assert not AdministrativeProcedure.objects.exists()


def test_command_refuses_an_unknown_kind(tmp_path, db):
    path = tmp_path / "file.xlsx"
    path.write_bytes(xlsx(CATALOGUE_HEADER, CATALOGUE_ROWS))
    with pytest.raises(CommandError):
        call_command("import_xlsx", "catalogue", str(path))
    assert not AdministrativeProcedure.objects.exists()


# --- the procedures agencies handle -------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    return {code: AdministrativeProcedureFactory(code=code) for code in ("1.001193", "2.000908", "1.000775")}


def test_reviewer_imports_the_procedures_agencies_handle(
    client_as, reviewer, agency, other_agency, catalogue
):
    AgencyProcedureFactory(agency=agency, procedure=catalogue["1.001193"])
    rows = [
        ["XTIENDUNG", "1.001193"],
        ["XTIENDUNG", "2.000908"],
        ["XTIENDUNG", "2.000908"],
        ["XLONGHUNG", "1.000775"],
    ]
    response = upload(client_as(reviewer), "agency_procedure_import", xlsx(HANDLED_HEADER, rows))
    assert response.status_code == 302
    assert set(AgencyProcedure.objects.values_list("agency__code", "procedure__code")) == {
        ("XTIENDUNG", "1.001193"),
        ("XTIENDUNG", "2.000908"),
        ("XLONGHUNG", "1.000775"),
    }
    (message,) = message_texts(response)
    assert "2" in message and "1" in message


def test_importing_the_same_procedures_handled_twice_changes_nothing(client_as, reviewer, agency, catalogue):
    client = client_as(reviewer)
    content = xlsx(HANDLED_HEADER, [["XTIENDUNG", "1.001193"], ["XTIENDUNG", "2.000908"]])
    upload(client, "agency_procedure_import", content)
    first = list(AgencyProcedure.objects.order_by("pk").values_list("pk", "added_at"))
    assert upload(client, "agency_procedure_import", content).status_code == 302
    assert list(AgencyProcedure.objects.order_by("pk").values_list("pk", "added_at")) == first


def test_bad_procedures_handled_rows_save_nothing(client_as, reviewer, agency, foreign_agency, catalogue):
    rows = [
        ["XTIENDUNG", "1.001193"],
        ["XKHONGCO", "1.001193"],
        ["XDONGHOA", "1.001193"],
        ["XTIENDUNG", "9.999999"],
        ["", "1.001193"],
        ["XTIENDUNG", ""],
    ]
    response = upload(client_as(reviewer), "agency_procedure_import", xlsx(HANDLED_HEADER, rows))
    assert response.status_code == 400
    assert not AgencyProcedure.objects.exists()
    errors = row_errors(response)
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "XKHONGCO" in errors[3]
    assert "XDONGHOA" in errors[4]  # another province's agency is unknown here
    assert "9.999999" in errors[5]


def test_an_agency_code_found_in_two_overseen_provinces_is_ambiguous(
    client_as, reviewer, agency, other_province, catalogue
):
    MembershipFactory(user=reviewer, role=Role.PROVINCIAL_REVIEWER, agency=None, province=other_province)
    AgencyFactory(province=other_province, code="XTIENDUNG", name="UBND xã Tiến Dũng (Thái Bình)")
    response = upload(
        client_as(reviewer), "agency_procedure_import", xlsx(HANDLED_HEADER, [["XTIENDUNG", "1.001193"]])
    )
    assert response.status_code == 400
    errors = row_errors(response)
    assert "Tỉnh Hưng Yên" in errors[2] and "Tỉnh Thái Bình" in errors[2]
    assert not AgencyProcedure.objects.exists()


@pytest.mark.parametrize("role", ["staff_user", "secretary", "leader"])
def test_agency_members_cannot_import_procedures_handled(client_as, request, role, catalogue):
    client = client_as(request.getfixturevalue(role))
    assert client.get(reverse("procedures:agency_procedure_import")).status_code == 403
    response = upload(client, "agency_procedure_import", xlsx(HANDLED_HEADER, [["XTIENDUNG", "1.001193"]]))
    assert response.status_code == 403
    assert not AgencyProcedure.objects.exists()


def test_the_procedures_handled_template_names_the_reviewers_agency(client_as, reviewer, agency, catalogue):
    client = client_as(reviewer)
    template = client.get(reverse("procedures:agency_procedure_import_template"))
    rows = list(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("XTIENDUNG", "1.001193")
    assert upload(client, "agency_procedure_import", template.content).status_code == 302
    assert AgencyProcedure.objects.filter(agency=agency).count() == 2


def test_command_imports_procedures_handled_for_a_province(
    tmp_path, agency, foreign_agency, catalogue, capsys
):
    path = tmp_path / "handled.xlsx"
    path.write_bytes(xlsx(HANDLED_HEADER, [["XTIENDUNG", "1.001193"], ["XTIENDUNG", "2.000908"]]))
    call_command("import_xlsx", "agency_procedures", str(path), "--province", "HY")
    assert AgencyProcedure.objects.filter(agency=agency).count() == 2
    assert "2" in capsys.readouterr().out


def test_command_needs_a_province_for_procedures_handled(tmp_path, agency, catalogue):
    path = tmp_path / "handled.xlsx"
    path.write_bytes(xlsx(HANDLED_HEADER, [["XTIENDUNG", "1.001193"]]))
    with pytest.raises(CommandError) as failure:
        call_command("import_xlsx", "agency_procedures", str(path))
    assert "--province" in str(failure.value)
    with pytest.raises(CommandError):
        call_command("import_xlsx", "agency_procedures", str(path), "--province", "NOPE")
    assert not AgencyProcedure.objects.exists()


# --- one-stop dossier statistics ---------------------------------------------------------------------------

DOSSIER_ROWS = [
    ["XTIENDUNG", "1.001193", "2025-01", 10, 3, 5, 1, 1],
    ["XTIENDUNG", "1.001193", date(2025, 2, 15), 4, 0, 4, 0, 0],
    ["XTIENDUNG", "2.000908", "2025-01", 20, 10, 10, 0, 0],
    ["XLONGHUNG", "2.000908", "03/2025", "7", "1", "2", "3", "1"],
]


def figures() -> dict[tuple[str, str, date], tuple[int, ...]]:
    return {
        (f.agency.code, f.procedure.code, f.month): (f.received, f.early, f.on_time, f.late, f.pending)
        for f in DossierStatistic.objects.select_related("agency", "procedure")
    }


def test_reviewer_imports_dossier_statistics(client_as, reviewer, agency, other_agency, catalogue):
    response = upload(client_as(reviewer), "dossier_import", xlsx(DOSSIER_HEADER, DOSSIER_ROWS))
    assert response.status_code == 302
    assert response.url == reverse("procedures:statistics")
    assert figures() == {
        ("XTIENDUNG", "1.001193", date(2025, 1, 1)): (10, 3, 5, 1, 1),
        ("XTIENDUNG", "1.001193", date(2025, 2, 1)): (4, 0, 4, 0, 0),
        ("XTIENDUNG", "2.000908", date(2025, 1, 1)): (20, 10, 10, 0, 0),
        ("XLONGHUNG", "2.000908", date(2025, 3, 1)): (7, 1, 2, 3, 1),
    }


def test_reimporting_a_month_replaces_its_figures(client_as, reviewer, agency, other_agency, catalogue):
    client = client_as(reviewer)
    upload(client, "dossier_import", xlsx(DOSSIER_HEADER, DOSSIER_ROWS))
    response = upload(
        client, "dossier_import", xlsx(DOSSIER_HEADER, [["XTIENDUNG", "1.001193", "2025-01", 12, 4, 6, 1, 1]])
    )
    assert response.status_code == 302
    assert figures()[("XTIENDUNG", "1.001193", date(2025, 1, 1))] == (12, 4, 6, 1, 1)
    assert DossierStatistic.objects.count() == 4


def test_a_csv_with_bom_and_semicolons_is_imported(client_as, reviewer, agency, other_agency, catalogue):
    rows = [
        ["XTIENDUNG", "1.001193", "2025-01", 10, 3, 5, 1, 1],
        ["XLONGHUNG", "2.000908", "2025-01", 1, 0, 1, 0, 0],
    ]
    content = csv_bytes(DOSSIER_HEADER, rows, delimiter=";", bom=True)
    response = upload(client_as(reviewer), "dossier_import", content, name="mot-cua.csv")
    assert response.status_code == 302
    assert figures() == {
        ("XTIENDUNG", "1.001193", date(2025, 1, 1)): (10, 3, 5, 1, 1),
        ("XLONGHUNG", "2.000908", date(2025, 1, 1)): (1, 0, 1, 0, 0),
    }


def test_a_comma_separated_csv_without_bom_is_imported(client_as, reviewer, agency, catalogue):
    content = csv_bytes(DOSSIER_HEADER, [["XTIENDUNG", "1.001193", "2025-01", "1.250", 250, 1000, 0, 0]])
    response = upload(client_as(reviewer), "dossier_import", content, name="MOT-CUA.CSV")
    assert response.status_code == 302
    assert figures() == {("XTIENDUNG", "1.001193", date(2025, 1, 1)): (1250, 250, 1000, 0, 0)}


def test_bad_dossier_rows_save_nothing_and_every_error_is_listed(client_as, reviewer, agency, catalogue):
    rows = [
        ["XTIENDUNG", "1.001193", "2025-01", 10, 3, 5, 1, 1],
        ["XTIENDUNG", "1.001193", "2025-02", 10, 3, 5, 1, 2],
        ["XTIENDUNG", "1.001193", "2025-03", 10, 3, 5, -1, 3],
        ["XTIENDUNG", "1.001193", "2025-04", 10, 3, 5, 1.5, 0.5],
        ["XTIENDUNG", "1.001193", "2025-13", 1, 1, 0, 0, 0],
        ["XTIENDUNG", "9.999999", "2025-05", 1, 1, 0, 0, 0],
        ["XKHONGCO", "1.001193", "2025-05", 1, 1, 0, 0, 0],
        ["XTIENDUNG", "1.001193", "2025-01", 1, 1, 0, 0, 0],
        ["XTIENDUNG", "1.001193", "2025-06", None, 1, 0, 0, 0],
    ]
    response = upload(client_as(reviewer), "dossier_import", xlsx(DOSSIER_HEADER, rows))
    assert response.status_code == 400
    assert not DossierStatistic.objects.exists()
    errors = row_errors(response)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    # received 10 against early 3 + on time 5 + late 1 + pending 2 = 11
    assert all(figure in errors[3] for figure in ("10", "3", "5", "1", "2", "11"))
    assert "late" in errors[4] and "-1" in errors[4]
    assert "1.5" in errors[5] and "0.5" in errors[5]
    assert "2025-13" in errors[6]
    assert "9.999999" in errors[7]
    assert "XKHONGCO" in errors[8]
    assert "01/2025" in errors[9] and "2" in errors[9]
    assert "received" in errors[10]


def test_a_missing_dossier_column_is_named(client_as, reviewer, agency, catalogue):
    content = xlsx(DOSSIER_HEADER[:-1], [["XTIENDUNG", "1.001193", "2025-01", 1, 1, 0, 0]])
    response = upload(client_as(reviewer), "dossier_import", content)
    assert response.status_code == 400
    assert "pending" in " ".join(response.context["form"].errors["file"])


def test_secretary_imports_the_figures_of_their_own_agency(client_as, secretary, agency, catalogue):
    client = client_as(secretary)
    assert client.get(reverse("procedures:dossier_import")).status_code == 200
    response = upload(client, "dossier_import", xlsx(DOSSIER_HEADER, DOSSIER_ROWS[:3]))
    assert response.status_code == 302
    assert len(figures()) == 3


def test_a_secretary_row_for_another_agency_is_a_row_error(
    client_as, secretary, agency, other_agency, catalogue
):
    response = upload(client_as(secretary), "dossier_import", xlsx(DOSSIER_HEADER, DOSSIER_ROWS))
    assert response.status_code == 400
    errors = row_errors(response)
    assert sorted(errors) == [5]
    assert "XLONGHUNG" in errors[5] and "UBND xã Long Hưng" in errors[5]
    assert not DossierStatistic.objects.exists()


def test_staff_cannot_import_dossier_statistics(client_as, staff_user, agency, catalogue):
    client = client_as(staff_user)
    assert client.get(reverse("procedures:dossier_import")).status_code == 403
    assert client.get(reverse("procedures:dossier_import_template")).status_code == 403
    response = upload(client, "dossier_import", xlsx(DOSSIER_HEADER, DOSSIER_ROWS[:1]))
    assert response.status_code == 403
    assert not DossierStatistic.objects.exists()


def test_the_dossier_template_reads_back_for_a_secretary(client_as, secretary, agency, catalogue):
    client = client_as(secretary)
    template = client.get(reverse("procedures:dossier_import_template"))
    assert template.status_code == 200
    assert upload(client, "dossier_import", template.content).status_code == 302
    assert figures()[("XTIENDUNG", "1.001193", date(2025, 1, 1))] == (120, 30, 80, 6, 4)


def test_a_csv_that_is_not_utf8_is_refused(client_as, reviewer, agency, catalogue):
    content = csv_bytes(DOSSIER_HEADER, [["XTIENDUNG", "1.001193", "2025-01", 1, 1, 0, 0, 0]])
    content += "\r\nHưng Yên".encode("cp1258")  # what an older Vietnamese Excel saves as "CSV"
    response = upload(client_as(reviewer), "dossier_import", content, name="mot-cua.csv")
    assert response.status_code == 400
    assert "UTF-8" in " ".join(response.context["form"].errors["file"])
    assert not DossierStatistic.objects.exists()


@pytest.mark.parametrize("name", ["mot-cua.csv", "mot-cua.xlsx"])
def test_an_oversized_dossier_file_is_refused(client_as, reviewer, agency, catalogue, settings, name):
    settings.QMS_IMPORT_MAX_BYTES = 1000
    rows = [["XTIENDUNG", "1.001193", f"2025-{m:02d}", 1, 1, 0, 0, 0] for m in range(1, 13)] * 5
    content = csv_bytes(DOSSIER_HEADER, rows) if name.endswith(".csv") else xlsx(DOSSIER_HEADER, rows)
    assert len(content) > 1000
    response = upload(client_as(reviewer), "dossier_import", content, name=name)
    assert response.status_code == 400
    assert "MB" in " ".join(response.context["form"].errors["file"])
    assert not DossierStatistic.objects.exists()


def test_a_broken_xlsx_is_refused(client_as, reviewer, agency, catalogue):
    response = upload(
        client_as(reviewer), "dossier_import", b"PK\x03\x04 not really a zip", name="mot-cua.xlsx"
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_a_zip_bomb_is_refused_before_it_is_inflated(client_as, reviewer, agency, catalogue, settings):
    settings.QMS_IMPORT_MAX_BYTES = 4000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 200_000)
    assert len(buffer.getvalue()) < 4000
    response = upload(client_as(reviewer), "dossier_import", buffer.getvalue(), name="mot-cua.xlsx")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_a_file_of_another_kind_is_refused_by_name(client_as, reviewer, agency, catalogue):
    content = csv_bytes(DOSSIER_HEADER, [["XTIENDUNG", "1.001193", "2025-01", 1, 1, 0, 0, 0]])
    response = upload(client_as(reviewer), "dossier_import", content, name="mot-cua.txt")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not DossierStatistic.objects.exists()


def test_command_imports_dossier_statistics_from_csv(
    tmp_path, agency, other_agency, foreign_agency, catalogue, capsys
):
    path = tmp_path / "mot-cua.csv"
    path.write_bytes(csv_bytes(DOSSIER_HEADER, DOSSIER_ROWS[:1] + DOSSIER_ROWS[3:], delimiter=";", bom=True))
    call_command("import_xlsx", "dossier_stats", str(path), "--province", "HY")
    assert set(figures()) == {
        ("XTIENDUNG", "1.001193", date(2025, 1, 1)),
        ("XLONGHUNG", "2.000908", date(2025, 3, 1)),
    }
    assert "2" in capsys.readouterr().out


def test_command_rejects_an_agency_of_another_province(tmp_path, agency, foreign_agency, catalogue, capsys):
    path = tmp_path / "mot-cua.xlsx"
    path.write_bytes(xlsx(DOSSIER_HEADER, [["XDONGHOA", "1.001193", "2025-01", 1, 1, 0, 0, 0]]))
    with pytest.raises(CommandError):
        call_command("import_xlsx", "dossier_stats", str(path), "--province", "HY")
    assert "XDONGHOA" in capsys.readouterr().err
    assert not DossierStatistic.objects.exists()
