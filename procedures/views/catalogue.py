from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.access import Action, agencies_for, agency_get_or_404, can, provinces_for
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..models import AdministrativeProcedure, AgencyProcedure, ProcessRevision
from ..selectors import processes_for
from ..services.catalogue import agency_procedures_update

PAGE_SIZE = 25
SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "days": "statutory_days",
    "-days": "-statutory_days",
}


def _catalogue(request):
    queryset = AdministrativeProcedure.objects.all()
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(search_text__contains=fold(query))
    level = request.GET.get("level", "")
    if level in AdministrativeProcedure.Level.values:
        queryset = queryset.filter(level=level)
    mechanism = request.GET.get("mechanism", "")
    if mechanism in AdministrativeProcedure.Mechanism.values:
        queryset = queryset.filter(mechanism=mechanism)
    field = request.GET.get("field", "")
    if field:
        queryset = queryset.filter(field=field)
    sort = request.GET.get("sort", "code")
    queryset = queryset.order_by(SORTS.get(sort, "code"), "pk")
    filters = {"q": query, "level": level, "mechanism": mechanism, "field": field, "sort": sort}
    return queryset, filters


def _page_context(request, queryset, filters, page_size=PAGE_SIZE) -> dict:
    params = request.GET.copy()
    params.pop("page", None)
    return {
        "page_obj": Paginator(queryset, page_size).get_page(request.GET.get("page")),
        "query": params.urlencode(),
        "filters": filters,
        "levels": AdministrativeProcedure.Level.choices,
        "mechanisms": AdministrativeProcedure.Mechanism.choices,
        "fields": AdministrativeProcedure.objects.order_by("field")
        .values_list("field", flat=True)
        .distinct(),
    }


def procedure_list(request):
    queryset, filters = _catalogue(request)
    context = _page_context(request, queryset, filters)
    context["can_import"] = provinces_for(request.user, Action.OVERSEE).exists()
    return render(request, "procedures/procedure_list.html", context)


def procedure_export(request):
    queryset, _filters = _catalogue(request)
    rows = (
        (
            p.code,
            p.name,
            p.field,
            p.get_level_display(),
            p.statutory_days,
            p.fee,
            p.get_mechanism_display(),
            "; ".join(d.number for d in p.legal_basis.all()),
        )
        for p in queryset.prefetch_related("legal_basis")
    )
    headers = [
        _("Code"),
        _("Name"),
        _("Field"),
        _("Level"),
        _("Statutory time (working days)"),
        _("Fee"),
        _("Mechanism"),
        _("Legal basis"),
    ]
    response = HttpResponse(write_table(_("Procedures"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="procedures.xlsx"'
    return response


def procedure_detail(request, pk: int):
    procedure = get_object_or_404(AdministrativeProcedure.objects.prefetch_related("legal_basis"), pk=pk)
    visible = agencies_for(request.user)
    handlers = (
        AgencyProcedure.objects.filter(procedure=procedure, agency__in=visible)
        .select_related("agency")
        .order_by("agency__name")
    )
    processes = (
        processes_for(request.user)
        .filter(procedure=procedure)
        .select_related("agency")
        .annotate(in_force=Exists(ProcessRevision.objects.filter(process=OuterRef("pk"), status="in_force")))
        .order_by("agency__name")
    )
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "handlers": handlers[:200],
            "handler_count": handlers.count(),
            "processes": processes[:200],
        },
    )


@require_http_methods(["GET", "POST"])
def agency_procedures(request, agency_pk: int):
    agency = agency_get_or_404(request.user, agency_pk)
    editable = can(request.user, Action.EDIT, agency) or can(request.user, Action.OVERSEE, agency)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        shown = [int(v) for v in request.POST.getlist("shown") if v.isdigit()]
        handled = [int(v) for v in request.POST.getlist("handled") if v.isdigit()]
        added, removed = agency_procedures_update(
            agency=agency, shown=shown, handled=handled, acting_user=request.user
        )
        messages.success(
            request, _("Saved: %(added)s added, %(removed)s removed.") % {"added": added, "removed": removed}
        )
        return redirect(request.get_full_path())
    queryset, filters = _catalogue(request)
    handled_only = request.GET.get("handled") == "1"
    queryset = queryset.annotate(
        is_handled=Exists(AgencyProcedure.objects.filter(agency=agency, procedure=OuterRef("pk")))
    )
    if handled_only:
        queryset = queryset.filter(is_handled=True)
    filters["handled"] = handled_only
    context = _page_context(request, queryset, filters, page_size=50)
    context.update(
        {
            "agency": agency,
            "editable": editable,
            "handled_total": AgencyProcedure.objects.filter(agency=agency).count(),
        }
    )
    return render(request, "procedures/agency_procedures.html", context)
