"""Checks on uploaded evidence and forms: the content must be what the name says, within the size limit."""

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Kind:
    extension: str
    label: str


PDF = Kind(".pdf", "PDF")
DOCX = Kind(".docx", "Word (.docx)")
XLSX = Kind(".xlsx", "Excel (.xlsx)")
DOCUMENT_KINDS = (PDF, DOCX, XLSX)
# An Office file is a zip; what it holds tells a Word document from a workbook, whatever the name says.
_OFFICE_MARKERS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}


def validate_document(uploaded, kinds: tuple[Kind, ...] = DOCUMENT_KINDS) -> None:
    """Raise ValidationError unless the file is one of `kinds` by name AND by content, and small enough."""
    limit = settings.QMS_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(uploaded.size / 1024 / 1024, 1), "limit": round(limit / 1024 / 1024, 1)}
        )
    name = uploaded.name.lower()
    kind = next((k for k in kinds if name.endswith(k.extension)), None)
    if kind is None:
        raise ValidationError(
            _("Only these file types are accepted: %(kinds)s.") % {"kinds": ", ".join(k.label for k in kinds)}
        )
    uploaded.seek(0)
    head = uploaded.read(limit + 1)
    uploaded.seek(0)
    if not _content_is(kind, head, limit):
        raise ValidationError(
            _("The file's content is not %(kind)s, whatever its name says.") % {"kind": kind.label}
        )


def _content_is(kind: Kind, data: bytes, limit: int) -> bool:
    if kind is PDF:
        return data.startswith(b"%PDF-")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return False
    if inflated > limit * 20:
        raise ValidationError(_("The file expands to more data than the portal accepts."))
    return "[Content_Types].xml" in names and _OFFICE_MARKERS[kind] in names
