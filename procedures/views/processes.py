from difflib import SequenceMatcher

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import Action, agencies_for, can_anywhere
from qms_portal.concurrency import StaleEdit, edit_conflict
from qms_portal.history import Source, history_entries
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..forms.processes import (
    ApproveForm,
    FormFormSet,
    ProcessCreateForm,
    RecordFormSet,
    ReturnForm,
    RevisionForm,
    StepFormSet,
)
from ..models import Process, ProcessForm, ProcessRevision, ProcessStep, RecordKept, ReviewFlag
from ..selectors import (
    process_can,
    process_get_or_404,
    processes_for,
    revision_get_or_404,
    revision_visible,
    revisions_visible,
)
from ..services import revisions as service

PAGE_SIZE = 25
Status = ProcessRevision.Status


def _filtered_processes(request) -> tuple:
    """The processes the user may see, narrowed by the list's filters; also returns the filter values."""
    in_force = ProcessRevision.objects.filter(process=OuterRef("pk"), status=Status.IN_FORCE)
    queryset = (
        processes_for(request.user)
        .select_related("agency", "procedure")
        .annotate(
            in_force_number=Subquery(in_force.values("number")[:1]),
            in_force_since=Subquery(in_force.values("effective_date")[:1]),
            open_flags=Count("review_flags", filter=Q(review_flags__resolved_on__isnull=True)),
        )
        .order_by("agency__name", "code")
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "kind", "agency", "state")}
    if filters["q"]:
        queryset = queryset.filter(search_text__contains=fold(filters["q"]))
    if filters["kind"] in Process.Kind.values:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    state = filters["state"]
    if state == "in_force":
        queryset = queryset.filter(in_force_number__isnull=False)
    elif state == "not_in_force":
        queryset = queryset.filter(in_force_number__isnull=True)
    elif state == "flagged":
        queryset = queryset.filter(open_flags__gt=0)
    return queryset, filters


def process_list(request):
    queryset, filters = _filtered_processes(request)
    if request.GET.get("export") == "xlsx":
        return _export(queryset)
    # Offer the agency filter only while the choice is short enough for a select.
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "procedures/process_list.html",
        {
            "page_obj": page,
            "query": params.urlencode(),
            "kinds": Process.Kind.choices,
            "agencies": agencies if len(agencies) <= 200 else None,
            "filters": filters,
            "can_create": can_anywhere(request.user, Action.EDIT),
        },
    )


def _export(queryset) -> HttpResponse:
    rows = (
        (
            process.agency.name,
            process.code,
            process.title,
            process.get_kind_display(),
            process.procedure.code if process.procedure else "",
            process.in_force_number or "",
            process.in_force_since,
            process.open_flags,
        )
        for process in queryset
    )
    headers = [
        _("Agency"),
        _("Code"),
        _("Title"),
        _("Kind"),
        _("Procedure"),
        _("Revision in force"),
        _("In force since"),
        _("Open review flags"),
    ]
    response = HttpResponse(write_table(_("Processes"), headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="processes.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def process_create(request):
    agencies = agencies_for(request.user, Action.EDIT).order_by("name")
    if not agencies.exists():
        raise PermissionDenied
    form = ProcessCreateForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            process = service.process_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Process created. Describe its first revision."))
            return redirect("procedures:revision_edit", pk=process.revisions.get().pk)
    return render(request, "procedures/process_form.html", {"form": form}, status=400 if form.errors else 200)


def process_detail(request, pk: int):
    process = process_get_or_404(request.user, pk)
    revisions = list(revisions_visible(request.user, process).select_related("approved_by", "created_by"))
    in_force = next((r for r in revisions if r.status == Status.IN_FORCE), None)
    open_revision = next(
        (r for r in revisions if r.status in (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED)), None
    )
    newer_template = None
    if process.adopted_from_id:
        newer_template = (
            ProcessRevision.objects.filter(
                process_id=process.adopted_from.process_id,
                status=Status.IN_FORCE,
                number__gt=process.adopted_from.number,
            )
            .select_related("process")
            .first()
        )
    flags = ReviewFlag.objects.filter(process=process, resolved_on__isnull=True).select_related(
        "process__agency", "legal_document"
    )
    return render(
        request,
        "procedures/process_detail.html",
        {
            "process": process,
            "revisions": revisions,
            "in_force": in_force,
            "steps": in_force.steps.all() if in_force else [],
            "open_revision": open_revision,
            "newer_template": newer_template,
            "flags": flags,
            "today": timezone.localdate(),
            "can_edit": process_can(request.user, Action.EDIT, process),
        },
    )


@require_POST
def revision_new(request, pk: int):
    process = process_get_or_404(request.user, pk, Action.EDIT)
    try:
        draft = service.revision_new(process=process, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(process)
    messages.success(
        request, _("Revision %(number)s started as a copy of the latest one.") % {"number": draft.number}
    )
    return redirect("procedures:revision_edit", pk=draft.pk)


def revision_detail(request, pk: int):
    revision = revision_get_or_404(request.user, pk)
    process = revision.process
    user = request.user
    history = revision.history.select_related("history_user").order_by("history_date")
    return render(
        request,
        "procedures/revision_detail.html",
        {
            "revision": revision,
            "process": process,
            "steps": revision.steps.all(),
            "forms": revision.forms.all(),
            "records": revision.records.all(),
            "references": revision.references.all(),
            "counted_days": sum((s.time_days for s in revision.steps.all() if s.time_counted), 0),
            "history": _status_history(history),
            "history_entries": revision_changes(revision),
            "others": revisions_visible(user, process).exclude(pk=revision.pk),
            "can_edit": revision.is_editable and process_can(user, Action.EDIT, process),
            "can_submit": revision.status == Status.DRAFT and process_can(user, Action.EDIT, process),
            "can_approve": revision.status == Status.IN_REVIEW and process_can(user, Action.APPROVE, process),
            "can_return": revision.status == Status.IN_REVIEW and process_can(user, Action.EDIT, process),
            "approve_form": ApproveForm(initial={"effective_date": timezone.localdate()}),
            "return_form": ReturnForm(),
        },
    )


def revision_changes(revision: ProcessRevision) -> list:
    """Every change of the revision's content, steps, forms and records: who, when, before → after."""
    return history_entries(
        Source(
            ProcessRevision.history.filter(id=revision.pk),
            lambda row: _("Revision %(number)s") % {"number": row.number},
        ),
        Source(
            ProcessStep.history.filter(revision_id=revision.pk),
            lambda row: _("Step %(order)s") % {"order": row.order},
        ),
        Source(
            ProcessForm.history.filter(revision_id=revision.pk),
            lambda row: _("Form %(code)s") % {"code": row.code},
        ),
        Source(
            RecordKept.history.filter(revision_id=revision.pk),
            lambda row: _("Record kept “%(name)s”") % {"name": row.name},
        ),
    )


def _status_history(history) -> list:
    """Only the entries where the status moved: who did what, and when."""
    entries, previous = [], None
    for entry in history:
        if entry.status != previous:
            entries.append(entry)
            previous = entry.status
    return entries


@require_http_methods(["GET", "POST"])
def revision_edit(request, pk: int):
    revision = revision_get_or_404(request.user, pk, Action.EDIT)
    if not revision.is_editable:
        messages.error(request, _("Only a draft can be edited; start a new revision instead."))
        return redirect(revision)
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = RevisionForm(data, instance=revision)
    steps = StepFormSet(data, instance=revision, prefix="steps")
    forms_ = FormFormSet(data, files, instance=revision, prefix="forms")
    records = RecordFormSet(data, instance=revision, prefix="records")
    errors, conflict = [], None
    if request.method == "POST":
        if all([form.is_valid(), steps.is_valid(), forms_.is_valid(), records.is_valid()]):
            content = service.RevisionContent(
                purpose=form.cleaned_data["purpose"],
                scope=form.cleaned_data["scope"],
                terms=form.cleaned_data["terms"],
                change_summary=form.cleaned_data["change_summary"],
                references=list(form.cleaned_data["references"]),
                steps=[
                    service.StepData(
                        id=f.instance.pk,
                        action=f.cleaned_data["action"],
                        responsible=f.cleaned_data["responsible"],
                        time_days=f.cleaned_data["time_days"],
                        time_counted=f.cleaned_data["time_counted"],
                        output=f.cleaned_data["output"],
                    )
                    for f in _kept(steps)
                ],
                forms=[
                    service.FormData(
                        id=f.instance.pk,
                        code=f.cleaned_data["code"],
                        title=f.cleaned_data["title"],
                        file=f.cleaned_data["file"] if "file" in f.changed_data else None,
                    )
                    for f in _kept(forms_)
                ],
                records=[
                    service.RecordData(
                        id=f.instance.pk,
                        name=f.cleaned_data["name"],
                        location=f.cleaned_data["location"],
                        retention=f.cleaned_data["retention"],
                    )
                    for f in _kept(records)
                ],
            )
            try:
                service.revision_save(
                    revision=revision,
                    content=content,
                    acting_user=request.user,
                    version=form.cleaned_data["version"],
                )
            except StaleEdit as exc:
                conflict = _revision_conflict(exc.current, form, content)
                form.take_version(exc.current.version)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("The draft was saved."))
                if "submit" in request.POST:
                    return _submit(request, revision)
                return redirect(revision)
    context = {
        "revision": revision,
        "process": revision.process,
        "form": form,
        "steps": steps,
        "forms": forms_,
        "records": records,
        "errors": errors,
        "conflict": conflict,
    }
    status = 409 if conflict else 400 if request.method == "POST" else 200
    return render(request, "procedures/revision_form.html", context, status=status)


def _revision_conflict(current: ProcessRevision, form, content):
    """The saved draft beside the one the user sent: its fields, and its steps, forms and records."""

    def step_lines(steps) -> str:
        return "\n".join(
            f"{order}. {step.action.strip()} — {step.responsible.strip()} ({service.days(step.time_days)})"
            for order, step in enumerate(steps, start=1)
        )

    def rows(items) -> str:
        return "\n".join(" — ".join(value.strip() for value in item) for item in items)

    extra = [
        (_("Steps"), step_lines(current.steps.all()), step_lines(content.steps)),
        (
            _("Forms"),
            rows((f.code, f.title) for f in current.forms.all()),
            rows((f.code, f.title) for f in content.forms),
        ),
        (
            _("Records kept"),
            rows((r.name, r.location, r.retention) for r in current.records.all()),
            rows((r.name, r.location, r.retention) for r in content.records),
        ),
    ]
    return edit_conflict(current, form, what=_("draft"), extra=extra)


def _kept(formset) -> list:
    """Forms not marked for deletion and not left blank, in the order the user gave."""
    forms_ = [f for f in formset.forms if f.has_changed() or f.instance.pk]
    forms_ = [f for f in forms_ if not (formset.can_delete and f.cleaned_data.get("DELETE"))]
    return sorted(
        forms_, key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0)
    )


@require_POST
def revision_submit(request, pk: int):
    revision = revision_get_or_404(request.user, pk, Action.EDIT)
    return _submit(request, revision)


def _submit(request, revision):
    try:
        service.revision_submit(revision=revision, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The revision was sent to the leader for approval."))
    return redirect("procedures:revision_detail", pk=revision.pk)


@require_POST
def revision_approve(request, pk: int):
    revision = revision_get_or_404(request.user, pk, Action.APPROVE)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("effective_date", []):
            messages.error(request, message)
        return redirect(revision)
    try:
        revision = service.revision_approve(
            revision=revision, effective_date=form.cleaned_data["effective_date"], acting_user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if revision.status == Status.IN_FORCE:
            messages.success(request, _("Approved: the revision is in force."))
        else:
            messages.success(
                request,
                _("Approved: the revision comes into force on %(date)s.")
                % {"date": revision.effective_date.strftime("%d/%m/%Y")},
            )
    return redirect("procedures:revision_detail", pk=revision.pk)


@require_POST
def revision_return(request, pk: int):
    revision = revision_get_or_404(request.user, pk, Action.EDIT)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            service.revision_return(
                revision=revision, note=form.cleaned_data["note"], acting_user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The revision went back to draft."))
    else:
        messages.error(request, _("Say what needs to change."))
    return redirect("procedures:revision_detail", pk=revision.pk)


def revision_compare(request, pk: int):
    revision = revision_get_or_404(request.user, pk)
    others = revisions_visible(request.user, revision.process).exclude(pk=revision.pk)
    other_id = request.GET.get("with", "")
    if other_id.isdigit():
        other = get_object_or_404(others, pk=int(other_id))
    else:
        other = others.filter(number__lt=revision.number).order_by("-number").first()
        if other is None:
            raise Http404
    old, new = (other, revision) if other.number < revision.number else (revision, other)
    return render(
        request,
        "procedures/revision_compare.html",
        {
            "process": revision.process,
            "old": old,
            "new": new,
            "rows": compare_steps(old, new),
            "others": others,
        },
    )


def compare_steps(old: ProcessRevision, new: ProcessRevision) -> list[dict]:
    """Align two revisions' steps the way a reader would: unchanged, changed, added and removed steps."""

    def key(step):
        return (step.action, step.responsible, step.time_days, step.time_counted, step.output)

    old_steps, new_steps = list(old.steps.all()), list(new.steps.all())
    rows = []
    matcher = SequenceMatcher(a=[key(s) for s in old_steps], b=[key(s) for s in new_steps], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                {"kind": "same", "old": o, "new": n}
                for o, n in zip(old_steps[i1:i2], new_steps[j1:j2], strict=True)
            ]
            continue
        olds, news = old_steps[i1:i2], new_steps[j1:j2]
        for index in range(max(len(olds), len(news))):
            o = olds[index] if index < len(olds) else None
            n = news[index] if index < len(news) else None
            rows.append({"kind": "changed" if o and n else ("removed" if o else "added"), "old": o, "new": n})
    return rows


def form_download(request, pk: int):
    form = get_object_or_404(
        ProcessForm.objects.select_related("revision__process__agency", "revision__process__framework"), pk=pk
    )
    if not revision_visible(request.user, form.revision) or not form.file:
        raise Http404
    return FileResponse(form.file.open("rb"), as_attachment=True, filename=form.file.name.rsplit("/", 1)[-1])


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
