"""Audit programmes and audits: lists, the plan, the checklist, findings, the report and its PDF.

The audit page and the PDF serve every kind of audit, provincial inspections included.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.access import Action as Can
from agencies.access import agencies_for, can, can_anywhere, can_in_province, record_get_or_404, require
from procedures.views.pdf import ascii_filename
from qms_portal.history import Source, history_entries
from qms_portal.pdf import official_date, province_place, provincial_committee, render_template_pdf
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import matching

from ..forms.audits import (
    AuditForm,
    ChecklistFormSet,
    FindingForm,
    ObjectivesForm,
    ProgrammeForm,
    ReportForm,
    StartForm,
    clauses_for,
)
from ..models import Audit, AuditProgramme, ChecklistLine, Finding
from ..selectors import audit_get_or_404, audits_for
from ..services import audits as service

PAGE_SIZE = 25
Kind = Audit.Kind
Status = Audit.Status
SORTS = {
    "-start": ("-planned_start", "-pk"),
    "start": ("planned_start", "pk"),
    "title": ("title", "pk"),
    "agency": ("agency__name", "-planned_start", "pk"),
    "status": ("status", "-planned_start", "pk"),
}
# The document type printed on the report. Official Vietnamese document names, like the national motto of
# the header: the report is filed as a Vietnamese administrative document whatever the reader's language.
DOCUMENT_TITLES = {
    Kind.INTERNAL: "BÁO CÁO ĐÁNH GIÁ NỘI BỘ",
    Kind.EXTERNAL: "BÁO CÁO ĐÁNH GIÁ",
    Kind.INSPECTION: "BIÊN BẢN KIỂM TRA",
}


def _with_finding_counts(queryset):
    return queryset.annotate(
        finding_count=Count("findings", distinct=True),
        nonconformity_count=Count(
            "findings", filter=Q(findings__grade__in=Finding.NONCONFORMITIES), distinct=True
        ),
    )


def can_change(user, audit: Audit) -> bool:
    """The rule audit_get_or_404 applies to writes: the agency's editors, the province for inspections."""
    return can(user, Can.OVERSEE if audit.kind == Kind.INSPECTION else Can.EDIT, audit.agency)


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- list ------------------------------------------------------------------------------------------


def _filtered_audits(request) -> tuple:
    """The audits the user may see, narrowed by the list's filters; also returns the filter values."""
    filters = {
        key: request.GET.get(key, "").strip() for key in ("q", "kind", "status", "year", "agency", "sort")
    }
    if filters["sort"] not in SORTS:
        filters["sort"] = "-start"
    queryset = audits_for(request.user)
    if filters["kind"] in Kind.values:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["status"] in Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["year"].isdigit():
        queryset = queryset.filter(planned_start__year=int(filters["year"]))
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    if filters["q"]:
        queryset = queryset.filter(matching(filters["q"], "search_text", "agency__search_text"))
    queryset = _with_finding_counts(queryset.select_related("agency", "lead_auditor")).order_by(
        *SORTS[filters["sort"]]
    )
    return queryset, filters


@require_safe
def audit_list(request):
    queryset, filters = _filtered_audits(request)
    if request.GET.get("export") == "xlsx":
        return _export(queryset)
    # Offer the agency filter only while the choice is short enough for a select.
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audits/audit_list.html",
        {
            "page_obj": Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": params.urlencode(),
            "filters": filters,
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "years": [d.year for d in audits_for(request.user).dates("planned_start", "year", order="DESC")],
            "agencies": agencies if len(agencies) <= 200 else None,
            "can_create": can_anywhere(request.user, Can.EDIT),
        },
    )


def _export(queryset) -> HttpResponse:
    rows = (
        (
            audit.agency.name,
            audit.get_kind_display(),
            audit.title,
            audit.planned_start,
            audit.planned_end,
            audit.actual_start,
            audit.actual_end,
            audit.get_status_display(),
            _person(audit.lead_auditor),
            audit.finding_count,
            audit.nonconformity_count,
        )
        for audit in queryset
    )
    headers = [
        _("Agency"),
        _("Kind"),
        _("Title"),
        _("Planned start"),
        _("Planned end"),
        _("Actual start"),
        _("Actual end"),
        _("Status"),
        _("Lead auditor"),
        _("Findings"),
        _("Nonconformities"),
    ]
    response = HttpResponse(write_table(_("Audits"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="audits.xlsx"'
    return response


def _person(user) -> str:
    """Family name first, as Vietnamese names are written."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.username


# --- programmes ------------------------------------------------------------------------------------


@require_safe
def programme_list(request):
    queryset = (
        AuditProgramme.objects.filter(agency__in=agencies_for(request.user))
        .select_related("agency")
        .annotate(audit_count=Count("audits"))
        .order_by("-year", "agency__name")
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("year", "agency")}
    if filters["year"].isdigit():
        queryset = queryset.filter(year=int(filters["year"]))
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    if request.GET.get("export") == "xlsx":
        rows = ((p.agency.name, p.year, p.objectives, p.audit_count) for p in queryset)
        headers = [_("Agency"), _("Year"), _("Objectives and criteria"), _("Audits")]
        response = HttpResponse(
            write_table(_("Audit programmes"), headers, rows), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = 'attachment; filename="audit-programmes.xlsx"'
        return response
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audits/programme_list.html",
        {
            "page_obj": Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": params.urlencode(),
            "filters": filters,
            "agencies": agencies if len(agencies) <= 200 else None,
            "can_create": can_anywhere(request.user, Can.EDIT),
        },
    )


@require_http_methods(["GET", "POST"])
def programme_create(request):
    agencies = agencies_for(request.user, Can.EDIT).order_by("name")
    if not agencies.exists():
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            programme = service.programme_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The audit programme was created. Plan its audits."))
            return redirect(programme)
    status = 400 if request.method == "POST" else 200
    return render(request, "audits/programme_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def programme_detail(request, pk: int):
    programme = record_get_or_404(
        request.user, AuditProgramme.objects.select_related("agency__province", "created_by"), pk=pk
    )
    can_edit = can(request.user, Can.EDIT, programme.agency)
    form = ObjectivesForm(request.POST or None, initial={"objectives": programme.objectives})
    if request.method == "POST":
        require(request.user, Can.EDIT, programme.agency)
        if form.is_valid():
            try:
                service.programme_update(
                    programme=programme, objectives=form.cleaned_data["objectives"], acting_user=request.user
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("The programme's objectives were saved."))
                return redirect(programme)
    audits = _with_finding_counts(programme.audits.select_related("lead_auditor")).order_by(
        "planned_start", "pk"
    )
    return render(
        request,
        "audits/programme_detail.html",
        {"programme": programme, "audits": audits, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )


# --- audits ----------------------------------------------------------------------------------------


def _audit_data(data: dict) -> service.AuditData:
    return service.AuditData(
        title=data["title"],
        planned_start=data["planned_start"],
        planned_end=data["planned_end"],
        scope_processes=list(data["scope_processes"]),
        scope_units=data["scope_units"],
        lead_auditor=data["lead_auditor"],
        auditors=list(data["auditors"]),
        team_note=data["team_note"],
        programme=data.get("programme"),
    )


@require_http_methods(["GET", "POST"])
def audit_create(request):
    agencies = agencies_for(request.user, Can.EDIT).select_related("province").order_by("name")
    choices = list(agencies)
    if not choices:
        raise PermissionDenied
    # Scope and team come from one agency: the one asked for, else the first the user edits.
    asked = request.POST.get("agency") or request.GET.get("agency", "")
    agency = next((a for a in choices if str(a.pk) == asked), choices[0])
    initial = {}
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        initial["programme"] = agency.audit_programmes.filter(pk=int(programme_id)).first()
    else:
        initial["programme"] = agency.audit_programmes.filter(year=timezone.localdate().year).first()
    form = AuditForm(request.POST or None, agency=agency, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            audit = service.audit_create(
                agency=form.cleaned_data["agency"],
                kind=form.cleaned_data["kind"],
                data=_audit_data(form.cleaned_data),
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The audit is planned. Prepare its checklist."))
            return redirect(audit)
    return render(
        request,
        "audits/audit_form.html",
        {"form": form, "agency": agency, "agencies": choices, "audit": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def audit_edit(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    if audit.status not in service.EDITABLE:
        messages.error(request, _("Only a planned audit or one in progress can be edited."))
        return redirect(audit)
    form = AuditForm(request.POST or None, instance=audit, agency=audit.agency)
    if request.method == "POST" and form.is_valid():
        try:
            service.audit_update(audit=audit, data=_audit_data(form.cleaned_data), acting_user=request.user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The audit plan was saved."))
            return redirect(audit)
    return render(
        request,
        "audits/audit_form.html",
        {"form": form, "agency": audit.agency, "audit": audit},
        status=400 if request.method == "POST" else 200,
    )


def _detail_context(request, audit: Audit, *, start_form=None, report_form=None) -> dict:
    user = request.user
    changeable = can_change(user, audit)
    audit_prefetched = (
        Audit.objects.filter(pk=audit.pk)
        .prefetch_related(
            Prefetch("scope_processes", to_attr="processes"),
            Prefetch("auditors", to_attr="team"),
            Prefetch("checklist", ChecklistLine.objects.select_related("clause"), to_attr="lines"),
        )
        .get()
    )
    today = timezone.localdate()
    findings = _findings(audit)
    for finding in findings:
        action = getattr(finding, "action", None)
        finding.overdue = action is not None and action.is_overdue(today)
    return {
        "audit": audit,
        "processes": audit_prefetched.processes,
        "team": audit_prefetched.team,
        "lines": audit_prefetched.lines,
        "unchecked": sum(
            1 for line in audit_prefetched.lines if line.result == ChecklistLine.Result.NOT_CHECKED
        ),
        "findings": findings,
        "history_entries": history_entries(
            Source(
                Finding.history.filter(audit_id=audit.pk),
                lambda row: _("Finding “%(text)s”") % {"text": Truncator(row.description).chars(60)},
            )
        ),
        "history_title": _("History of changes: findings"),
        "earlier_nonconformities": service.open_nonconformities(audit),
        # The plan is the province's page: the inspected agency's people do not see it.
        "plan_visible": audit.plan_id is not None and can_in_province(user, Can.VIEW, audit.plan.province_id),
        "can_edit": changeable and audit.status in service.EDITABLE,
        "can_start": changeable and audit.status == Status.PLANNED,
        "can_raise": changeable and audit.status in service.FINDINGS_OPEN,
        "can_report": changeable and audit.status == Status.IN_PROGRESS,
        "can_close": changeable and audit.status == Status.REPORTED,
        "start_form": start_form or StartForm(initial={"actual_start": today}),
        "report_form": report_form
        or ReportForm(initial={"actual_end": today, "conclusion": audit.conclusion}),
    }


@require_safe
def audit_detail(request, pk: int):
    audit = audit_get_or_404(request.user, pk)
    return render(request, "audits/audit_detail.html", _detail_context(request, audit))


@require_POST
def audit_start(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            service.audit_start(
                audit=audit, actual_start=form.cleaned_data["actual_start"], acting_user=request.user
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The audit is in progress. Record the checklist results."))
            return redirect(audit)
    context = _detail_context(request, audit, start_form=form)
    return render(request, "audits/audit_detail.html", context, status=400)


@require_POST
def audit_report(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            service.audit_report(
                audit=audit,
                actual_end=form.cleaned_data["actual_end"],
                conclusion=form.cleaned_data["conclusion"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The audit is reported."))
            return redirect(audit)
    context = _detail_context(request, audit, report_form=form)
    return render(request, "audits/audit_detail.html", context, status=400)


@require_POST
def audit_close(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    try:
        service.audit_close(audit=audit, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The audit is closed: its record is final."))
    return redirect(audit)


# --- checklist and findings ------------------------------------------------------------------------


def _kept(formset) -> list:
    """Forms not marked for deletion and not left blank, in the order the user gave."""
    forms_ = [f for f in formset.forms if f.has_changed() or f.instance.pk]
    forms_ = [f for f in forms_ if not f.cleaned_data.get("DELETE")]
    return sorted(
        forms_, key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0)
    )


@require_http_methods(["GET", "POST"])
def checklist_edit(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    if audit.status not in service.EDITABLE:
        messages.error(request, _("The checklist of a reported audit cannot change."))
        return redirect(audit)
    if request.method == "POST" and "start_from_clauses" in request.POST:
        try:
            lines = service.checklist_start_from_clauses(audit=audit, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(count)s lines were added, one per clause. Adjust them.") % {"count": len(lines)}
            )
        return redirect("audits:checklist_edit", pk=audit.pk)
    clauses = clauses_for(audit)
    formset = ChecklistFormSet(
        request.POST if request.method == "POST" else None,
        instance=audit,
        prefix="lines",
        clauses=clauses,
        queryset=audit.checklist.select_related("clause"),
    )
    errors = []
    if request.method == "POST" and formset.is_valid():
        lines = [
            service.ChecklistLineData(
                id=form.instance.pk,
                clause=form.cleaned_data["clause"],
                requirement=form.cleaned_data["requirement"],
                result=form.cleaned_data["result"],
                evidence=form.cleaned_data["evidence"],
            )
            for form in _kept(formset)
        ]
        try:
            service.checklist_save(audit=audit, lines=lines, acting_user=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The checklist was saved."))
            return redirect(audit)
    return render(
        request,
        "audits/audit_checklist.html",
        {"audit": audit, "formset": formset, "errors": errors, "has_clauses": clauses.exists()},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def finding_create(request, pk: int):
    audit = audit_get_or_404(request.user, pk, Can.EDIT)
    if audit.status not in service.FINDINGS_OPEN:
        messages.error(request, _("Findings are raised while the audit is in progress or being reported."))
        return redirect(audit)
    form = FindingForm(request.POST or None, audit=audit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = service.finding_raise(
                audit=audit,
                data=service.FindingData(
                    grade=data["grade"],
                    description=data["description"],
                    clause=data["clause"],
                    evidence=data["evidence"],
                    process=data["process"],
                    due_date=data["due_date"],
                    owner=data["owner"],
                ),
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if finding.is_nonconformity:
                messages.success(
                    request, _("The nonconformity was recorded and its corrective action opened.")
                )
            else:
                messages.success(request, _("The finding was recorded."))
            return redirect(audit)
    return render(
        request,
        "audits/finding_form.html",
        {"audit": audit, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the report as a PDF ---------------------------------------------------------------------------


def audit_pdf_context(
    audit: Audit,
    *,
    title: str | None = None,
    parent_agency: str | None = None,
    issuing_agency: str | None = None,
) -> dict:
    """Everything the report prints. Internal and external audits are the agency's documents; an inspection's
    minutes are the province's, unless the caller names the issuer."""
    agency = audit.agency
    province = agency.province
    if audit.actual_end:
        issued_on = audit.actual_end
    elif audit.reported_at:
        issued_on = timezone.localdate(audit.reported_at)
    else:
        issued_on = None
    if audit.kind == Kind.INSPECTION:
        default_parent, default_issuer = provincial_committee(province.name), _("Inspection team")
    else:
        parent = agency.parent
        if parent is not None and parent.is_operating(on=issued_on or timezone.localdate()):
            default_parent = parent.name
        else:
            default_parent = provincial_committee(province.name)
        default_issuer = agency.name
    if audit.kind == Kind.INSPECTION:
        recipients = [_("The inspected agency;"), _("The provincial ISO steering committee;")]
    else:
        recipients = [_("The agency leader;"), _("Units audited;")]
    lines = list(audit.checklist.select_related("clause").order_by("order"))
    return {
        "audit": audit,
        "agency": agency,
        "province": province,
        "document_title": title or DOCUMENT_TITLES[audit.kind],
        "parent_agency": parent_agency or default_parent,
        "issuing_agency": issuing_agency or default_issuer,
        "place_date": official_date(province_place(province.name), issued_on),
        "is_draft": audit.status in (Status.PLANNED, Status.IN_PROGRESS),
        "processes": list(audit.scope_processes.order_by("code")),
        "units": _lines(audit.scope_units),
        "lead_auditor": _person(audit.lead_auditor),
        "auditors": [_person(user) for user in audit.auditors.order_by("last_name", "first_name")],
        "lines": lines,
        "findings": _findings(audit),
        "conclusion": _lines(audit.conclusion),
        "recipients": recipients,
    }


def audit_pdf_bytes(audit: Audit, *, request=None, **options) -> bytes:
    """The report in the official layout; `options` go to audit_pdf_context (title, header lines)."""
    return render_template_pdf("audits/audit_pdf.html", audit_pdf_context(audit, **options), request=request)


@require_safe
def audit_pdf(request, pk: int) -> HttpResponse:
    audit = audit_get_or_404(request.user, pk)
    response = HttpResponse(audit_pdf_bytes(audit, request=request), content_type="application/pdf")
    filename = ascii_filename(f"{audit.get_kind_display()}-{audit.planned_start:%Y%m%d}-{audit.pk}")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def _findings(audit: Audit) -> list[Finding]:
    return list(audit.findings.select_related("clause", "process", "action__owner").order_by("pk"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
