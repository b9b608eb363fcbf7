"""Provincial targets with their progress; set and changed by the province's reviewers.

Routes (names in the `scoring` namespace):
- target_list: targets/ — every user of the province and national viewers
- target_create: targets/new/
- target_edit: targets/<pk>/edit/
- target_delete: targets/<pk>/delete/ (GET asks, POST removes)
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.access import Action, can_anywhere, can_in_province, provinces_for, provinces_seen
from agencies.models import Agency
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..forms.targets import TargetForm
from ..models import Target
from ..services import targets as service
from ..targets import Progress, Status, progress_of

PAGE_SIZE = 25
SORTS = {
    "deadline": lambda item: (item.target.deadline, item.target.pk),
    "-deadline": lambda item: (-item.target.deadline.toordinal(), item.target.pk),
    "progress": lambda item: (item.value, item.target.pk),
    "-progress": lambda item: (-item.value, item.target.pk),
}


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _target_or_404(user, pk: int, action: Action = Action.VIEW) -> Target:
    """A target of a province the user sees (else 404); changing it needs OVERSEE there (else 403)."""
    target = get_object_or_404(
        Target.objects.select_related("province").filter(province__in=provinces_seen(user)), pk=pk
    )
    if action != Action.VIEW and not can_in_province(user, action, target.province_id):
        raise PermissionDenied
    return target


def _filtered(request) -> tuple[list[Progress], dict[str, str]]:
    queryset = Target.objects.filter(province__in=provinces_seen(request.user)).select_related("province")
    filters = {key: request.GET.get(key, "").strip() for key in ("measure", "level", "status", "q", "sort")}
    if filters["measure"] in Target.Measure.values:
        queryset = queryset.filter(measure=filters["measure"])
    if filters["level"] == "all":
        queryset = queryset.filter(level="")
    elif filters["level"] in Agency.Level.values:
        queryset = queryset.filter(level=filters["level"])
    items = progress_of(queryset.order_by("deadline", "pk"), timezone.localdate())
    if filters["status"] in Status.values:
        items = [item for item in items if item.status == filters["status"]]
    if folded := fold(filters["q"]):
        items = [
            item
            for item in items
            if folded
            in fold(f"{item.target.get_measure_display()} {item.target.note} {item.target.province}")
        ]
    if filters["sort"] not in SORTS:
        filters["sort"] = "deadline"
    items.sort(key=SORTS[filters["sort"]])
    return items, filters


@require_GET
def target_list(request):
    items, filters = _filtered(request)
    if request.GET.get("export") == "xlsx":
        return _export(items)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.can_edit = can_in_province(request.user, Action.OVERSEE, item.target.province_id)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "scoring/target_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": params.urlencode(),
            "measures": Target.Measure.choices,
            "levels": Agency.Level.choices,
            "statuses": Status.choices,
            "can_create": can_anywhere(request.user, Action.OVERSEE),
            "several_provinces": len({item.target.province_id for item in items}) > 1,
        },
    )


def _export(items: list[Progress]) -> HttpResponse:
    headers = [
        _("Province"),
        _("Measure"),
        _("Agency level"),
        _("Target (%)"),
        _("Counted from"),
        _("Deadline"),
        _("Value when set (%)"),
        _("Current value (%)"),
        _("Agencies meeting it"),
        _("Agencies counted"),
        _("Projection at the deadline (%)"),
        _("Status"),
        _("Note"),
    ]
    rows = (
        (
            item.target.province.name,
            item.target.get_measure_display(),
            item.target.get_level_display() if item.target.level else _("All levels"),
            item.target.value,
            item.target.start_on,
            item.target.deadline,
            item.target.baseline,
            item.value,
            item.current.numerator,
            item.current.denominator,
            item.projection,
            str(item.status.label),
            item.target.note,
        )
        for item in items
    )
    response = HttpResponse(write_table(_("Targets"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="targets.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def target_create(request):
    provinces = provinces_for(request.user, Action.OVERSEE).order_by("name")
    choices = list(provinces[:2])
    if not choices:
        raise PermissionDenied
    single = choices[0] if len(choices) == 1 else None
    form = TargetForm(request.POST or None, provinces=None if single else provinces)
    if request.method == "POST" and form.is_valid():
        province = single or form.cleaned_data["province"]
        try:
            service.target_create(province=province, data=form.data_object(), acting_user=request.user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The target was set."))
            return redirect("scoring:target_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "scoring/target_form.html", {"form": form, "province": single}, status=status)


@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = _target_or_404(request.user, pk, Action.OVERSEE)
    initial = {
        name: getattr(target, name) for name in ("measure", "level", "value", "start_on", "deadline", "note")
    }
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.target_update(target=target, data=form.data_object(), acting_user=request.user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The target was saved."))
            return redirect("scoring:target_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scoring/target_form.html",
        {"form": form, "province": target.province, "target": target},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def target_delete(request, pk: int):
    target = _target_or_404(request.user, pk, Action.OVERSEE)
    if request.method == "POST":
        service.target_delete(target=target, acting_user=request.user)
        messages.success(request, _("The target was removed."))
        return redirect("scoring:target_list")
    return render(request, "scoring/target_confirm_delete.html", {"target": target})


urlpatterns = [
    path("targets/", target_list, name="target_list"),
    path("targets/new/", target_create, name="target_create"),
    path("targets/<int:pk>/edit/", target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", target_delete, name="target_delete"),
]
