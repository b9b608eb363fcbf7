"""Provincial inspections: the annual plan of a province, its inspections, and their decisions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from agencies.access import Action as Can
from agencies.access import can, can_anywhere, can_in_province, provinces_for
from agencies.models import Agency
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..forms.inspections import DecisionForm, PlanEntryForm, PlanForm, plan_entries
from ..models import Audit, InspectionPlan
from ..selectors import audit_get_or_404
from ..services import inspections as service

PAGE_SIZE = 25
SORTS = {
    "agency": ("agency__name", "pk"),
    "-agency": ("-agency__name", "-pk"),
    "start": ("planned_start", "agency__name"),
    "-start": ("-planned_start", "agency__name"),
    "status": ("status", "agency__name"),
    "method": ("method", "agency__name"),
}


def plan_list(request):
    user = request.user
    plans = (
        service.plans_for(user)
        .select_related("province")
        .annotate(
            agency_count=Count("inspections"),
            on_site_count=Count("inspections", filter=Q(inspections__method=Audit.Method.ON_SITE)),
            decided_count=Count("inspections", filter=~Q(inspections__decision_number="")),
            closed_count=Count("inspections", filter=Q(inspections__status=Audit.Status.CLOSED)),
        )
        .order_by("-year", "province__name")
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "year", "province")}
    if filters["q"]:
        # The title as typed, or any agency inspected (folded: `tien dung` finds `Tiến Dũng`).
        inspected = Audit.objects.filter(
            kind=Audit.Kind.INSPECTION, agency__search_text__contains=fold(filters["q"])
        ).values("plan_id")
        plans = plans.filter(Q(title__icontains=filters["q"]) | Q(pk__in=inspected))
    if filters["year"].isdigit():
        plans = plans.filter(year=int(filters["year"]))
    if filters["province"].isdigit():
        plans = plans.filter(province_id=int(filters["province"]))
    if request.GET.get("export") == "xlsx":
        return _plans_export(plans)
    provinces = list(provinces_for(user, Can.VIEW).order_by("name"))
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.share = service.OnSiteShare(total=plan.agency_count, on_site=plan.on_site_count)
    return render(
        request,
        "audits/plan_list.html",
        {
            "page_obj": page,
            "query": _query(request),
            "filters": filters,
            "provinces": provinces if len(provinces) > 1 else None,
            "sees_provinces": bool(provinces),
            "can_create": can_anywhere(user, Can.OVERSEE),
        },
    )


def _plans_export(plans) -> HttpResponse:
    rows = (
        (
            plan.province.name,
            plan.year,
            plan.title,
            plan.agency_count,
            plan.on_site_count,
            plan.decided_count,
            plan.closed_count,
        )
        for plan in plans
    )
    headers = [
        _("Province"),
        _("Year"),
        _("Title"),
        _("Agencies"),
        _("On site"),
        _("Decisions recorded"),
        _("Closed"),
    ]
    return _xlsx(write_table(_("Inspection plans"), headers, rows), "inspection-plans.xlsx")


@require_http_methods(["GET", "POST"])
def plan_create(request):
    """A new plan for the year, or (`?plan=<pk>`) agencies added to an existing one."""
    user = request.user
    plan = None
    plan_id = request.GET.get("plan", "")
    provinces = []
    if plan_id.isdigit():
        plan = service.plan_get_or_404(user, int(plan_id), Can.OVERSEE)
        province = plan.province
    else:
        provinces = list(provinces_for(user, Can.OVERSEE).order_by("name"))
        if not provinces:
            raise PermissionDenied
        chosen = request.GET.get("province", "")
        province = next((p for p in provinces if str(p.pk) == chosen), provinces[0])
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "level")}
    candidates = Agency.objects.operating().filter(province=province).with_current_status().order_by("name")
    planned_methods: list[str] = []
    if plan is not None:
        planned = dict(plan.inspections.values_list("agency_id", "method"))
        planned_methods = list(planned.values())
        candidates = candidates.exclude(pk__in=planned)
    data = request.POST if request.method == "POST" else None
    plan_form = PlanForm(data, plan=plan)
    rows = [PlanEntryForm(data, agency=agency) for agency in candidates]
    chosen = [row for row in rows if row.is_chosen]
    if request.method == "POST":
        valid = plan_form.is_valid()
        valid = all([row.is_valid() for row in chosen]) and valid
        if not chosen:
            plan_form.add_error(None, _("Choose at least one agency to inspect."))
        elif valid:
            entries = plan_entries(plan_form, rows)
            try:
                if plan is None:
                    plan = service.inspection_plan_create(
                        province=province,
                        year=plan_form.cleaned_data["year"],
                        title=plan_form.cleaned_data["title"],
                        entries=entries,
                        acting_user=user,
                    )
                else:
                    service.inspection_plan_add(plan=plan, entries=entries, acting_user=user)
            except ValidationError as exc:
                _attach(plan_form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s inspection planned, with the inspection checklist.",
                        "%(count)s inspections planned, each with the inspection checklist.",
                        len(entries),
                    )
                    % {"count": len(entries)},
                )
                return redirect(plan)
    level, folded = filters["level"], fold(filters["q"])
    shown = [
        row
        for row in rows
        if row.is_chosen
        or ((not level or row.agency.level == level) and (not folded or folded in row.agency.search_text))
    ]
    share = None
    if chosen:
        share = service.on_site_share([*planned_methods, *(row.method_chosen for row in chosen)])
    return render(
        request,
        "audits/plan_form.html",
        {
            "plan": plan,
            "province": province,
            "provinces": provinces if len(provinces) > 1 else None,
            "form": plan_form,
            "rows": shown,
            "candidate_count": len(rows),
            "planned_count": len(planned_methods),
            "filters": filters,
            "levels": Agency.Level.choices,
            "share": share,
            "existing_plans": []
            if plan
            else InspectionPlan.objects.filter(province=province).order_by("-year"),
            "query": request.GET.urlencode(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _filtered_inspections(request, plan: InspectionPlan) -> tuple:
    queryset = service.plan_inspections(plan)
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "method", "status", "level", "sort")}
    if filters["q"]:
        queryset = queryset.filter(agency__search_text__contains=fold(filters["q"]))
    if filters["method"] in Audit.Method.values:
        queryset = queryset.filter(method=filters["method"])
    if filters["status"] in Audit.Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["level"] in Agency.Level.values:
        queryset = queryset.filter(agency__level=filters["level"])
    if filters["sort"] not in SORTS:
        filters["sort"] = "agency"
    return queryset.order_by(*SORTS[filters["sort"]]), filters


def plan_detail(request, pk: int):
    user = request.user
    plan = service.plan_get_or_404(user, pk)
    queryset, filters = _filtered_inspections(request, plan)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = service.plan_totals(plan)
    return render(
        request,
        "audits/plan_detail.html",
        {
            "plan": plan,
            "page_obj": page,
            "query": _query(request),
            "filters": filters,
            "totals": totals,
            "methods": Audit.Method.choices,
            "statuses": Audit.Status.choices,
            "levels": Agency.Level.choices,
            "can_oversee": can_in_province(user, Can.OVERSEE, plan.province_id),
        },
    )


def plan_export(request, pk: int):
    plan = service.plan_get_or_404(request.user, pk)
    queryset, _filters = _filtered_inspections(request, plan)
    rows = (
        (
            inspection.agency.name,
            inspection.agency.get_level_display(),
            inspection.get_method_display(),
            inspection.planned_start,
            inspection.planned_end,
            inspection.decision_number,
            inspection.decision_date,
            inspection.get_status_display(),
            inspection.actual_start,
            inspection.actual_end,
            inspection.findings_count,
            inspection.open_nonconformities,
        )
        for inspection in queryset
    )
    headers = [
        _("Agency"),
        _("Level"),
        _("Method"),
        _("Planned start"),
        _("Planned end"),
        _("Decision number"),
        _("Decision date"),
        _("Status"),
        _("Actual start"),
        _("Actual end"),
        _("Findings"),
        _("Open nonconformities"),
    ]
    return _xlsx(write_table(str(plan.year), headers, rows), f"inspection-plan-{plan.year}.xlsx")


@require_http_methods(["GET", "POST"])
def inspection_decision(request, pk: int):
    inspection = audit_get_or_404(request.user, pk)
    if inspection.kind != Audit.Kind.INSPECTION:
        raise Http404
    if not can(request.user, Can.OVERSEE, inspection.agency):
        raise PermissionDenied
    initial = {"decision_number": inspection.decision_number, "decision_date": inspection.decision_date}
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.inspection_decision_record(
                inspection=inspection,
                number=form.cleaned_data["decision_number"],
                decided_on=form.cleaned_data["decision_date"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("Inspection decision %(number)s recorded for %(agency)s.")
                % {"number": form.cleaned_data["decision_number"], "agency": inspection.agency.name},
            )
            return redirect(inspection.plan)
    return render(
        request,
        "audits/inspection_decision.html",
        {"inspection": inspection, "plan": inspection.plan, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
