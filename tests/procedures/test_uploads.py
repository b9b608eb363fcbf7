"""Forms attached to a revision: PDF, DOCX or XLSX by content, within the size limit."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from procedures.models import ProcessForm, ProcessRevision
from tests.factories import ProcessFactory, ProcessRevisionFactory

pytestmark = pytest.mark.django_db


def pdf_bytes() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.fixture
def draft(agency):
    return ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))


def upload(client, revision, name, content):
    body = {
        "version": ProcessRevision.objects.get(pk=revision.pk).version,
        "purpose": "Mục đích",
        "scope": "Phạm vi",
        "terms": "",
        "change_summary": "",
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "records-TOTAL_FORMS": "0",
        "records-INITIAL_FORMS": "0",
        "records-MIN_NUM_FORMS": "0",
        "records-MAX_NUM_FORMS": "1000",
        "forms-TOTAL_FORMS": "1",
        "forms-INITIAL_FORMS": "0",
        "forms-MIN_NUM_FORMS": "0",
        "forms-MAX_NUM_FORMS": "1000",
        "forms-0-code": "BM-01",
        "forms-0-title": "Phiếu tiếp nhận",
        "forms-0-ORDER": "1",
        "forms-0-file": SimpleUploadedFile(name, content),
    }
    return client.post(reverse("procedures:revision_edit", args=[revision.pk]), body)


@pytest.mark.parametrize(
    ("name", "content"),
    [("phieu.pdf", pdf_bytes()), ("phieu.docx", docx_bytes()), ("phieu.xlsx", xlsx_bytes())],
)
def test_real_documents_are_accepted_and_downloadable(client_as, secretary, draft, name, content):
    client = client_as(secretary)
    assert upload(client, draft, name, content).status_code == 302
    form = ProcessForm.objects.get()
    download = client.get(reverse("procedures:form_download", args=[form.pk]))
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.pdf", b"MZ\x90\x00 this is an executable"),
        ("phieu.docx", xlsx_bytes()),
        ("phieu.xlsx", b"%PDF-1.4 not a workbook"),
        ("script.html", b"<script>alert(1)</script>"),
    ],
)
def test_a_wrong_type_behind_the_name_is_refused(client_as, secretary, draft, name, content):
    response = upload(client_as(secretary), draft, name, content)
    assert response.status_code == 400
    assert not ProcessForm.objects.exists()


def test_an_oversized_file_is_refused(client_as, secretary, draft, settings):
    settings.QMS_UPLOAD_MAX_BYTES = 100
    response = upload(client_as(secretary), draft, "phieu.pdf", pdf_bytes() + b" " * 200)
    assert response.status_code == 400
    assert not ProcessForm.objects.exists()


def test_a_form_of_a_draft_is_not_downloadable_by_staff(client_as, secretary, staff_user, draft):
    upload(client_as(secretary), draft, "phieu.pdf", pdf_bytes())
    form = ProcessForm.objects.get()
    assert client_as(staff_user).get(reverse("procedures:form_download", args=[form.pk])).status_code == 404
