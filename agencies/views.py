from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from qms_portal import panels
from qms_portal.history import Source, history_entries
from qms_portal.imports import ImportPage
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetError, read_table, template_for, write_table
from qms_portal.text import person

from . import selectors
from .access import Action, agency_get_or_404, can, provinces_for
from .filters import AgencyFilter
from .forms import AgencyImportForm, StatusChangeForm
from .models import Agency, Membership, QmsStatus, StatusChange
from .services import AGENCY_COLUMNS, ImportRejected, agencies_import, status_change_record

PAGE_SIZE = 25


def home(request):
    return render(
        request,
        "agencies/home.html",
        {
            "panels": panels.render("home", request),
            "memberships": selectors.own_memberships(request.user),
            "current_status": {
                agency.pk: agency
                for agency in selectors.agency_list(request.user).filter(memberships__user=request.user)
            },
            "province_summaries": selectors.province_status_summary(request.user),
        },
    )


def _filtered_agencies(request) -> AgencyFilter:
    return AgencyFilter(
        request.GET or None,
        queryset=selectors.agency_list(request.user),
        provinces=provinces_for(request.user, Action.VIEW),
    )


def agency_list(request):
    agency_filter = _filtered_agencies(request)
    queryset = agency_filter.qs if agency_filter.is_bound else agency_filter.queryset
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agencies/agency_list.html",
        {"filter": agency_filter, "page_obj": page, "query": query.urlencode()},
    )


def agency_export(request):
    agency_filter = _filtered_agencies(request)
    queryset = agency_filter.qs if agency_filter.is_bound else agency_filter.queryset
    status_labels = dict(QmsStatus.choices)
    rows = (
        (
            agency.province.name,
            agency.code,
            agency.name,
            agency.get_level_display(),
            agency.parent.code if agency.parent else "",
            str(status_labels.get(agency.current_status or QmsStatus.NOT_STARTED)),
            agency.current_since,
            agency.current_iso_version or "",
            agency.merged_into.name if agency.merged_into else "",
        )
        for agency in queryset
    )
    headers = [
        _("Province"),
        _("Code"),
        _("Name"),
        _("Level"),
        _("Parent agency code"),
        _("QMS status"),
        _("Since"),
        _("ISO version"),
        _("Merged into"),
    ]
    response = HttpResponse(write_table(_("Agencies"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="agencies-{stamp}.xlsx"'
    return response


def agency_detail(request, pk: int):
    agency = agency_get_or_404(request.user, pk)
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "history": agency.status_changes.select_related("recorded_by"),
            "predecessors": agency.predecessors.all(),
            "children": agency.children.order_by("name"),
            "can_record_status": can(request.user, Action.RECORD_STATUS, agency),
            "panels": panels.render("agency_detail", request, agency=agency),
            "history_entries": agency_changes(request.user, agency),
            "history_title": _("History of changes: QMS status, declarations and memberships")
            if memberships_shown(request.user, agency)
            else _("History of changes: QMS status and declarations"),
        },
    )


def memberships_shown(user, agency: Agency) -> bool:
    """Who holds which role, and since when, is for the agency's leader (who answers for its ISO committee)
    and the province's reviewers (who check who runs the systems they oversee), not for every reader."""
    return can(user, Action.APPROVE, agency) or can(user, Action.OVERSEE, agency)


def agency_changes(user, agency: Agency) -> list:
    """Every recorded change of the agency's QMS status history, and of its memberships when shown."""
    sources = [
        Source(
            StatusChange.history.filter(agency_id=agency.pk),
            lambda row: _("QMS status of %(date)s") % {"date": row.changed_on.strftime("%d/%m/%Y")},
        )
    ]
    if memberships_shown(user, agency):
        memberships = Membership.history.filter(agency_id=agency.pk)
        people = {
            user.pk: person(user)
            for user in get_user_model().objects.filter(pk__in=memberships.values("user_id"))
        }
        sources.append(
            Source(
                memberships,
                lambda row: _("Membership of %(person)s") % {"person": people.get(row.user_id, "?")},
            )
        )
    return history_entries(*sources)


@require_http_methods(["GET", "POST"])
def status_change_create(request, pk: int):
    agency = agency_get_or_404(request.user, pk, Action.RECORD_STATUS)
    form = StatusChangeForm(
        request.POST or None, initial={"changed_on": timezone.localdate(), "iso_version": "2015"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            status_change_record(agency=agency, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("The QMS status change was recorded."))
            return redirect(agency)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "agencies/status_change_form.html", {"agency": agency, "form": form}, status=status
    )


def _attach_errors(form, exc: ValidationError) -> None:
    for field, field_errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


@require_http_methods(["GET", "POST"])
def agency_import(request):
    provinces = provinces_for(request.user, Action.OVERSEE)
    if not provinces.exists():
        raise PermissionDenied
    form = AgencyImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_table(form.cleaned_data["file"], AGENCY_COLUMNS)
            if not rows:
                raise SpreadsheetError(_("The spreadsheet has no data rows."))
            result = agencies_import(province=form.cleaned_data["province"], rows=rows)
        except SpreadsheetError as exc:
            form.add_error("file", str(exc))
        except ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Import done: %(created)s agencies created, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("agencies:list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "_import_form.html", {"page": IMPORT_PAGE, "form": form, "errors": errors}, status=status
    )


IMPORT_PAGE = ImportPage(
    title=gettext_lazy("Import agencies from a spreadsheet"),
    columns=AGENCY_COLUMNS,
    notes=[
        gettext_lazy(
            "Level: department, branch, district, commune, other, or the label shown in the portal."
        ),
        gettext_lazy("An agency whose code already exists in the province is updated; others are created."),
    ],
    template_url="agencies:import_template",
)


def agency_import_template(request):
    if not provinces_for(request.user, Action.OVERSEE).exists():
        raise PermissionDenied
    example = [
        ("SKHCN", "Sở Khoa học và Công nghệ", str(Agency.Level.DEPARTMENT.label), "", "01/01/2008"),
        (
            "CCTDC",
            "Chi cục Tiêu chuẩn Đo lường Chất lượng",
            str(Agency.Level.BRANCH.label),
            "SKHCN",
            "01/01/2008",
        ),
        ("XAN", "UBND xã An Nhơn", str(Agency.Level.COMMUNE.label), "", "01/07/2025"),
    ]
    response = HttpResponse(template_for(AGENCY_COLUMNS, example), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="agencies-template.xlsx"'
    return response
