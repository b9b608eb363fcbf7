"""Steering committee meetings and training sessions: list, record, correct, download the minutes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.access import Action as Can
from agencies.access import agencies_for, agency_get_or_404, can, can_anywhere, record_get_or_404
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import matching

from ..forms.activities import ActivityForm
from ..models import Activity
from ..services import activities as service

PAGE_SIZE = 25
SORTS = {
    "-date": ("-held_on", "agency__name"),
    "date": ("held_on", "agency__name"),
    "agency": ("agency__name", "-held_on"),
}


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _filtered_activities(request) -> tuple:
    queryset = Activity.objects.filter(agency__in=agencies_for(request.user)).select_related("agency")
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "kind", "agency", "year", "sort")}
    if filters["kind"] in Activity.Kind.values:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    if filters["year"].isdigit():
        queryset = queryset.filter(held_on__year=int(filters["year"]))
    if filters["q"]:
        queryset = _search(queryset, filters["q"])
    if filters["sort"] not in SORTS:
        filters["sort"] = "-date"
    return queryset.order_by(*SORTS[filters["sort"]], "pk"), filters


def _search(queryset, query: str):
    """Topic, participants or agency matching the query without regard to case or diacritics."""
    return queryset.filter(matching(query, "search_text", "agency__search_text"))


def activity_list(request):
    queryset, filters = _filtered_activities(request)
    if request.GET.get("export") == "xlsx":
        return _export(queryset)
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    this_year = timezone.localdate().year
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for activity in page:
        activity.can_edit = can(request.user, Can.EDIT, activity.agency)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audits/activity_list.html",
        {
            "page_obj": page,
            "query": params.urlencode(),
            "filters": filters,
            "kinds": Activity.Kind.choices,
            "agencies": agencies if len(agencies) <= 200 else None,
            "years": range(this_year, this_year - 10, -1),
            "can_create": can_anywhere(request.user, Can.EDIT),
        },
    )


def _export(queryset) -> HttpResponse:
    rows = (
        (
            activity.agency.name,
            activity.get_kind_display(),
            activity.held_on,
            activity.topic,
            activity.participant_count,
            activity.participants,
            _("yes") if activity.file else "",
        )
        for activity in queryset
    )
    headers = [
        _("Agency"),
        _("Kind"),
        _("Date"),
        _("Topic"),
        _("Number of participants"),
        _("Participants"),
        _("Minutes or attendance attached"),
    ]
    response = HttpResponse(
        write_table(_("Meetings and trainings"), headers, rows), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = 'attachment; filename="meetings-and-trainings.xlsx"'
    return response


def _data(cleaned: dict) -> service.ActivityData:
    return service.ActivityData(
        kind=cleaned["kind"],
        held_on=cleaned["held_on"],
        topic=cleaned["topic"],
        participants=cleaned["participants"],
        participant_count=cleaned["participant_count"],
        file=cleaned["file"] or None,
        remove_file=cleaned.get("remove_file", False),
    )


def _list_url(agency_pk: int) -> str:
    return f"{reverse('audits:activity_list')}?agency={agency_pk}"


@require_http_methods(["GET", "POST"])
def activity_create(request):
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    requested = request.GET.get("agency", "")
    if requested.isdigit():
        agency = agency_get_or_404(request.user, int(requested), Can.EDIT)
        form = ActivityForm(data, files, agency=agency)
    else:
        agencies = agencies_for(request.user, Can.EDIT).order_by("name")
        first_two = list(agencies[:2])
        if not first_two:
            raise PermissionDenied
        agency = first_two[0] if len(first_two) == 1 else None
        form = (
            ActivityForm(data, files, agency=agency)
            if agency
            else ActivityForm(data, files, agencies=agencies)
        )
    if request.method == "POST" and form.is_valid():
        target = agency or form.cleaned_data["agency"]
        try:
            service.activity_create(agency=target, data=_data(form.cleaned_data), acting_user=request.user)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The meeting or training was recorded."))
            return redirect(_list_url(target.pk))
    status = 400 if request.method == "POST" else 200
    return render(request, "audits/activity_form.html", {"form": form, "agency": agency}, status=status)


@require_http_methods(["GET", "POST"])
def activity_edit(request, pk: int):
    activity = record_get_or_404(
        request.user, Activity.objects.select_related("agency__province"), Can.EDIT, pk=pk
    )
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    initial = {
        name: getattr(activity, name)
        for name in ("kind", "held_on", "topic", "participants", "participant_count")
    }
    form = ActivityForm(data, files, agency=activity.agency, has_file=bool(activity.file), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.activity_update(
                activity=activity, data=_data(form.cleaned_data), acting_user=request.user
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The meeting or training was saved."))
            return redirect(_list_url(activity.agency_id))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "audits/activity_form.html",
        {
            "form": form,
            "agency": activity.agency,
            "activity": activity,
            "file_name": activity.file.name.rsplit("/", 1)[-1] if activity.file else "",
        },
        status=status,
    )


def activity_file(request, pk: int):
    activity = record_get_or_404(request.user, Activity.objects.select_related("agency"), Can.VIEW, pk=pk)
    if not activity.file:
        raise Http404
    return FileResponse(
        activity.file.open("rb"), as_attachment=True, filename=activity.file.name.rsplit("/", 1)[-1]
    )
