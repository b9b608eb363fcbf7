import re
import unicodedata
from decimal import Decimal

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from qms_portal.pdf import official_date, province_place, provincial_committee, render_template_pdf

from ..models import ProcessRevision
from ..selectors import revision_get_or_404

Status = ProcessRevision.Status


@require_safe
def revision_pdf(request, pk: int) -> HttpResponse:
    revision = revision_get_or_404(request.user, pk)
    prefetch_related_objects([revision], "steps", "forms", "records", "references")
    data = render_template_pdf(
        "procedures/revision_pdf.html", revision_pdf_context(revision), request=request
    )
    response = HttpResponse(data, content_type="application/pdf")
    filename = ascii_filename(f"{revision.process.code}-r{revision.number}")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def revision_pdf_context(revision: ProcessRevision) -> dict:
    """Everything the process document prints; the revision's steps, forms, records and references are
    expected prefetched."""
    process = revision.process
    if revision.approved_at:
        issued_on = timezone.localdate(revision.approved_at)
    else:
        issued_on = revision.effective_date
    if process.agency_id is not None:
        agency = process.agency
        province = agency.province
        # The parent named is the one of the day the document was issued: after 1 July 2025 a commune's
        # former district no longer exists and the province's People's Committee stands above it.
        parent = agency.parent
        if parent is not None and parent.is_operating(on=issued_on or timezone.localdate()):
            parent_agency = parent.name
        else:
            parent_agency = provincial_committee(province.name)
        issuing_agency = agency.name
    else:
        # A framework template belongs to no agency: the province publishes it.
        agency = None
        province = process.framework.province
        parent_agency = provincial_committee(province.name)
        issuing_agency = process.framework.name
    steps = list(revision.steps.all())
    approver = revision.approved_by
    return {
        "revision": revision,
        "process": process,
        "agency": agency,
        "province": province,
        "parent_agency": parent_agency,
        "issuing_agency": issuing_agency,
        "place_date": official_date(province_place(province.name), issued_on),
        "is_draft": revision.status in (Status.DRAFT, Status.IN_REVIEW),
        "purpose": _lines(revision.purpose),
        "scope": _lines(revision.scope),
        "terms": _lines(revision.terms),
        "steps": steps,
        "counted_days": sum((step.time_days for step in steps if step.time_counted), Decimal("0")),
        "forms": list(revision.forms.all()),
        "records": list(revision.records.all()),
        "references": list(revision.references.all()),
        "approver_name": _vietnamese_name(approver) if approver else "",
        "approved_on": timezone.localdate(revision.approved_at) if revision.approved_at else None,
        "recipients": [_("Units and officers applying this process;")],
    }


def _lines(text: str) -> list[str]:
    """People type one paragraph (or one term) per line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _vietnamese_name(user) -> str:
    """Family name first, as Vietnamese names are written on official documents."""
    return f"{user.last_name} {user.first_name}".strip() or user.username


def ascii_filename(name: str) -> str:
    """`QT-HỘ TỊCH/01` → `QT-HO-TICH-01`: safe in a Content-Disposition header on every browser."""
    name = name.replace("đ", "d").replace("Đ", "D")
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "process"
