"""The life of a process and its revisions: draft → in review → approved → in force → superseded."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from qms_portal.concurrency import check_version

from ..models import (
    AdministrativeProcedure,
    FrameworkModel,
    LegalDocument,
    Process,
    ProcessForm,
    ProcessRevision,
    ProcessStep,
    RecordKept,
)
from .legal import flags_resolve_for_revision

Status = ProcessRevision.Status


@dataclass
class StepData:
    action: str
    responsible: str
    time_days: Decimal
    time_counted: bool = True
    output: str = ""
    id: int | None = None


@dataclass
class FormData:
    code: str
    title: str
    file: object = None  # an UploadedFile to store, or None to keep the current file
    id: int | None = None


@dataclass
class RecordData:
    name: str
    location: str
    retention: str
    id: int | None = None


@dataclass
class RevisionContent:
    purpose: str = ""
    scope: str = ""
    terms: str = ""
    change_summary: str = ""
    references: list[LegalDocument] = field(default_factory=list)
    steps: list[StepData] = field(default_factory=list)
    forms: list[FormData] = field(default_factory=list)
    records: list[RecordData] = field(default_factory=list)


def days(value: Decimal) -> str:
    """5.50 → "5,5" in Vietnamese: the figure as people write it."""
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    return formats.number_format(normalized, use_l10n=True)


def check_step_time(procedure: AdministrativeProcedure | None, steps: list[StepData]) -> None:
    """The counted time of all steps may not exceed the procedure's statutory time."""
    if procedure is None:
        return
    counted = sum((step.time_days for step in steps if step.time_counted), Decimal("0"))
    if counted > procedure.statutory_days:
        raise ValidationError(
            _(
                "The steps count %(counted)s working days, more than the %(statutory)s working days "
                "allowed for procedure %(code)s."
            )
            % {
                "counted": days(counted),
                "statutory": days(procedure.statutory_days),
                "code": procedure.code,
            },
            code="step_time",
        )


def process_create(
    *,
    code: str,
    title: str,
    kind: str,
    acting_user,
    agency: Agency | None = None,
    framework: FrameworkModel | None = None,
    procedure: AdministrativeProcedure | None = None,
    system_topic: str = "",
) -> Process:
    """A new process with its first revision as a draft."""
    process = Process(
        agency=agency,
        framework=framework,
        code=code.strip(),
        title=title.strip(),
        kind=kind,
        procedure=procedure,
        system_topic=system_topic,
    )
    _check_procedure(process)
    with transaction.atomic():
        process.full_clean()
        process.save()
        ProcessRevision.objects.create(process=process, number=1, created_by=acting_user)
    return process


def _check_procedure(process: Process) -> None:
    if process.kind == Process.Kind.PROCEDURE and process.procedure is None:
        raise ValidationError(
            {"procedure": _("A process of an administrative procedure names that procedure.")}
        )
    if process.kind != Process.Kind.PROCEDURE and process.procedure is not None:
        raise ValidationError({"procedure": _("Only administrative procedure processes name a procedure.")})
    if (
        process.agency_id
        and process.procedure
        and not process.agency.handled_procedures.filter(procedure=process.procedure).exists()
    ):
        raise ValidationError({"procedure": _("The agency has not declared that it handles this procedure.")})


def revision_save(
    *, revision: ProcessRevision, content: RevisionContent, acting_user, version: int | None = None
) -> ProcessRevision:
    """Replace a draft's content; steps are renumbered in the order given. With the `version` the edit form
    was loaded with, raise StaleEdit (nothing saved) when someone else saved the draft since."""
    with transaction.atomic():
        revision = _locked(revision)
        _require_status(
            revision, Status.DRAFT, _("Only a draft can be edited; start a new revision instead.")
        )
        check_version(revision, version)
        check_step_time(revision.process.procedure, content.steps)
        for name in ("purpose", "scope", "terms", "change_summary"):
            setattr(revision, name, getattr(content, name).strip())
        revision.full_clean()
        revision.save()
        revision.references.set(content.references)
        _sync_steps(revision, content.steps)
        _sync_forms(revision, content.forms)
        _sync_records(revision, content.records)
    return revision


def _sync_steps(revision: ProcessRevision, steps: list[StepData]) -> None:
    existing = {step.pk: step for step in revision.steps.all()}
    kept = {data.id for data in steps if data.id in existing}
    for step in existing.values():
        if step.pk not in kept:
            step.delete()
    # Park kept steps on free numbers first, so renumbering never collides with the unique order.
    offset = len(existing) + len(steps) + 1
    for index, step_id in enumerate(kept):
        ProcessStep.objects.filter(pk=step_id).update(order=offset + index)
    for order, data in enumerate(steps, start=1):
        step = existing.get(data.id) or ProcessStep(revision=revision)
        step.order = order
        step.action, step.responsible, step.output = (
            data.action.strip(),
            data.responsible.strip(),
            data.output.strip(),
        )
        step.time_days, step.time_counted = data.time_days, data.time_counted
        step.full_clean()
        step.save()


def _sync_forms(revision: ProcessRevision, forms: list[FormData]) -> None:
    existing = {form.pk: form for form in revision.forms.all()}
    kept = {data.id for data in forms if data.id in existing}
    for form in existing.values():
        if form.pk not in kept:
            form.delete()
    for data in forms:
        form = existing.get(data.id) or ProcessForm(revision=revision)
        form.code, form.title = data.code.strip(), data.title.strip()
        if data.file is not None:
            form.file.save(data.file.name, data.file, save=False)
        form.full_clean()
        form.save()


def _sync_records(revision: ProcessRevision, records: list[RecordData]) -> None:
    existing = {record.pk: record for record in revision.records.all()}
    kept = {data.id for data in records if data.id in existing}
    for record in existing.values():
        if record.pk not in kept:
            record.delete()
    for data in records:
        record = existing.get(data.id) or RecordKept(revision=revision)
        record.name, record.location, record.retention = (
            data.name.strip(),
            data.location.strip(),
            data.retention.strip(),
        )
        record.full_clean()
        record.save()


def revision_submit(*, revision: ProcessRevision, acting_user) -> ProcessRevision:
    """Send a complete draft for the leader's approval."""
    with transaction.atomic():
        revision = _locked(revision)
        _require_status(revision, Status.DRAFT, _("Only a draft can be submitted."))
        problems = []
        if not revision.purpose or not revision.scope:
            problems.append(_("Fill in the purpose and the scope."))
        steps = list(revision.steps.all())
        if not steps:
            problems.append(_("Describe at least one step."))
        if problems:
            raise ValidationError(problems)
        check_step_time(
            revision.process.procedure,
            [StepData(s.action, s.responsible, s.time_days, s.time_counted) for s in steps],
        )
        revision.status = Status.IN_REVIEW
        revision.submitted_by, revision.submitted_at = acting_user, timezone.now()
        revision.review_note = ""
        revision.save()
    return revision


def revision_return(*, revision: ProcessRevision, note: str, acting_user) -> ProcessRevision:
    """Send a revision in review back to draft, saying why."""
    if not note.strip():
        raise ValidationError({"note": _("Say what needs to change.")})
    with transaction.atomic():
        revision = _locked(revision)
        _require_status(revision, Status.IN_REVIEW, _("Only a revision in review can be returned."))
        revision.status = Status.DRAFT
        revision.review_note = note.strip()
        revision.save()
    return revision


def revision_approve(*, revision: ProcessRevision, effective_date: date, acting_user) -> ProcessRevision:
    """The leader approves; the revision comes into force on its effective date (today or later)."""
    with transaction.atomic():
        revision = _locked(revision)
        _require_status(revision, Status.IN_REVIEW, _("Only a revision in review can be approved."))
        revision.status = Status.APPROVED
        revision.effective_date = effective_date
        revision.approved_by, revision.approved_at = acting_user, timezone.now()
        revision.save()
        if effective_date <= timezone.localdate():
            revision = revision_put_in_force(revision=revision, acting_user=acting_user)
    return revision


def revision_put_in_force(*, revision: ProcessRevision, acting_user=None) -> ProcessRevision:
    """An approved revision comes into force; the one in force before is superseded, in one transaction."""
    with transaction.atomic():
        revision = _locked(revision)
        _require_status(revision, Status.APPROVED, _("Only an approved revision can come into force."))
        now = timezone.now()
        for previous in ProcessRevision.objects.select_for_update().filter(
            process_id=revision.process_id, status=Status.IN_FORCE
        ):
            previous.status, previous.superseded_at = Status.SUPERSEDED, now
            previous.save()
        revision.status, revision.in_force_at = Status.IN_FORCE, now
        revision.save()
        flags_resolve_for_revision(revision=revision, acting_user=acting_user)
    return revision


def revisions_activate_due(*, today: date | None = None) -> int:
    """Bring into force every approved revision whose effective date has come; returns how many."""
    today = today or timezone.localdate()
    due = ProcessRevision.objects.filter(status=Status.APPROVED, effective_date__lte=today).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        revision_put_in_force(revision=ProcessRevision.objects.get(pk=pk))
        count += 1
    return count


def revision_new(*, process: Process, acting_user) -> ProcessRevision:
    """Start the next revision as a draft copy of the latest one."""
    with transaction.atomic():
        revisions = ProcessRevision.objects.select_for_update().filter(process=process)
        if revisions.filter(status__in=[Status.DRAFT, Status.IN_REVIEW, Status.APPROVED]).exists():
            raise ValidationError(_("This process already has a revision in progress."))
        source = revisions.order_by("-number").first()
        return revision_copy(
            source=source, process=process, number=source.number + 1 if source else 1, acting_user=acting_user
        )


def revision_copy(
    *, source: ProcessRevision | None, process: Process, number: int, acting_user
) -> ProcessRevision:
    """A draft of `process` holding a copy of `source`'s content (forms keep pointing at the same files)."""
    draft = ProcessRevision.objects.create(process=process, number=number, created_by=acting_user)
    if source is None:
        return draft
    for name in ("purpose", "scope", "terms"):
        setattr(draft, name, getattr(source, name))
    draft.save()
    draft.references.set(source.references.all())
    for step in source.steps.all():
        ProcessStep.objects.create(
            revision=draft,
            order=step.order,
            action=step.action,
            responsible=step.responsible,
            time_days=step.time_days,
            time_counted=step.time_counted,
            output=step.output,
        )
    for form in source.forms.all():
        ProcessForm.objects.create(revision=draft, code=form.code, title=form.title, file=form.file.name)
    for record in source.records.all():
        RecordKept.objects.create(
            revision=draft, name=record.name, location=record.location, retention=record.retention
        )
    return draft


def _locked(revision: ProcessRevision) -> ProcessRevision:
    return (
        ProcessRevision.objects.select_for_update(of=("self",))
        .select_related("process__procedure")
        .get(pk=revision.pk)
    )


def _require_status(revision: ProcessRevision, status: str, message: str) -> None:
    if revision.status != status:
        raise ValidationError(message, code="status")
