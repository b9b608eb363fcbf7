"""Legal documents (national reference data) and the review flags their changes raise."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import Action, provinces_for
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table

from ..forms.legal import FlagNoChangeForm, LegalChangeForm, LegalDocumentFilter, LegalDocumentForm
from ..legal_selectors import FLAG_RELATIONS, processes_citing
from ..models import LegalDocument, ReviewFlag
from ..selectors import process_can, processes_visible
from ..services import legal as service

PAGE_SIZE = 25
# A national decree can be cited by thousands of procedures and processes: the page shows the first ones.
DETAIL_LIMIT = 100


def _is_reviewer(user) -> bool:
    """Legal documents are national; any provincial reviewer keeps them up to date."""
    return provinces_for(user, Action.OVERSEE).exists()


def _attach(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def legal_list(request):
    document_filter = LegalDocumentFilter(
        request.GET or None, queryset=LegalDocument.objects.select_related("replaced_by")
    )
    queryset = document_filter.qs if document_filter.is_bound else document_filter.queryset
    if request.GET.get("export") == "xlsx":
        return _export(queryset)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "procedures/legal_list.html",
        {
            "filter": document_filter,
            "page_obj": page,
            "query": query.urlencode(),
            "can_manage": _is_reviewer(request.user),
        },
    )


def _export(queryset) -> HttpResponse:
    status_labels = dict(LegalDocument.Status.choices)
    rows = (
        (
            document.number,
            document.title,
            document.issuer,
            document.issued_on,
            document.effective_on,
            document.expires_on,
            str(status_labels[document.status]),
            document.status_effective_on,
            document.replaced_by.number if document.replaced_by else "",
        )
        for document in queryset
    )
    headers = [
        _("Number and symbol"),
        _("Title"),
        _("Issuer"),
        _("Issued on"),
        _("Effective from"),
        _("Expires on"),
        _("Status"),
        _("Change takes effect on"),
        _("Replaced by"),
    ]
    response = HttpResponse(write_table(_("Legal documents"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="legal-documents-{stamp}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def legal_create(request):
    if not _is_reviewer(request.user):
        raise PermissionDenied
    form = LegalDocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = service.legal_document_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Legal document %(number)s added.") % {"number": document.number})
            return redirect(document)
    return render(
        request,
        "procedures/legal_form.html",
        {"form": form, "document": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def legal_update(request, pk: int):
    document = get_object_or_404(LegalDocument, pk=pk)
    if not _is_reviewer(request.user):
        raise PermissionDenied
    form = LegalDocumentForm(request.POST or None, initial=LegalDocumentForm.initial_for(document))
    if request.method == "POST" and form.is_valid():
        try:
            document = service.legal_document_update(
                document=document, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Legal document %(number)s saved.") % {"number": document.number})
            return redirect(document)
    return render(
        request,
        "procedures/legal_form.html",
        {"form": form, "document": document},
        status=400 if request.method == "POST" else 200,
    )


def legal_detail(request, pk: int):
    document = get_object_or_404(LegalDocument.objects.select_related("replaced_by"), pk=pk)
    return _render_detail(request, document, LegalChangeForm() if _is_reviewer(request.user) else None)


def _render_detail(request, document: LegalDocument, change_form: LegalChangeForm | None, status: int = 200):
    visible = processes_visible(request.user)
    citing = processes_citing(document, visible).order_by("agency__name", "framework__name", "code")
    flags = (
        ReviewFlag.objects.filter(legal_document=document, process__in=visible)
        .select_related(*FLAG_RELATIONS, "resolved_by")
        .order_by("-raised_on", "due_on", "pk")
    )
    procedures = document.procedures.order_by("code")
    return render(
        request,
        "procedures/legal_detail.html",
        {
            "document": document,
            "replaces": document.replaces.order_by("number"),
            "procedures": procedures[:DETAIL_LIMIT],
            "procedure_count": procedures.count(),
            "citing": citing[:DETAIL_LIMIT],
            "citing_count": citing.count(),
            "flags": flags.filter(resolved_on__isnull=True)[:DETAIL_LIMIT],
            "resolved_flags": flags.filter(resolved_on__isnull=False)[:DETAIL_LIMIT],
            "change_form": change_form,
            "limit": DETAIL_LIMIT,
            "review_months": settings.QMS_LEGAL_REVIEW_MONTHS,
            "today": timezone.localdate(),
        },
        status=status,
    )


@require_POST
def legal_change(request, pk: int):
    document = get_object_or_404(LegalDocument.objects.select_related("replaced_by"), pk=pk)
    if not _is_reviewer(request.user):
        raise PermissionDenied
    form = LegalChangeForm(request.POST)
    if form.is_valid():
        try:
            flagged = service.legal_document_change(
                document=document, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "The change was recorded; %(count)s process was flagged for review.",
                    "The change was recorded; %(count)s processes were flagged for review.",
                    flagged,
                )
                % {"count": flagged},
            )
            return redirect(document)
    return _render_detail(request, document, form, status=400)


@require_POST
def flag_no_change(request, pk: int):
    flag = get_object_or_404(
        ReviewFlag.objects.select_related(
            "process__agency__province", "process__framework", "legal_document"
        ),
        pk=pk,
    )
    if not process_can(request.user, Action.VIEW, flag.process):
        raise Http404
    if not process_can(request.user, Action.APPROVE, flag.process):
        raise PermissionDenied
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = FlagNoChangeForm(request.POST)
    if form.is_valid():
        try:
            service.flag_resolve_no_change(
                flag=flag, note=form.cleaned_data["note"], acting_user=request.user
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("Review of %(process)s closed: no change needed after %(document)s.")
                % {"process": flag.process.code, "document": flag.legal_document.number},
            )
            return redirect(next_url or flag.process.get_absolute_url())
    return render(
        request,
        "procedures/legal_flag_form.html",
        {"flag": flag, "form": form, "next": next_url, "today": timezone.localdate()},
        status=400,
    )
