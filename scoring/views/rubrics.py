"""Rubrics: the list, the page of one rubric, the editor (groups, criteria, bands), publishing, the copy to
next year, .xlsx export and import, and the history of changes.

Reviewers of a province (Action.OVERSEE) edit its rubrics; whoever sees the province reads its published
rubrics; a draft is found by its reviewers only (404 for everyone else).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.access import Action, can_anywhere, can_in_province, provinces_for, provinces_seen
from qms_portal.imports import ImportPage, ImportRejected
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetError, write_table
from qms_portal.text import fold

from .. import rules
from ..forms.rubrics import (
    CriterionForm,
    GroupForm,
    RubricCreateForm,
    RubricForm,
    RubricImportForm,
    band_formset,
)
from ..models import Band, Criterion, CriterionGroup, Rubric
from ..services import rubrics as service

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
Status = Rubric.Status
SORTS = {
    "-year": ("-year", "province__name", "name"),
    "year": ("year", "province__name", "name"),
    "name": ("name", "-year"),
    "province": ("province__name", "-year", "name"),
}
IMPORT_PAGE = ImportPage(
    title=gettext_lazy("Import a rubric"),
    columns=service.CRITERIA_COLUMNS,
    notes=[
        gettext_lazy(
            "The file has two sheets, as a rubric's export: “criteria”, one row per criterion, and “bands” "
            "with the columns label, lower_bound and inclusive (yes or no)."
        ),
        gettext_lazy(
            "Criteria are grouped by group_code, in the order of the file; a row with only a group code and "
            "title is a group without criteria."
        ),
        gettext_lazy(
            "Maximum points in steps of 0.25. metric and rule: the keys of an export (e.g. coverage, "
            "proportional, yes_no, thresholds) or their labels; leave both empty for a criterion the "
            "assessor scores."
        ),
        gettext_lazy(
            "Thresholds for the thresholds rule: value → points separated by “;”, e.g. 0.80 → 2; 0.90 → 4."
        ),
        gettext_lazy("The rubric is created as a draft: check it, then publish it."),
    ],
    template_url="scoring:rubric_import_template",
)


# --- access ------------------------------------------------------------------------------------------------


def rubrics_for(user) -> QuerySet[Rubric]:
    """Published rubrics of the provinces the user sees, and the drafts of the provinces they oversee."""
    return Rubric.objects.filter(province__in=provinces_seen(user)).filter(
        Q(status=Status.PUBLISHED) | Q(province__in=provinces_for(user, Action.OVERSEE))
    )


def rubric_get_or_404(user, pk: int, action: Action = Action.VIEW) -> Rubric:
    """The rubric if the user may read it (else 404); for Action.OVERSEE also edit it (else 403)."""
    rubric = get_object_or_404(rubrics_for(user).select_related("province", "copied_from"), pk=pk)
    if action == Action.OVERSEE and not can_in_province(user, Action.OVERSEE, rubric.province_id):
        raise PermissionDenied
    return rubric


def _part_get_or_404(user, model, pk: int):
    """A group or criterion of a rubric the user may read (else 404) and edit (else 403)."""
    part = get_object_or_404(
        model.objects.select_related("rubric__province").filter(rubric__in=rubrics_for(user)), pk=pk
    )
    if not can_in_province(user, Action.OVERSEE, part.rubric.province_id):
        raise PermissionDenied
    return part


def _frozen(request, rubric: Rubric) -> HttpResponse | None:
    """The answer to any change of a published rubric: refused, saying why and what to do instead."""
    if not rubric.is_published:
        return None
    return render(request, "scoring/rubric_frozen.html", {"rubric": rubric}, status=403)


def _attach(form, exc: ValidationError, renamed: dict[str, str] | None = None) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            name = (renamed or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- list --------------------------------------------------------------------------------------------------


@require_safe
def rubric_list(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "year", "status", "province", "sort")}
    if filters["sort"] not in SORTS:
        filters["sort"] = "-year"
    visible = rubrics_for(request.user)
    queryset = visible.select_related("province").annotate(
        criteria_count=Count("criteria"), maxima=Sum("criteria__max_points")
    )
    if filters["year"].isdigit():
        queryset = queryset.filter(year=int(filters["year"]))
    if filters["status"] in Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["province"].isdigit():
        queryset = queryset.filter(province_id=int(filters["province"]))
    rubrics = list(queryset.order_by(*SORTS[filters["sort"]]))
    if filters["q"]:
        # A province holds a handful of rubrics a year: their names are folded here rather than stored.
        folded = fold(filters["q"])
        rubrics = [rubric for rubric in rubrics if folded in fold(rubric.name)]
    if request.GET.get("export") == "xlsx":
        return _list_export(rubrics)
    provinces = list(provinces_seen(request.user).order_by("name"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "scoring/rubric_list.html",
        {
            "page_obj": Paginator(rubrics, PAGE_SIZE).get_page(request.GET.get("page")),
            "query": params.urlencode(),
            "filters": filters,
            "statuses": Status.choices,
            "years": list(visible.order_by("-year").values_list("year", flat=True).distinct()),
            "provinces": provinces if len(provinces) > 1 else None,
            "can_create": can_anywhere(request.user, Action.OVERSEE),
        },
    )


def _list_export(rubrics: list[Rubric]) -> HttpResponse:
    headers = [
        _("Province"),
        _("Year"),
        _("Name"),
        _("Status"),
        _("Total points"),
        _("Sum of maxima"),
        _("Criteria"),
        _("Self-assessment deadline"),
        _("Published at"),
    ]
    rows = (
        (
            rubric.province.name,
            rubric.year,
            rubric.name,
            rubric.get_status_display(),
            rubric.total,
            rubric.maxima or Decimal(0),
            rubric.criteria_count,
            rubric.self_assessment_deadline,
            timezone.localtime(rubric.published_at).replace(tzinfo=None) if rubric.published_at else None,
        )
        for rubric in rubrics
    )
    response = HttpResponse(write_table(_("Rubrics"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="rubrics.xlsx"'
    return response


# --- one rubric --------------------------------------------------------------------------------------------


@dataclass
class BandRow:
    band: Band
    range: str


def band_rows(bands: list[Band], total: Decimal) -> list[BandRow]:
    """The bands from the top, each with its range written out: "≥ 80 and < 90"."""
    ordered = sorted(bands, key=lambda band: (band.lower_bound, not band.inclusive), reverse=True)
    rows, above = [], None
    for band in ordered:
        lower = ("≥ " if band.inclusive else "> ") + service.plain(band.lower_bound)
        if above is None:
            upper = "≤ " + service.plain(total)
        else:
            upper = ("< " if above.inclusive else "≤ ") + service.plain(above.lower_bound)
        rows.append(BandRow(band, _("%(lower)s and %(upper)s") % {"lower": lower, "upper": upper}))
        above = band
    return rows


def _detail(request, rubric: Rubric, *, errors: list[str] = (), status: int = 200) -> HttpResponse:
    groups = list(rubric.groups.all())
    criteria = list(rubric.criteria.all())
    bands = list(rubric.bands.order_by("-lower_bound", "inclusive", "pk"))
    by_group: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        criterion.thresholds_text = rules.format_thresholds(criterion.thresholds)
        by_group[criterion.group_id].append(criterion)
    can_manage = can_in_province(request.user, Action.OVERSEE, rubric.province_id)
    return render(
        request,
        "scoring/rubric_detail.html",
        {
            "rubric": rubric,
            "groups": [
                (group, by_group[group.pk], sum((c.max_points for c in by_group[group.pk]), Decimal(0)))
                for group in groups
            ],
            "bands": band_rows(bands, rubric.total),
            "maxima": sum((criterion.max_points for criterion in criteria), Decimal(0)),
            "problems": []
            if rubric.is_published
            else service.publish_problems(rubric, groups=groups, criteria=criteria, bands=bands),
            "errors": errors,
            "copies": rubrics_for(request.user).filter(copied_from=rubric).order_by("year"),
            "can_manage": can_manage,
            "can_edit": can_manage and not rubric.is_published,
        },
        status=status,
    )


@require_safe
def rubric_detail(request, pk: int):
    return _detail(request, rubric_get_or_404(request.user, pk))


@require_http_methods(["GET", "POST"])
def rubric_create(request):
    provinces = provinces_for(request.user, Action.OVERSEE).order_by("name")
    if not provinces.exists():
        raise PermissionDenied
    form = RubricCreateForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rubric = service.rubric_create(
                province=data["province"],
                year=data["year"],
                name=data["name"],
                total=data["total"],
                self_assessment_deadline=data["self_assessment_deadline"],
                from_default=data["start_from_default"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Draft rubric created. Complete it, then publish it."))
            return redirect(rubric)
    return render(
        request,
        "scoring/rubric_form.html",
        {"form": form, "rubric": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def rubric_edit(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    if refused := _frozen(request, rubric):
        return refused
    form = RubricForm(request.POST or None, instance=rubric)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.rubric_update(
                rubric=rubric,
                name=data["name"],
                year=data["year"],
                total=data["total"],
                self_assessment_deadline=data["self_assessment_deadline"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Rubric saved."))
            return redirect(rubric)
    return render(
        request,
        "scoring/rubric_form.html",
        {"form": form, "rubric": rubric},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def rubric_delete(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    if refused := _frozen(request, rubric):
        return refused
    error = None
    if request.method == "POST":
        try:
            service.rubric_delete(rubric=rubric, acting_user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Draft rubric “%(name)s” deleted.") % {"name": rubric.name})
            return redirect("scoring:rubric_list")
    return render(
        request,
        "scoring/rubric_confirm_delete.html",
        {"rubric": rubric, "error": error, "criteria_count": rubric.criteria.count()},
        status=400 if error else 200,
    )


@require_POST
def rubric_publish(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    if refused := _frozen(request, rubric):
        return refused
    try:
        service.publish(rubric, request.user)
    except ValidationError as exc:
        return _detail(request, rubric, errors=exc.messages, status=400)
    messages.success(request, _("Rubric published: it is now frozen, and agencies can be scored against it."))
    return redirect(rubric)


@require_POST
def rubric_copy(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    try:
        copy = service.copy_to_next_year(rubric, request.user)
    except ValidationError as exc:
        return _detail(request, rubric, errors=exc.messages, status=400)
    messages.success(
        request, _("Draft for %(year)s created as a copy. Adjust it, then publish it.") % {"year": copy.year}
    )
    return redirect(copy)


@require_safe
def rubric_export(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk)
    response = HttpResponse(service.export(rubric), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="rubric-{rubric.province.code}-{rubric.year}-{rubric.pk}.xlsx"'
    )
    return response


@require_http_methods(["GET", "POST"])
def rubric_import(request):
    provinces = provinces_for(request.user, Action.OVERSEE).order_by("name")
    if not provinces.exists():
        raise PermissionDenied
    form = RubricImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    errors = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rubric = service.import_rubric(
                data["file"], data["province"], data["year"], data["name"], request.user, total=data["total"]
            )
        except ValidationError as exc:
            _attach(form, exc)
        except SpreadsheetError as exc:
            form.add_error("file", str(exc))
        except ImportRejected as exc:
            errors = exc.errors
        else:
            counts = rubric.groups.count(), rubric.criteria.count(), rubric.bands.count()
            messages.success(
                request,
                _(
                    "Imported as a draft: %(groups)s groups, %(criteria)s criteria, %(bands)s bands. "
                    "Check it, then publish it."
                )
                % {"groups": counts[0], "criteria": counts[1], "bands": counts[2]},
            )
            return redirect(rubric)
    return render(
        request,
        "_import_form.html",
        {"page": IMPORT_PAGE, "form": form, "errors": errors, "columns": IMPORT_PAGE.columns},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
def rubric_import_template(request):
    if not can_anywhere(request.user, Action.OVERSEE):
        raise PermissionDenied
    response = HttpResponse(service.default_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="rubric-template.xlsx"'
    return response


# --- groups, criteria, bands -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def group_create(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    return _group_form(request, rubric, None)


@require_http_methods(["GET", "POST"])
def group_edit(request, pk: int):
    group = _part_get_or_404(request.user, CriterionGroup, pk)
    return _group_form(request, group.rubric, group)


def _group_form(request, rubric: Rubric, group: CriterionGroup | None):
    if refused := _frozen(request, rubric):
        return refused
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if group is None:
                service.group_create(
                    rubric=rubric,
                    code=data["code"],
                    title=data["title"],
                    order=data["order"],
                    acting_user=request.user,
                )
            else:
                service.group_update(
                    group=group,
                    code=data["code"],
                    title=data["title"],
                    order=data["order"],
                    acting_user=request.user,
                )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Group %(code)s saved.") % {"code": data["code"]})
            return redirect(rubric)
    return render(
        request,
        "scoring/group_form.html",
        {"form": form, "rubric": rubric, "group": group},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def group_delete(request, pk: int):
    group = _part_get_or_404(request.user, CriterionGroup, pk)
    rubric = group.rubric
    if refused := _frozen(request, rubric):
        return refused
    error = None
    if request.method == "POST":
        try:
            service.group_delete(group=group, acting_user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Group %(code)s deleted.") % {"code": group.code})
            return redirect(rubric)
    return render(
        request,
        "scoring/group_confirm_delete.html",
        {"group": group, "rubric": rubric, "error": error, "criteria": group.criteria.all()},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def criterion_create(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    if refused := _frozen(request, rubric):
        return refused
    if not rubric.groups.exists():
        messages.error(request, _("Add a group first: every criterion belongs to one."))
        return redirect("scoring:group_create", pk=rubric.pk)
    return _criterion_form(request, rubric, None)


@require_http_methods(["GET", "POST"])
def criterion_edit(request, pk: int):
    criterion = _part_get_or_404(request.user, Criterion, pk)
    if refused := _frozen(request, criterion.rubric):
        return refused
    return _criterion_form(request, criterion.rubric, criterion)


def _criterion_form(request, rubric: Rubric, criterion: Criterion | None):
    initial = {}
    if criterion is None and request.GET.get("group", "").isdigit():
        initial["group"] = int(request.GET["group"])
    form = CriterionForm(
        request.POST or None, instance=criterion or Criterion(rubric=rubric), rubric=rubric, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = service.CriterionData(
            group=data["group"],
            code=data["code"],
            text=data["text"],
            guidance=data["guidance"],
            max_points=data["max_points"],
            metric=data["metric"],
            rule=data["rule"],
            thresholds=data["thresholds_text"],
            order=data["order"],
        )
        try:
            if criterion is None:
                service.criterion_create(rubric=rubric, data=values, acting_user=request.user)
            else:
                service.criterion_update(criterion=criterion, data=values, acting_user=request.user)
        except ValidationError as exc:
            _attach(form, exc, {"thresholds": "thresholds_text"})
        else:
            messages.success(request, _("Criterion %(code)s saved.") % {"code": data["code"]})
            return redirect(rubric)
    return render(
        request,
        "scoring/criterion_form.html",
        {"form": form, "rubric": rubric, "criterion": criterion},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def criterion_delete(request, pk: int):
    criterion = _part_get_or_404(request.user, Criterion, pk)
    rubric = criterion.rubric
    if refused := _frozen(request, rubric):
        return refused
    error = None
    if request.method == "POST":
        try:
            service.criterion_delete(criterion=criterion, acting_user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Criterion %(code)s deleted.") % {"code": criterion.code})
            return redirect(rubric)
    return render(
        request,
        "scoring/criterion_confirm_delete.html",
        {"criterion": criterion, "rubric": rubric, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def bands_edit(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk, Action.OVERSEE)
    if refused := _frozen(request, rubric):
        return refused
    formset = band_formset(rubric, request.POST if request.method == "POST" else None)
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        kept = [
            form
            for form in formset.forms
            if form not in formset.deleted_forms and (form.initial.get("id") or form.has_changed())
        ]
        bands = [
            service.BandData(
                id=form.cleaned_data.get("id"),
                label=form.cleaned_data["label"],
                lower_bound=form.cleaned_data["lower_bound"],
                inclusive=form.cleaned_data["inclusive"],
            )
            for form in kept
        ]
        try:
            saved = service.bands_save(rubric=rubric, bands=bands, acting_user=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Bands saved."))
            for problem in rules.band_problems(saved, rubric.total):
                messages.warning(request, problem)
            return redirect(rubric)
    return render(
        request,
        "scoring/band_form.html",
        {"formset": formset, "rubric": rubric, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )


# --- history -----------------------------------------------------------------------------------------------

# The fields whose changes the history page lists, per model.
HISTORY_FIELDS = {
    Rubric: [
        "name",
        "year",
        "total",
        "self_assessment_deadline",
        "status",
        "published_at",
        "results_published_at",
    ],
    CriterionGroup: ["code", "title", "order"],
    Criterion: ["group", "code", "text", "guidance", "max_points", "metric", "rule", "thresholds", "order"],
    Band: ["label", "lower_bound", "inclusive"],
}


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime
    who: object
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def _subject(model, record) -> str:
    if model is Rubric:
        return _("Rubric")
    if model is CriterionGroup:
        return _("Group %(code)s") % {"code": record.code}
    if model is Criterion:
        return _("Criterion %(code)s") % {"code": record.code}
    return _("Band “%(label)s”") % {"label": record.label}


def _shown(model_field, value, group_codes: dict[int, str]) -> str:
    if value in (None, "", []):
        return "—"
    if model_field.name == "group":
        return group_codes.get(value, str(value))
    if model_field.name == "thresholds":
        return rules.format_thresholds(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return service.plain(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def rubric_history_entries(rubric: Rubric) -> list[HistoryEntry]:
    """Every recorded change of the rubric, its groups, criteria and bands, newest first (four queries)."""
    sources = [
        (Rubric, Rubric.history.filter(id=rubric.pk)),
        (CriterionGroup, CriterionGroup.history.filter(rubric_id=rubric.pk)),
        (Criterion, Criterion.history.filter(rubric_id=rubric.pk)),
        (Band, Band.history.filter(rubric_id=rubric.pk)),
    ]
    loaded = [
        (model, list(records.select_related("history_user").order_by("id", "history_date", "history_id")))
        for model, records in sources
    ]
    group_codes = {
        record.id: record.code for model, records in loaded if model is CriterionGroup for record in records
    }
    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    entries = []
    for model, records in loaded:
        fields = [model._meta.get_field(name) for name in HISTORY_FIELDS[model]]
        previous = None
        for record in records:
            if previous is not None and previous.id != record.id:
                previous = None
            changes = []
            if record.history_type == "~" and previous is not None:
                for model_field in fields:
                    before, after = (
                        getattr(previous, model_field.attname),
                        getattr(record, model_field.attname),
                    )
                    if before != after:
                        changes.append(
                            Change(
                                str(model_field.verbose_name),
                                _shown(model_field, before, group_codes),
                                _shown(model_field, after, group_codes),
                            )
                        )
                if not changes:
                    previous = record
                    continue
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    actions.get(record.history_type, record.history_type),
                    _subject(model, record),
                    changes,
                )
            )
            previous = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


@require_safe
def rubric_history(request, pk: int):
    rubric = rubric_get_or_404(request.user, pk)
    entries = rubric_history_entries(rubric)
    return render(
        request,
        "scoring/rubric_history.html",
        {
            "rubric": rubric,
            "page_obj": Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


urlpatterns = [
    path("rubrics/", rubric_list, name="rubric_list"),
    path("rubrics/new/", rubric_create, name="rubric_create"),
    path("rubrics/import/", rubric_import, name="rubric_import"),
    path("rubrics/import/template.xlsx", rubric_import_template, name="rubric_import_template"),
    path("rubrics/<int:pk>/", rubric_detail, name="rubric_detail"),
    path("rubrics/<int:pk>/edit/", rubric_edit, name="rubric_edit"),
    path("rubrics/<int:pk>/delete/", rubric_delete, name="rubric_delete"),
    path("rubrics/<int:pk>/publish/", rubric_publish, name="rubric_publish"),
    path("rubrics/<int:pk>/copy/", rubric_copy, name="rubric_copy"),
    path("rubrics/<int:pk>/export.xlsx", rubric_export, name="rubric_export"),
    path("rubrics/<int:pk>/history/", rubric_history, name="rubric_history"),
    path("rubrics/<int:pk>/bands/", bands_edit, name="bands_edit"),
    path("rubrics/<int:pk>/groups/new/", group_create, name="group_create"),
    path("rubrics/groups/<int:pk>/edit/", group_edit, name="group_edit"),
    path("rubrics/groups/<int:pk>/delete/", group_delete, name="group_delete"),
    path("rubrics/<int:pk>/criteria/new/", criterion_create, name="criterion_create"),
    path("rubrics/criteria/<int:pk>/edit/", criterion_edit, name="criterion_edit"),
    path("rubrics/criteria/<int:pk>/delete/", criterion_delete, name="criterion_delete"),
]
