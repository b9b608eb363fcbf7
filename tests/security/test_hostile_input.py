"""Hostile input: markup typed into the portal comes out as text in pages, PDFs and .xlsx exports; cells
that a spreadsheet program would run as formulas are neutralized; files that are not what they claim, too big,
zip bombs or broken spreadsheets are refused with a message and leave nothing behind; POSTs without a CSRF
token are refused. (Other agencies' ids answering 404 is checked URL by URL in test_permission_matrix.py.)
"""

import io
import random
import shutil
import subprocess
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import Workbook, load_workbook

from agencies.models import Agency
from audits.models import Action, Finding
from procedures.models import (
    AdministrativeProcedure,
    DossierStatistic,
    LegalDocument,
    ProcessForm,
    ProcessRevision,
)
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentLine, Report, Rubric
from scoring.services import assessments as assessment_service
from scoring.services import reports as report_service
from tests.conftest import require
from tests.factories import (
    ActionFactory,
    AuditFactory,
    FindingFactory,
    ProcessFactory,
    ProcessRevisionFactory,
)
from tests.security.test_permission_matrix import build_dataset

pytestmark = pytest.mark.django_db

HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
FORMULAS = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def login(client_as):
    """Logged in, pages in English (the messages asserted below are the English msgids)."""

    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def assert_escaped(html: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert ESCAPED in html


def pdf_text(data: bytes) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def media_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- markup in text fields: escaped in pages and PDFs -------------------------------------------------------


def test_an_agency_name_imported_with_markup_is_shown_as_text(login, reviewer, province):
    client = login(reviewer)
    content = xlsx([["code", "name", "level"], ["XHOSTILE", HTML, "commune"]])
    response = client.post(
        reverse("agencies:import"),
        {"province": province.pk, "file": SimpleUploadedFile("don-vi.xlsx", content)},
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="XHOSTILE")
    assert agency.name == HTML  # kept as typed: escaping is the output's job
    assert_escaped(client.get(reverse("agencies:list")).content.decode())
    assert_escaped(client.get(agency.get_absolute_url()).content.decode())


def revision_body(revision, **fields) -> dict:
    body = {
        "version": ProcessRevision.objects.get(pk=revision.pk).version,
        "purpose": "Mục đích",
        "scope": "Phạm vi",
        "terms": "",
        "change_summary": "",
    }
    for prefix in ("steps", "records", "forms"):
        body |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return body | fields


def test_process_revision_text_with_markup_is_text_in_the_page_and_the_pdf(login, secretary, agency):
    revision = ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))
    client = login(secretary)
    response = client.post(
        reverse("procedures:revision_edit", args=[revision.pk]),
        revision_body(revision, purpose=HTML, scope=HTML, terms=HTML, change_summary=HTML),
    )
    assert response.status_code == 302
    assert_escaped(client.get(reverse("procedures:revision_detail", args=[revision.pk])).content.decode())
    pdf = client.get(reverse("procedures:revision_pdf", args=[revision.pk]))
    assert pdf.status_code == 200
    # WeasyPrint rendered the text, not the markup: the tags are printed as typed.
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in pdf_text(pdf.content)


def test_a_finding_description_with_markup_is_shown_as_text(login, secretary, agency):
    audit = AuditFactory(agency=agency)
    audit.status, audit.actual_start = audit.Status.IN_PROGRESS, audit.planned_start
    audit.save()
    client = login(secretary)
    response = client.post(
        reverse("audits:finding_create", args=[audit.pk]),
        {"grade": "observation", "description": HTML, "evidence": HTML},
    )
    assert response.status_code == 302
    assert Finding.objects.get().description == HTML
    assert_escaped(client.get(reverse("audits:audit_detail", args=[audit.pk])).content.decode())


def test_an_action_root_cause_with_markup_is_shown_as_text(login, agency, staff_user):
    action = ActionFactory(
        finding=FindingFactory(audit=AuditFactory(agency=agency)), owner=staff_user, status=Action.Status.OPEN
    )
    client = login(staff_user)
    response = client.post(
        reverse("audits:action_step", args=[action.pk]),
        {"version": action.version, "step": "analyse", "correction": HTML, "root_cause": HTML},
    )
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).root_cause == HTML
    assert_escaped(client.get(action.get_absolute_url()).content.decode())


def test_an_assessment_line_comment_with_markup_is_shown_as_text(login, province, agency, secretary):
    rubric = create_default_rubric(province, 2026)
    Rubric.objects.filter(pk=rubric.pk).update(status=Rubric.Status.PUBLISHED)
    rubric.refresh_from_db()
    assessment = assessment_service.start(rubric, agency, Assessment.Kind.SELF, secretary)
    line = AssessmentLine.objects.get(assessment=assessment, criterion__code="A4")
    client = login(secretary)
    response = client.post(
        reverse("scoring:line_edit", args=[line.pk]),
        {"version": line.version, "points": "2", "comment": HTML},
    )
    assert response.status_code == 302
    assert_escaped(client.get(reverse("scoring:assessment_detail", args=[assessment.pk])).content.decode())


def test_the_agency_report_prints_an_agency_name_with_markup_as_text(agency):
    Agency.objects.filter(pk=agency.pk).update(name=HTML)
    report = Report.objects.create(
        kind=Report.Kind.AGENCY_COMPLIANCE, agency=agency, province=agency.province, year=2025
    )
    report.refresh_from_db()
    data, pages, _ = report_service.render(report)
    assert pages >= 1
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in pdf_text(data)


# --- .xlsx exports: formulas neutralized ------------------------------------------------------------------


def _hostile_dataset():
    """The permission matrix's dataset with a formula-looking text in the fields the exports list."""
    d = build_dataset()
    Agency.objects.filter(pk=d.agency.pk).update(name=FORMULAS[0])
    AdministrativeProcedure.objects.filter(pk=d.procedure.pk).update(name=FORMULAS[2])
    LegalDocument.objects.filter(pk=d.legal.pk).update(title=FORMULAS[1])
    type(d.process).objects.filter(pk=d.process.pk).update(title=FORMULAS[3])
    type(d.audit).objects.filter(pk=d.audit.pk).update(title=FORMULAS[1])
    type(d.plan).objects.filter(pk=d.plan.pk).update(title=FORMULAS[3])
    type(d.programme).objects.filter(pk=d.programme.pk).update(objectives=FORMULAS[2])
    Action.objects.filter(pk=d.action.pk).update(title=FORMULAS[3], root_cause=FORMULAS[2])
    Rubric.objects.filter(pk__in=[d.rubric.pk, d.rubric_draft.pk]).update(name=FORMULAS[0])
    type(d.criterion).objects.filter(pk=d.criterion.pk).update(text=FORMULAS[1], guidance=FORMULAS[3])
    return d


# name -> (who exports, kwargs of reverse(), query string, the formulas the file must hold neutralized)
EXPORTS = {
    "agencies:export": ("reviewer", None, "", FORMULAS[:1]),
    "procedures:procedure_export": ("reviewer", None, "", FORMULAS[2:3]),
    "procedures:legal_list": ("reviewer", None, "export=xlsx", FORMULAS[1:2]),
    "procedures:process_list": ("secretary", None, "export=xlsx", (FORMULAS[0], FORMULAS[3])),
    "procedures:statistics": ("reviewer", None, "export=xlsx", ()),
    "audits:audit_list": ("secretary", None, "export=xlsx", (FORMULAS[0], FORMULAS[1])),
    "audits:programme_list": ("secretary", None, "export=xlsx", (FORMULAS[0], FORMULAS[2])),
    "audits:plan_list": ("reviewer", None, "export=xlsx", FORMULAS[3:4]),
    "audits:plan_export": ("reviewer", lambda d: {"pk": d.plan.pk}, "", FORMULAS[:1]),
    "audits:action_list": ("secretary", None, "export=xlsx", (FORMULAS[0], FORMULAS[2], FORMULAS[3])),
    "audits:review_list": ("secretary", None, "export=xlsx", FORMULAS[:1]),
    "audits:activity_list": ("secretary", None, "export=xlsx", FORMULAS[:1]),
    "scoring:target_list": ("reviewer", None, "export=xlsx", ()),
    "scoring:rubric_list": ("reviewer", None, "export=xlsx", FORMULAS[:1]),
    "scoring:rubric_export": ("reviewer", lambda d: {"pk": d.rubric.pk}, "", (FORMULAS[1], FORMULAS[3])),
    "scoring:results_export": ("reviewer", lambda d: {"rubric_pk": d.rubric.pk}, "", FORMULAS[:1]),
    "scoring:assessment_list": ("reviewer", None, "export=xlsx", FORMULAS[:1]),
    "scoring:dashboard_agencies": ("reviewer", None, "figure=agencies&export=xlsx", FORMULAS[:1]),
    "scoring:scores_template": ("reviewer", lambda d: {"pk": d.rubric.pk}, "", ()),
}


def _cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_export_neutralizes_formulas(name):
    d = _hostile_dataset()
    who, kwargs, query, expected = EXPORTS[name]
    client = Client()
    client.force_login(d.users[who])
    response = client.get(
        reverse(name, kwargs=kwargs(d) if kwargs else None) + (f"?{query}" if query else "")
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    cells = list(_cells(response.content))
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [text for text in texts if text.startswith(FORMULA_PREFIXES)]
    for formula in expected:
        assert "'" + formula in texts, formula


def _urls_without_arguments():
    def walk(resolver: URLResolver, namespace: str):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from walk(pattern, ":".join(filter(None, [namespace, pattern.namespace])))
            elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return sorted(set(walk(get_resolver(), "")))


def test_every_xlsx_download_is_in_the_export_table():
    """A list page that starts answering `?export=xlsx` must be added to EXPORTS above."""
    d = build_dataset()
    found = set()
    for who in ("secretary", "reviewer"):
        client = Client()
        client.force_login(d.users[who])
        for name in _urls_without_arguments():
            if name in ("logout", "set_language"):
                continue
            response = client.get(reverse(name), {"export": "xlsx", "figure": "agencies"})
            if response.get("Content-Type") == XLSX_CONTENT_TYPE and "template" not in name:
                found.add(name)
    assert found <= set(EXPORTS), found - set(EXPORTS)
    assert found, "no export answered: the discovery itself is broken"


# --- uploads: wrong type, oversize, zip bombs, broken spreadsheets ---------------------------------------


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
PAGE = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def zip_bomb(inflated_mb: int = 300) -> bytes:
    """A small zip (about 0.1% of it) whose one sheet inflates to `inflated_mb` MB, built chunk by chunk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
    return buffer.getvalue()


def with_member(content: bytes, member: str, data: bytes) -> bytes:
    """`content` (a zip) with one member replaced."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, data if info.filename == member else source.read(info.filename))
    return buffer.getvalue()


def corrupted_member(content: bytes, member: str) -> bytes:
    """`content` with a byte of one member's compressed data flipped: the central directory still reads."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    damaged = bytearray(content)
    damaged[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5] ^= 0xFF
    return bytes(damaged)


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {name} "{("&" + previous + ";") * 10}">'.encode()
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData></worksheet>'
)
SHEET = "xl/worksheets/sheet1.xml"
UNREADABLE = "The file is not a readable .xlsx spreadsheet."


def broken_files():
    good = xlsx([["code", "name", "level"], ["XMOI", "UBND xã Mới", "commune"]])
    return {
        "html renamed": (PAGE, UNREADABLE),
        "exe renamed": (EXE, UNREADABLE),
        "random bytes": (bytes(range(256)) * 20, UNREADABLE),
        "truncated": (good[: len(good) // 2], UNREADABLE),
        "damaged member": (corrupted_member(good, SHEET), UNREADABLE),
        "malformed sheet xml": (with_member(good, SHEET, b"<worksheet><sheetData><row><c"), UNREADABLE),
        "entity bomb": (with_member(good, SHEET, ENTITY_BOMB), UNREADABLE),
        # A workbook without sheets; the rubric import, reading sheets by name, says which one is missing.
        "no worksheet": (
            with_member(good, "xl/workbook.xml", b"<workbook/>"),
            (UNREADABLE, "The spreadsheet has no sheet named"),
        ),
        "zip bomb": (zip_bomb(), "The spreadsheet expands to more data than the portal accepts."),
        "wrong headers": (
            xlsx([["ma", "ten"], ["XMOI", "UBND xã Mới"]]),
            ("Missing column(s)", "The spreadsheet has no sheet named"),
        ),
    }


# url name -> (the POST fields beside the file, given the province; the rows that must stay as they were)
IMPORTS = {
    "agencies:import": (lambda province: {"province": province.pk}, Agency),
    "procedures:procedure_import": (lambda province: {}, AdministrativeProcedure),
    "procedures:dossier_import": (lambda province: {}, DossierStatistic),
    "scoring:rubric_import": (
        lambda province: {"province": province.pk, "year": 2030, "name": "Bộ mới", "total": "100"},
        Rubric,
    ),
}


@pytest.fixture(scope="module")
def broken():
    return broken_files()


@pytest.mark.parametrize("url_name", sorted(IMPORTS))
def test_broken_spreadsheets_are_refused_with_a_message_and_nothing_saved(
    login, reviewer, province, url_name, broken, media
):
    fields, model = IMPORTS[url_name]
    client = login(reviewer)
    before = model.objects.count()
    for label, (content, message) in broken.items():
        response = client.post(
            reverse(url_name), {**fields(province), "file": SimpleUploadedFile("bang.xlsx", content)}
        )
        assert response.status_code == 400, label
        page = response.content.decode()
        assert any(text in page for text in ([message] if isinstance(message, str) else message)), label
        assert model.objects.count() == before, label
    assert media_files(media) == []


def test_an_oversize_spreadsheet_is_refused_with_its_limit(login, reviewer, province, settings):
    settings.QMS_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    content = xlsx([["code", "name", "level"]] + [[f"X{n}", "x" * 100, "commune"] for n in range(20)])
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:  # incompressible noise: the file is over 2 MB
        archive.writestr("docProps/padding.bin", random.Random(8).randbytes(2_500_000))
    padded = buffer.getvalue()
    response = login(reviewer).post(
        reverse("agencies:import"), {"province": province.pk, "file": SimpleUploadedFile("a.xlsx", padded)}
    )
    assert response.status_code == 400
    assert "The file is larger than the limit of 2.0 MB." in response.content.decode()
    assert not Agency.objects.exclude(province=province).exists() and Agency.objects.count() == 0


@pytest.fixture
def draft(agency):
    return ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))


def form_upload(client, revision, name: str, content: bytes):
    body = revision_body(
        revision,
        **{
            "forms-TOTAL_FORMS": "1",
            "forms-0-code": "BM-01",
            "forms-0-title": "Phiếu",
            "forms-0-ORDER": "1",
            "forms-0-file": SimpleUploadedFile(name, content),
        },
    )
    return client.post(reverse("procedures:revision_edit", args=[revision.pk]), body)


def docx_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(b" " * (1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("phieu.pdf", PAGE, "The file’s content is not PDF, whatever its name says."),
        ("phieu.docx", EXE, "The file’s content is not Word (.docx), whatever its name says."),
        ("phieu.xlsx", PAGE, "The file’s content is not Excel (.xlsx), whatever its name says."),
        ("phieu.docx", None, "The file expands to more data than the portal accepts."),
    ],
    ids=["html as pdf", "exe as docx", "html as xlsx", "docx zip bomb"],
)
def test_an_attachment_that_is_not_what_its_name_says_is_refused(
    login, secretary, draft, media, name, content, message
):
    response = form_upload(login(secretary), draft, name, content if content is not None else docx_bomb())
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "’").replace("'", "’")
    assert not ProcessForm.objects.exists()
    assert media_files(media) == []


def test_an_oversize_attachment_is_refused_with_its_limit(login, secretary, draft, media, settings):
    settings.QMS_UPLOAD_MAX_BYTES = 1024 * 1024
    pdf = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)
    response = form_upload(login(secretary), draft, "phieu.pdf", pdf)
    assert response.status_code == 400
    assert "The file is 2.0 MB; the limit is 1.0 MB." in response.content.decode()
    assert not ProcessForm.objects.exists()
    assert media_files(media) == []


# --- CSRF -------------------------------------------------------------------------------------------------


def test_state_changing_posts_without_the_csrf_token_are_refused(secretary, leader, agency, draft):
    audit = AuditFactory(agency=agency)
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary)
    before = (
        ProcessRevision.objects.get(pk=draft.pk).status,
        ProcessRevision.objects.get(pk=draft.pk).purpose,
        Finding.objects.count(),
        Agency.objects.get(pk=agency.pk).name,
    )
    posts = [
        (reverse("procedures:revision_edit", args=[draft.pk]), revision_body(draft, purpose="Đổi")),
        (reverse("procedures:revision_submit", args=[draft.pk]), {}),
        (reverse("audits:finding_create", args=[audit.pk]), {"grade": "observation", "description": "x"}),
        (reverse("procedures:process_create"), {"title": "Quy trình mới", "kind": "internal"}),
    ]
    for address, body in posts:
        response = client.post(address, body)
        assert response.status_code == 403, address
    after = (
        ProcessRevision.objects.get(pk=draft.pk).status,
        ProcessRevision.objects.get(pk=draft.pk).purpose,
        Finding.objects.count(),
        Agency.objects.get(pk=agency.pk).name,
    )
    assert after == before
    assert type(draft.process).objects.count() == 1
    # The same client with the token gets through: the 403 was the missing token.
    client.get(reverse("procedures:revision_edit", args=[draft.pk]))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("procedures:revision_edit", args=[draft.pk]),
        revision_body(draft, purpose="Đổi", csrfmiddlewaretoken=token),
    )
    assert response.status_code == 302
    assert ProcessRevision.objects.get(pk=draft.pk).purpose == "Đổi"


def test_a_dashboard_export_whose_title_a_workbook_refuses_still_downloads(login, reviewer, agency):
    """The sheet is named after the figure (“QMS status: Declared”): characters Excel forbids are replaced."""
    response = login(reviewer).get(
        reverse("scoring:dashboard_agencies") + "?figure=status&status=declared&export=xlsx"
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    title = load_workbook(io.BytesIO(response.content)).worksheets[0].title
    assert title.startswith("QMS status") and not set(title) & set("\\*?:/[]")
