"""Assessments: the list per rubric, one assessment with its lines and trail, editing a line with its
evidence, the workflow (submit, finalize, reopen, recompute), and the score import.

Routes (names in the `scoring` namespace):
- assessment_list: assessments/ — per rubric, each agency with its self and official assessment (.xlsx too)
- assessment_start: assessments/start/ (POST rubric, agency, kind)
- assessment_detail: assessments/<pk>/
- assessment_submit, assessment_finalize, assessment_recompute: assessments/<pk>/submit|finalize|recompute/
  (POST)
- assessment_reopen: assessments/<pk>/reopen/ (GET the form, POST with the reason)
- line_edit: assessments/lines/<pk>/edit/ — points, comment, override reason, evidence files
- evidence_add: assessments/lines/<pk>/evidence/ (POST)
- evidence_download: assessments/evidence/<pk>/; evidence_delete: assessments/evidence/<pk>/delete/ (POST)
- scores_import: rubrics/<pk>/scores/import/; scores_template: rubrics/<pk>/scores/template.xlsx
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.access import Action, agencies_for, can_in_province, provinces_seen
from agencies.models import Agency
from qms_portal.concurrency import StaleEdit, edit_conflict
from qms_portal.history import Source, history_entries
from qms_portal.imports import ImportPage, ImportRejected
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetError, template_for, write_table
from qms_portal.text import matching

from ..forms.assessments import EvidenceForm, LineForm, ReopenForm, ScoresImportForm
from ..imports import SCORE_COLUMNS, import_scores
from ..models import Assessment, AssessmentLine, LineEvidence, Rubric, Rule
from ..selectors import (
    assessment_get_or_404,
    assessments_visible,
    evidence_get_or_404,
    line_get_or_404,
    may_edit,
    may_finalize,
    may_reopen,
    may_start,
    may_submit,
)
from ..services import assessments as service
from ..services.assessments import points_text

PAGE_SIZE = 50
Kind = Assessment.Kind
Status = Assessment.Status
NONE = "none"
SORTS = {
    "agency": ("name", "pk"),
    "-official": (F("official_total").desc(nulls_last=True), "name", "pk"),
    "-self": (F("self_total").desc(nulls_last=True), "name", "pk"),
}
IMPORT_PAGE = ImportPage(
    title=gettext_lazy("Import scores"),
    columns=SCORE_COLUMNS,
    notes=[
        gettext_lazy("One row per agency and criterion; agency codes are those of the rubric's province."),
        gettext_lazy(
            "Points from 0 to the criterion's maximum, in steps of 0.25 (2.5 or 2,5). The assessment's total "
            "is the sum of its points."
        ),
        gettext_lazy(
            "For a criterion computed from the data, points that differ from the computed points need the "
            "reason in the comment."
        ),
        gettext_lazy(
            "An assessment not started yet is started by the import; a submitted or finalized one must be "
            "reopened first."
        ),
    ],
    template_url="scoring:scores_template",
)


# --- the list -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One agency's assessment of one kind, as far as the user may see it."""

    kind: str
    pk: int | None
    status: str | None
    total: Decimal | None
    can_start: bool

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status else ""


def _rubrics(user) -> QuerySet[Rubric]:
    return (
        Rubric.objects.filter(status=Rubric.Status.PUBLISHED, province__in=provinces_seen(user))
        .select_related("province")
        .order_by("-year", "province__name", "name", "pk")
    )


def _list_filters(request) -> dict[str, str]:
    filters = {
        key: request.GET.get(key, "").strip() for key in ("rubric", "kind", "status", "level", "q", "sort")
    }
    if filters["kind"] not in Kind.values:
        filters["kind"] = ""
    if filters["status"] not in (*Status.values, NONE):
        filters["status"] = ""
    if filters["level"] not in Agency.Level.values:
        filters["level"] = ""
    if filters["sort"] not in SORTS:
        filters["sort"] = "agency"
    return filters


def _agency_rows(user, rubric: Rubric, filters: dict[str, str]) -> QuerySet[Agency]:
    """The rubric's province's agencies the user works with, each annotated with the self and official
    assessment the user may see: every agency for its reviewers (also those with none yet), otherwise the
    user's own agencies and those with an assessment the user may read."""
    visible = assessments_visible(user).filter(rubric=rubric)
    agencies = Agency.objects.filter(province_id=rubric.province_id)
    assessed = Exists(visible.filter(agency=OuterRef("pk")))
    if can_in_province(user, Action.OVERSEE, rubric.province_id):
        # Agencies merged away are listed only with an assessment of this rubric.
        agencies = agencies.filter(Q(merged_into__isnull=True) | assessed)
    else:
        agencies = agencies.filter(Q(pk__in=agencies_for(user, Action.VIEW_DRAFTS)) | assessed)
    for kind in Kind.values:
        mine = visible.filter(agency=OuterRef("pk"), kind=kind).order_by()
        agencies = agencies.annotate(
            **{
                f"{kind}_id": Subquery(mine.values("pk")[:1]),
                f"{kind}_status": Subquery(mine.values("status")[:1]),
                f"{kind}_total": Subquery(mine.values("total")[:1]),
            }
        )
    if filters["level"]:
        agencies = agencies.filter(level=filters["level"])
    if filters["q"]:
        agencies = agencies.filter(matching(filters["q"], "search_text"))
    if filters["status"]:
        kinds = [filters["kind"]] if filters["kind"] else Kind.values
        condition = Q()
        for kind in kinds:
            if filters["status"] == NONE:
                condition |= Q(**{f"{kind}_id__isnull": True})
            else:
                condition |= Q(**{f"{kind}_status": filters["status"]})
        agencies = agencies.filter(condition)
    elif filters["kind"]:
        agencies = agencies.filter(**{f"{filters['kind']}_id__isnull": False})
    return agencies.order_by(*SORTS[filters["sort"]])


def _cells(user, agency: Agency) -> dict[str, Cell]:
    cells = {}
    for kind in Kind.values:
        pk = getattr(agency, f"{kind}_id")
        cells[kind] = Cell(
            kind=kind,
            pk=pk,
            status=getattr(agency, f"{kind}_status"),
            total=getattr(agency, f"{kind}_total"),
            # The user who may start an assessment also sees it when it exists (drafts included).
            can_start=pk is None and may_start(user, agency, kind),
        )
    return cells


@require_GET
def assessment_list(request):
    user = request.user
    filters = _list_filters(request)
    rubrics = list(_rubrics(user))
    rubric = next((r for r in rubrics if str(r.pk) == filters["rubric"]), rubrics[0] if rubrics else None)
    context = {"rubrics": rubrics, "rubric": rubric, "filters": filters}
    if rubric is None:
        return render(request, "scoring/assessment_list.html", context)
    filters["rubric"] = str(rubric.pk)
    agencies = _agency_rows(user, rubric, filters)
    if request.GET.get("export") == "xlsx":
        return _export(rubric, agencies)
    page = Paginator(agencies, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(agency, _cells(user, agency)) for agency in page]
    params = request.GET.copy()
    params.pop("page", None)
    oversees = can_in_province(user, Action.OVERSEE, rubric.province_id)
    context |= {
        "page_obj": page,
        "rows": rows,
        "query": params.urlencode(),
        "kinds": Kind.choices,
        "statuses": [*Status.choices, (NONE, _("No assessment"))],
        "levels": Agency.Level.choices,
        "oversees": oversees,
    }
    return render(request, "scoring/assessment_list.html", context)


def _export(rubric: Rubric, agencies: QuerySet[Agency]) -> HttpResponse:
    headers = [
        _("Agency code"),
        _("Agency"),
        _("Level"),
        _("Self-assessment"),
        _("Self-assessed total"),
        _("Official assessment"),
        _("Official total"),
    ]

    def status(value: str | None) -> str:
        return str(Status(value).label) if value else ""

    rows = (
        (
            agency.code,
            agency.name,
            agency.get_level_display(),
            status(agency.self_status),
            agency.self_total,
            status(agency.official_status),
            agency.official_total,
        )
        for agency in agencies
    )
    response = HttpResponse(write_table(_("Assessments"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="assessments-{rubric.year}-{rubric.pk}.xlsx"'
    return response


def _list_url(rubric_id: int, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"rubric": rubric_id, **params}.items())
    return f"{reverse('scoring:assessment_list')}?{query}"


@require_POST
def assessment_start(request):
    user = request.user
    rubric_id, agency_id = request.POST.get("rubric", ""), request.POST.get("agency", "")
    kind = request.POST.get("kind", "")
    if not (rubric_id.isdigit() and agency_id.isdigit()) or kind not in Kind.values:
        raise Http404
    rubric = get_object_or_404(_rubrics(user), pk=int(rubric_id))
    agency = get_object_or_404(
        agencies_for(user, Action.VIEW).filter(province_id=rubric.province_id), pk=agency_id
    )
    if not may_start(user, agency, kind):
        raise PermissionDenied
    try:
        assessment = service.start(rubric, agency, kind, user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_list_url(rubric.pk))
    messages.success(request, _("The assessment was started; criteria computed from the data are prefilled."))
    return redirect(assessment)


# --- one assessment -----------------------------------------------------------------------------------------


@dataclass
class GroupLines:
    group: object
    lines: list[AssessmentLine]

    @property
    def points(self) -> Decimal:
        return sum((line.points or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def maximum(self) -> Decimal:
        return sum((line.criterion.max_points for line in self.lines), Decimal(0))


def value_text(line: AssessmentLine) -> str:
    """The computed value as the rule reads it: a share as a percentage, yes/no, or a count."""
    value = line.computed_value
    if value is None:
        return "—"
    rule = line.criterion.rule
    if rule == Rule.YES_NO:
        return _("Yes") if value else _("No")
    if rule == Rule.PROPORTIONAL:
        return f"{points_text((value * 100).quantize(Decimal('0.01')))} %"
    return points_text(value)


def _lines(assessment: Assessment) -> list[AssessmentLine]:
    evidence = LineEvidence.objects.select_related("uploaded_by").order_by("uploaded_at", "pk")
    lines = list(
        assessment.lines.select_related("criterion__group", "updated_by")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by("criterion__group__order", "criterion__group__code", "criterion__order", "criterion__code")
    )
    for line in lines:
        line.value_text = value_text(line)
    return lines


def _grouped(lines: list[AssessmentLine]) -> list[GroupLines]:
    groups: list[GroupLines] = []
    for line in lines:
        if not groups or groups[-1].group.pk != line.criterion.group_id:
            groups.append(GroupLines(line.criterion.group, []))
        groups[-1].lines.append(line)
    return groups


def _render_detail(request, assessment: Assessment, *, errors=(), status: int = 200):
    user = request.user
    lines = _lines(assessment)
    draft = assessment.status == Status.DRAFT
    self_points = None
    if assessment.kind == Kind.OFFICIAL:
        # Beside the official points, the agency's own, when the user may read its self-assessment.
        sibling = (
            assessments_visible(user)
            .filter(rubric_id=assessment.rubric_id, agency_id=assessment.agency_id, kind=Kind.SELF)
            .first()
        )
        if sibling is not None:
            self_points = dict(sibling.lines.values_list("criterion_id", "points"))
            for line in lines:
                line.self_points = self_points.get(line.criterion_id)
    context = {
        "assessment": assessment,
        "rubric": assessment.rubric,
        "groups": _grouped(lines),
        "events": assessment.events.select_related("by").order_by("at", "pk"),
        "history_entries": assessment_changes(assessment, lines),
        "self_shown": self_points is not None,
        "missing": [line.criterion.code for line in lines if line.points is None],
        "may_edit": draft and may_edit(user, assessment),
        "may_recompute": draft
        and may_edit(user, assessment)
        and any(line.criterion.metric for line in lines),
        "may_submit": draft and may_submit(user, assessment),
        "leader_submits": draft and assessment.kind == Kind.SELF and may_edit(user, assessment),
        "may_finalize": assessment.status == Status.SUBMITTED and may_finalize(user, assessment),
        "may_reopen": not draft and may_reopen(user, assessment),
        "errors": errors,
    }
    return render(request, "scoring/assessment_detail.html", context, status=status)


def assessment_changes(assessment: Assessment, lines: list[AssessmentLine]) -> list:
    """Every change of the assessment's status and of its lines' points, comments and evidence."""
    codes = {line.pk: line.criterion.code for line in lines}
    return history_entries(
        # The total follows the lines, whose own changes are listed.
        Source(Assessment.history.filter(id=assessment.pk), lambda row: _("Assessment"), excluded=["total"]),
        Source(
            AssessmentLine.history.filter(assessment_id=assessment.pk),
            lambda row: _("Criterion %(code)s") % {"code": codes.get(row.id, "?")},
            excluded=["updated_by"],
            show_created=False,
        ),
        Source(
            LineEvidence.history.filter(line_id__in=list(codes)),
            lambda row: _("Evidence of %(code)s") % {"code": codes.get(row.line_id, "?")},
        ),
    )


@require_GET
def assessment_detail(request, pk: int):
    return _render_detail(request, assessment_get_or_404(request.user, pk))


def _workflow(request, pk: int, action: Action, step, done: str):
    assessment = assessment_get_or_404(request.user, pk, action)
    try:
        step(assessment, request.user)
    except ValidationError as exc:
        return _render_detail(request, assessment, errors=exc.messages, status=400)
    messages.success(request, done)
    return redirect(assessment)


@require_POST
def assessment_submit(request, pk: int):
    return _workflow(request, pk, Action.APPROVE, service.submit, _("The assessment was submitted."))


@require_POST
def assessment_finalize(request, pk: int):
    return _workflow(
        request, pk, Action.OVERSEE, service.finalize, _("The assessment is finalized and now locked.")
    )


@require_POST
def assessment_recompute(request, pk: int):
    return _workflow(
        request,
        pk,
        Action.EDIT,
        service.recompute,
        _("The computed values were refreshed; overridden points were kept."),
    )


@require_http_methods(["GET", "POST"])
def assessment_reopen(request, pk: int):
    assessment = assessment_get_or_404(request.user, pk, Action.OVERSEE)
    form = ReopenForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            service.reopen(assessment, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                _attach(form, exc)
            else:
                errors = exc.messages
        else:
            if not assessments_visible(request.user).filter(pk=assessment.pk).exists():
                # A reopened self-assessment is the agency's draft again: its reviewers no longer see it.
                messages.success(
                    request,
                    _("The self-assessment of %(agency)s is a draft again, back with the agency.")
                    % {"agency": assessment.agency.name},
                )
                return redirect(_list_url(assessment.rubric_id))
            messages.success(request, _("The assessment is a draft again."))
            return redirect(assessment)
    if assessment.status == Status.DRAFT and not errors:
        errors = [_("This assessment is already a draft.")]
    return render(
        request,
        "scoring/assessment_reopen.html",
        {"assessment": assessment, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


# --- one line and its evidence ------------------------------------------------------------------------------


def _render_line(
    request, line: AssessmentLine, *, form=None, evidence_form=None, errors=(), conflict=None, status=200
):
    assessment = line.assessment
    editable = assessment.status == Status.DRAFT
    if editable and form is None:
        form = LineForm(line=line)
    if editable and evidence_form is None:
        evidence_form = EvidenceForm()
    if not editable and not errors:
        errors = [
            _("This assessment is finalized and locked: a reviewer must reopen it before anything changes.")
            if assessment.status == Status.FINALIZED
            else _("This assessment has been submitted: a reviewer must reopen it before anything changes.")
        ]
    line.value_text = value_text(line)
    context = {
        "line": line,
        "assessment": assessment,
        "criterion": line.criterion,
        "form": form if editable else None,
        "evidence_form": evidence_form if editable else None,
        "evidence": line.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "editable": editable,
        "errors": errors,
        "conflict": conflict,
    }
    return render(request, "scoring/assessment_line.html", context, status=status)


@require_http_methods(["GET", "POST"])
def line_edit(request, pk: int):
    line = line_get_or_404(request.user, pk, Action.EDIT)
    if request.method == "GET":
        return _render_line(request, line)
    form = LineForm(request.POST, line=line)
    if form.is_valid():
        try:
            service.set_line(
                line,
                points=form.cleaned_data["points"],
                comment=form.cleaned_data["comment"],
                override_reason=form.cleaned_data.get("override_reason", ""),
                user=request.user,
                version=form.cleaned_data["version"],
            )
        except StaleEdit as exc:
            conflict = edit_conflict(exc.current, form, what=_("line"))
            form.take_version(exc.current.version)
            return _render_line(request, line, form=form, conflict=conflict, status=409)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _render_line(request, line, errors=exc.messages, status=400)
            _attach(form, exc)
        else:
            messages.success(request, _("%(code)s was saved.") % {"code": line.criterion.code})
            return redirect(f"{line.assessment.get_absolute_url()}#line-{line.pk}")
    return _render_line(request, line, form=form, status=400)


@require_POST
def evidence_add(request, pk: int):
    line = line_get_or_404(request.user, pk, Action.EDIT)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.add_evidence(
                line, form.cleaned_data["file"], form.cleaned_data["description"], request.user
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _render_line(request, line, errors=exc.messages, status=400)
            _attach(form, exc)
        else:
            messages.success(request, _("The evidence file was added."))
            return redirect(reverse("scoring:line_edit", args=[line.pk]) + "#evidence")
    return _render_line(request, line, evidence_form=form, status=400)


@require_GET
def evidence_download(request, pk: int):
    evidence = evidence_get_or_404(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=str(evidence))


@require_POST
def evidence_delete(request, pk: int):
    evidence = evidence_get_or_404(request.user, pk, Action.EDIT)
    line = evidence.line
    try:
        service.remove_evidence(evidence, request.user)
    except ValidationError as exc:
        return _render_line(request, line, errors=exc.messages, status=400)
    messages.success(request, _("The evidence file was removed."))
    return redirect(reverse("scoring:line_edit", args=[line.pk]) + "#evidence")


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- the score import ---------------------------------------------------------------------------------------


def _overseen_rubric(user, pk: int) -> Rubric:
    """A rubric of a province the user sees (404 otherwise; drafts only for its reviewers), and 403 unless
    the user is a reviewer of that province."""
    rubric = get_object_or_404(
        Rubric.objects.select_related("province").filter(province__in=provinces_seen(user)), pk=pk
    )
    oversees = can_in_province(user, Action.OVERSEE, rubric.province_id)
    if not rubric.is_published and not oversees:
        raise Http404
    if not oversees:
        raise PermissionDenied
    return rubric


@require_http_methods(["GET", "POST"])
def scores_import(request, pk: int):
    rubric = _overseen_rubric(request.user, pk)
    # Bound on every POST, even an empty one: add_error below needs a cleaned form.
    form = ScoresImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
    errors: list = []
    if request.method == "POST" and not rubric.is_published:
        form.is_valid()
        form.add_error(None, _("Publish the rubric before importing scores into it."))
    elif request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            summary = import_scores(form.cleaned_data["file"], rubric=rubric, kind=kind, user=request.user)
        except SpreadsheetError as exc:
            form.add_error("file", str(exc))
        except ImportRejected as exc:
            errors = exc.errors
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Import done: %(summary)s") % {"summary": summary})
            return redirect(_list_url(rubric.pk, kind=kind))
    return render(
        request,
        "scoring/assessment_scores_import.html",
        {
            "page": IMPORT_PAGE,
            "form": form,
            "errors": errors,
            "columns": IMPORT_PAGE.columns,
            "rubric": rubric,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def scores_template(request, pk: int):
    rubric = _overseen_rubric(request.user, pk)
    example = (
        Agency.objects.filter(province_id=rubric.province_id, merged_into__isnull=True)
        .order_by("name")
        .values_list("code", flat=True)
        .first()
    ) or "XTIENDUNG"
    codes = rubric.criteria.order_by("group__order", "group__code", "order", "code").values_list(
        "code", flat=True
    )
    rows = [(example, code, None, None) for code in codes]
    response = HttpResponse(template_for(SCORE_COLUMNS, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="scores-{rubric.year}-{rubric.pk}-template.xlsx"'
    return response


urlpatterns = [
    path("assessments/", assessment_list, name="assessment_list"),
    path("assessments/start/", assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/submit/", assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/finalize/", assessment_finalize, name="assessment_finalize"),
    path("assessments/<int:pk>/reopen/", assessment_reopen, name="assessment_reopen"),
    path("assessments/<int:pk>/recompute/", assessment_recompute, name="assessment_recompute"),
    path("assessments/lines/<int:pk>/edit/", line_edit, name="line_edit"),
    path("assessments/lines/<int:pk>/evidence/", evidence_add, name="evidence_add"),
    path("assessments/evidence/<int:pk>/", evidence_download, name="evidence_download"),
    path("assessments/evidence/<int:pk>/delete/", evidence_delete, name="evidence_delete"),
    path("rubrics/<int:pk>/scores/import/", scores_import, name="scores_import"),
    path("rubrics/<int:pk>/scores/template.xlsx", scores_template, name="scores_template"),
]
