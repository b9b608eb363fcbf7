"""Nonconformities with their corrective actions and management review decisions: one tracking."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.access import agencies_for
from qms_portal.concurrency import StaleEdit, check_version, edit_conflict
from qms_portal.history import Source, history_entries
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import matching

from ..forms.actions import STEP_FORMS, EvidenceForm
from ..models import Action, Evidence, Finding, Verification
from ..selectors import action_can_update, action_get_or_404, actions_for
from ..services import actions as service

PAGE_SIZE = 25
Status = Action.Status
FILTER_KEYS = ("q", "status", "source", "agency", "year", "overdue", "mine", "sort")
NOT_CLOSED = "not_closed"
STEP_LABELS = {
    service.ANALYSE: gettext_lazy("Analyse the cause"),
    service.PLAN: gettext_lazy("Plan the action"),
    service.IMPLEMENT: gettext_lazy("Report the implementation"),
    service.VERIFY: gettext_lazy("Verify the effectiveness"),
    service.CLOSE: gettext_lazy("Close the action"),
}
STEP_DONE = {
    service.ANALYSE: gettext_lazy("The cause analysis was recorded."),
    service.PLAN: gettext_lazy("The action is planned."),
    service.IMPLEMENT: gettext_lazy("The action is reported as implemented; it now awaits verification."),
    service.CLOSE: gettext_lazy("The action is closed."),
}


def _filtered_actions(request, today) -> tuple:
    """The actions the user may see, narrowed by the list's filters; also returns the filter values."""
    queryset = actions_for(request.user).select_related("agency", "owner", "finding__audit", "review")
    filters = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    if filters["status"] == NOT_CLOSED:
        queryset = queryset.exclude(status=Status.CLOSED)
    elif filters["status"] in Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["source"] in Action.Source.values:
        queryset = queryset.filter(source=filters["source"])
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    if filters["year"].isdigit():
        queryset = queryset.filter(created_at__year=int(filters["year"]))
    if filters["overdue"]:
        queryset = queryset.filter(service.overdue_q(today))
    if filters["mine"]:
        queryset = queryset.filter(owner=request.user)
    if filters["q"]:
        queryset = _search(queryset, filters["q"])
    order = ("-due_date", "-pk") if filters["sort"] == "-due" else ("due_date", "pk")
    return queryset.order_by(*order), filters


def _search(queryset, query: str):
    """Titles matching the query without regard to case or diacritics."""
    return queryset.filter(matching(query, "search_text"))


def action_list(request):
    today = timezone.localdate()
    queryset, filters = _filtered_actions(request, today)
    if request.GET.get("export") == "xlsx":
        return _export(queryset, today)
    # Offer the agency filter only while the choice is short enough for a select.
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    years = [
        moment.year for moment in actions_for(request.user).datetimes("created_at", "year", order="DESC")
    ]
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for action in page:
        action.overdue = action.is_overdue(today)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audits/action_list.html",
        {
            "page_obj": page,
            "query": params.urlencode(),
            "filters": filters,
            "statuses": Status.choices,
            "sources": Action.Source.choices,
            "agencies": agencies if len(agencies) <= 200 else None,
            "years": years,
            "not_closed": NOT_CLOSED,
        },
    )


def _export(queryset, today) -> HttpResponse:
    headers = [
        _("Agency"),
        _("Source"),
        _("Title"),
        _("Origin"),
        _("Owner"),
        _("Due date"),
        _("Status"),
        _("Overdue"),
        _("Root cause"),
        _("Action"),
        _("Implemented on"),
        _("Closed on"),
    ]
    rows = (
        (
            action.agency.name,
            action.get_source_display(),
            action.title,
            _origin_text(action),
            (action.owner.get_full_name() or action.owner.username) if action.owner else "",
            action.due_date,
            action.get_status_display(),
            _("Yes") if action.is_overdue(today) else _("No"),
            action.root_cause,
            action.action_plan,
            timezone.localtime(action.implemented_at).date() if action.implemented_at else None,
            timezone.localtime(action.closed_at).date() if action.closed_at else None,
        )
        for action in queryset
    )
    response = HttpResponse(write_table(_("Actions"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="actions.xlsx"'
    return response


def _origin_text(action: Action) -> str:
    if action.finding_id:
        return action.finding.audit.title
    return _("Management review of %(date)s") % {"date": action.review.held_on.strftime("%d/%m/%Y")}


def action_detail(request, pk: int):
    return _render_detail(request, action_get_or_404(request.user, pk))


def _render_detail(
    request, action: Action, *, step_form=None, evidence_form=None, errors=(), conflict=None, status=200
):
    user = request.user
    today = timezone.localdate()
    next_step = service.action_next_step(action)
    if step_form is None and next_step and service.action_step_allowed(user, action, next_step):
        step_form = STEP_FORMS[next_step](action=action, user=user)
    may_add_evidence = action.status != Status.CLOSED and action_can_update(user, action)
    if evidence_form is None and may_add_evidence:
        evidence_form = EvidenceForm()
    action.overdue = action.is_overdue(today)
    context = {
        "action": action,
        "finding": action.finding if action.finding_id else None,
        "next_step": next_step,
        "next_step_label": STEP_LABELS.get(next_step, ""),
        "step_form": step_form,
        "step_form_label": STEP_LABELS[step_form.step] if step_form else "",
        "owner_may_not_verify": next_step in (service.VERIFY, service.CLOSE) and action.owner_id == user.pk,
        "evidence_form": evidence_form if may_add_evidence else None,
        "verifications": action.verifications.select_related("verified_by").order_by("verified_at", "pk"),
        "evidence": action.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "history": _history(action),
        "history_entries": action_changes(action),
        "errors": errors,
        "conflict": conflict,
        "today": today,
    }
    return render(request, "audits/action_detail.html", context, status=status)


def action_changes(action: Action) -> list:
    """Every change of the action, the finding it tracks, its verifications and evidence files."""
    sources = [
        Source(Action.history.filter(id=action.pk), lambda row: _("Action")),
        Source(Verification.history.filter(action_id=action.pk), lambda row: _("Verification")),
        Source(
            Evidence.history.filter(action_id=action.pk),
            lambda row: _("Evidence file %(name)s") % {"name": str(row.file).rsplit("/", 1)[-1]},
        ),
    ]
    if action.finding_id:
        sources.append(Source(Finding.history.filter(id=action.finding_id), lambda row: _("Finding")))
    return history_entries(*sources)


def _history(action: Action) -> list:
    """The entries where the status moved or a reason was given: who did what, and when."""
    entries, previous = [], None
    for entry in action.history.select_related("history_user").order_by("history_date", "history_id"):
        if entry.status != previous or entry.history_change_reason:
            entries.append(entry)
        previous = entry.status
    return entries


@require_POST
def action_step(request, pk: int):
    action = action_get_or_404(request.user, pk)
    # Readers who may take no step at all are refused before the step is even looked at.
    if not (action_can_update(request.user, action) or service.action_may_verify(request.user, action)):
        raise PermissionDenied
    step = request.POST.get("step", "")
    if step not in STEP_FORMS:
        return _render_detail(request, action, errors=[_("Unknown step.")], status=400)
    if not service.action_step_allowed(request.user, action, step):
        raise PermissionDenied
    form = STEP_FORMS[step](request.POST, action=action, user=request.user)
    try:
        # A form loaded before someone else's save is a conflict first, whatever step it was for.
        check_version(action, form.submitted_version)
        service.action_step_check(action=action, step=step)
    except StaleEdit as exc:
        return _conflict(request, exc.current, form)
    except ValidationError as exc:
        return _render_detail(request, action, errors=exc.messages, status=400)
    if form.is_valid():
        try:
            updated = _perform(step, action, form.cleaned_data, request.user)
        except StaleEdit as exc:
            return _conflict(request, exc.current, form)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            if step != service.VERIFY:
                messages.success(request, STEP_DONE[step])
            elif updated.status == Status.VERIFIED:
                messages.success(request, _("Verified effective: the action can now be closed."))
            else:
                messages.warning(
                    request, _("Not effective: the action goes back to be planned and carried out again.")
                )
            return redirect(updated)
    return _render_detail(request, action, step_form=form, status=400)


def _conflict(request, current: Action, form):
    """409: the action as saved now beside what the user sent; the step form again (with what they typed)
    only while the action still waits for that step."""
    form.is_valid()
    conflict = edit_conflict(current, form, what=_("action"))
    action = action_get_or_404(request.user, current.pk)
    step_form = None
    if service.action_next_step(action) == form.step:
        form.take_version(action.version)
        step_form = form
    return _render_detail(request, action, step_form=step_form, conflict=conflict, status=409)


def _perform(step: str, action: Action, data: dict, user) -> Action:
    if step == service.ANALYSE:
        return service.action_analyse(
            action=action,
            root_cause=data["root_cause"],
            correction=data["correction"],
            acting_user=user,
            version=data["version"],
        )
    if step == service.PLAN:
        return service.action_plan(
            action=action,
            action_plan=data["action_plan"],
            due_date=data["due_date"],
            due_date_reason=data["due_date_reason"],
            owner=data.get("owner"),
            acting_user=user,
            version=data["version"],
        )
    if step == service.IMPLEMENT:
        return service.action_implement(
            action=action,
            implementation_note=data["implementation_note"],
            acting_user=user,
            version=data["version"],
        )
    if step == service.VERIFY:
        return service.action_verify(
            action=action,
            effective=data["effective"],
            note=data["note"],
            acting_user=user,
            version=data["version"],
        )
    return service.action_close(
        action=action,
        effectiveness_note=data["effectiveness_note"],
        acting_user=user,
        version=data["version"],
    )


@require_POST
def evidence_add(request, pk: int):
    action = action_get_or_404(request.user, pk, update=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            service.evidence_add(
                action=action,
                file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _render_detail(request, action, errors=exc.messages, status=400)
            _attach(form, exc)
        else:
            messages.success(request, _("The evidence file was added."))
            return redirect(f"{action.get_absolute_url()}#evidence")
    return _render_detail(request, action, evidence_form=form, status=400)


def evidence_download(request, pk: int):
    evidence = get_object_or_404(Evidence.objects.filter(action__in=actions_for(request.user)), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=str(evidence))


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
