"""Audit programmes and audits: planned → in progress → reported → closed, with checklist and findings.

Written for every kind of audit: internal and external audits of an agency, and the provincial inspections
that the inspection plan creates and then runs through the same steps.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Role, StatusChange
from procedures.models import Process

from ..models import Action, Audit, AuditProgramme, ChecklistLine, Clause, Finding, InspectionPlan

User = get_user_model()
Status = Audit.Status
Kind = Audit.Kind

FIRST_YEAR = 2000
# Corrective actions of an internal audit are due a month after the audit unless the auditor says otherwise.
INTERNAL_DUE_DAYS = 30
EDITABLE = (Status.PLANNED, Status.IN_PROGRESS)
FINDINGS_OPEN = (Status.IN_PROGRESS, Status.REPORTED)


@dataclass(frozen=True)
class AuditData:
    title: str
    planned_start: date
    planned_end: date
    scope_processes: list[Process] = field(default_factory=list)
    scope_units: str = ""
    lead_auditor: object = None  # a User
    auditors: list = field(default_factory=list)
    team_note: str = ""
    programme: AuditProgramme | None = None


@dataclass(frozen=True)
class ChecklistLineData:
    requirement: str
    clause: Clause | None = None
    result: str = ChecklistLine.Result.NOT_CHECKED
    evidence: str = ""
    id: int | None = None


@dataclass(frozen=True)
class FindingData:
    grade: str
    description: str
    clause: Clause | None = None
    evidence: str = ""
    process: Process | None = None
    due_date: date | None = None  # of the corrective action, for nonconformities
    owner: object = None  # a User of the agency, for nonconformities


# --- reads the forms and services share ------------------------------------------------------------


def audit_standard(agency: Agency) -> str:
    """The ISO 9001 version the agency's system follows (its latest recorded one), 2015 by default."""
    version = (
        StatusChange.objects.filter(agency=agency)
        .exclude(iso_version="")
        .order_by("-changed_on", "-pk")
        .values_list("iso_version", flat=True)
        .first()
    )
    return version or Clause.Standard.ISO_2015


def agency_members(agency: Agency) -> QuerySet:
    """Users holding a role in the agency: the auditors of its own audits and the owners of its actions."""
    return User.objects.filter(memberships__agency=agency).distinct().order_by("last_name", "first_name")


def team_candidates(agency: Agency, kind: str) -> QuerySet:
    """Internal and external audits draw their team from the agency; inspections from the province's
    reviewers."""
    if kind == Kind.INSPECTION:
        return (
            User.objects.filter(
                memberships__role=Role.PROVINCIAL_REVIEWER, memberships__province_id=agency.province_id
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
    return agency_members(agency)


def default_due_date(audit: Audit) -> date | None:
    """The due date offered for a nonconformity's corrective action: a month after an internal audit,
    two months after an inspection (Circular 26/2014); external auditors set their own."""
    end = audit.actual_end or audit.planned_end
    if audit.kind == Kind.INTERNAL:
        return end + timedelta(days=INTERNAL_DUE_DAYS)
    if audit.kind == Kind.INSPECTION:
        from .inspections import inspection_corrective_action_due

        return inspection_corrective_action_due(audit)
    return None


def year_problem(year: int) -> str | None:
    last = timezone.localdate().year + 1
    if FIRST_YEAR <= year <= last:
        return None
    return _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last}


# --- programmes ------------------------------------------------------------------------------------


def programme_create(*, agency: Agency, year: int, objectives: str, acting_user) -> AuditProgramme:
    """The audit programme of an agency for a year (one per year)."""
    if problem := year_problem(year):
        raise ValidationError({"year": problem})
    if AuditProgramme.objects.filter(agency=agency, year=year).exists():
        raise ValidationError(
            {
                "year": _("%(agency)s already has an audit programme for %(year)s.")
                % {"agency": agency, "year": year}
            }
        )
    programme = AuditProgramme(
        agency=agency, year=year, objectives=objectives.strip(), created_by=acting_user
    )
    with transaction.atomic():
        programme._history_user = acting_user
        programme.full_clean()
        programme.save()
    return programme


def programme_update(*, programme: AuditProgramme, objectives: str, acting_user) -> AuditProgramme:
    with transaction.atomic():
        programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
        programme.objectives = objectives.strip()
        programme._history_user = acting_user
        programme.full_clean()
        programme.save()
    return programme


# --- audits ----------------------------------------------------------------------------------------


def audit_create(
    *,
    agency: Agency,
    kind: str,
    data: AuditData,
    acting_user,
    plan: InspectionPlan | None = None,
    method: str = "",
) -> Audit:
    """A planned audit of an agency; inspections also name their plan and method."""
    audit = Audit(agency=agency, kind=kind, plan=plan, method=method, created_by=acting_user)
    with transaction.atomic():
        _apply(audit, data)
        audit._history_user = acting_user
        audit.full_clean()
        audit.save()
        audit.scope_processes.set(data.scope_processes)
        audit.auditors.set(data.auditors)
    return audit


def audit_update(*, audit: Audit, data: AuditData, acting_user) -> Audit:
    """Change the plan of an audit while it is planned or in progress."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, EDITABLE, _("Only a planned audit or one in progress can be edited."))
        _apply(audit, data)
        audit._history_user = acting_user
        audit.full_clean()
        audit.save()
        audit.scope_processes.set(data.scope_processes)
        audit.auditors.set(data.auditors)
    return audit


def _apply(audit: Audit, data: AuditData) -> None:
    """Copy the plan onto the audit after checking that scope, team and programme belong to its agency."""
    errors: dict[str, list[str]] = {}
    if data.planned_start and data.planned_end and data.planned_end < data.planned_start:
        errors.setdefault("planned_end", []).append(_("The audit cannot end before it starts."))
    if any(process.agency_id != audit.agency_id for process in data.scope_processes):
        errors.setdefault("scope_processes", []).append(_("Choose processes of the audited agency only."))
    team_ids = set(team_candidates(audit.agency, audit.kind).values_list("pk", flat=True))
    if audit.kind == Kind.INSPECTION:
        outsider = _("Choose reviewers of the agency's province.")
    else:
        outsider = _("Choose members of the audited agency.")
    if data.lead_auditor is not None and data.lead_auditor.pk not in team_ids:
        errors.setdefault("lead_auditor", []).append(outsider)
    if any(member.pk not in team_ids for member in data.auditors):
        errors.setdefault("auditors", []).append(outsider)
    programme = data.programme
    if programme is not None:
        if programme.agency_id != audit.agency_id:
            errors.setdefault("programme", []).append(_("Choose a programme of the audited agency."))
        elif data.planned_start and programme.year != data.planned_start.year:
            errors.setdefault("programme", []).append(
                _("The programme of %(year)s covers audits starting in %(year)s.") % {"year": programme.year}
            )
    if errors:
        raise ValidationError(errors)
    audit.title = data.title.strip()
    audit.planned_start, audit.planned_end = data.planned_start, data.planned_end
    audit.scope_units = data.scope_units.strip()
    audit.lead_auditor = data.lead_auditor
    audit.team_note = data.team_note.strip()
    audit.programme = programme


def audit_start(*, audit: Audit, actual_start: date, acting_user) -> Audit:
    """The audit begins on its actual start date."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, (Status.PLANNED,), _("Only a planned audit can start."))
        if actual_start is None:
            raise ValidationError({"actual_start": _("Enter the day the audit started.")})
        if actual_start > timezone.localdate():
            raise ValidationError({"actual_start": _("An audit cannot start in the future.")})
        audit.status, audit.actual_start = Status.IN_PROGRESS, actual_start
        audit._history_user = acting_user
        audit.full_clean()
        audit.save()
    return audit


def audit_report(*, audit: Audit, actual_end: date | None, conclusion: str, acting_user) -> Audit:
    """The audit ends with its report: an end date, a conclusion and every checklist line checked."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, (Status.IN_PROGRESS,), _("Only an audit in progress can be reported."))
        errors: dict[str, list[str]] = {}
        if actual_end is None:
            errors["actual_end"] = [_("Enter the day the audit ended.")]
        elif actual_end < audit.actual_start:
            errors["actual_end"] = [_("The audit cannot end before it started.")]
        elif actual_end > timezone.localdate():
            errors["actual_end"] = [_("An audit cannot end in the future.")]
        if not conclusion.strip():
            errors["conclusion"] = [_("Write the audit's conclusion.")]
        unchecked = audit.checklist.filter(result=ChecklistLine.Result.NOT_CHECKED).count()
        if unchecked:
            errors["__all__"] = [
                _("%(count)s checklist line(s) have no result yet: record a result for every line.")
                % {"count": unchecked}
            ]
        if errors:
            raise ValidationError(errors)
        audit.status, audit.actual_end = Status.REPORTED, actual_end
        audit.conclusion, audit.reported_at = conclusion.strip(), timezone.now()
        audit._history_user = acting_user
        audit.full_clean()
        audit.save()
    return audit


def audit_close(*, audit: Audit, acting_user) -> Audit:
    """Closing makes the reported audit final; its nonconformities follow their own tracking."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, (Status.REPORTED,), _("Only a reported audit can be closed."))
        audit.status, audit.closed_at = Status.CLOSED, timezone.now()
        audit._history_user = acting_user
        audit.save()
    return audit


# --- checklist -------------------------------------------------------------------------------------


def checklist_save(*, audit: Audit, lines: list[ChecklistLineData], acting_user) -> list[ChecklistLine]:
    """Replace the checklist with `lines`, numbered in the order given; lines not given are removed."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, EDITABLE, _("The checklist of a reported audit cannot change."))
        if audit.status == Status.PLANNED and any(
            line.result != ChecklistLine.Result.NOT_CHECKED for line in lines
        ):
            raise ValidationError(_("Results are recorded once the audit has started."))
        existing = {line.pk: line for line in audit.checklist.all()}
        kept = {data.id for data in lines if data.id in existing}
        for line in existing.values():
            if line.pk not in kept:
                line._history_user = acting_user
                line.delete()
        # Park kept lines on free numbers first so renumbering never collides with the unique order.
        offset = len(existing) + len(lines) + 1
        for index, line_id in enumerate(sorted(kept)):
            ChecklistLine.objects.filter(pk=line_id).update(order=offset + index)
        saved = []
        for order, data in enumerate(lines, start=1):
            line = existing.get(data.id) or ChecklistLine(audit=audit)
            line.order, line.clause = order, data.clause
            line.requirement, line.evidence = data.requirement.strip(), data.evidence.strip()
            line.result = data.result
            line._history_user = acting_user
            line.full_clean()
            line.save()
            saved.append(line)
    return saved


def main_clauses(standard: str) -> list[Clause]:
    """The subclauses an audit checks one by one: 4.1 … 10.3 (two-level numbers)."""
    return [c for c in Clause.objects.filter(standard=standard) if c.number.count(".") == 1]


def checklist_start_from_clauses(*, audit: Audit, acting_user) -> list[ChecklistLine]:
    """Fill an empty checklist with one line per main subclause of the agency's standard."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(audit, EDITABLE, _("The checklist of a reported audit cannot change."))
        if audit.checklist.exists():
            raise ValidationError(_("The checklist already has lines: add the clauses you need one by one."))
        clauses = main_clauses(audit_standard(audit.agency))
        if not clauses:
            raise ValidationError(_("No clauses of the standard are loaded yet."))
        lines = []
        for order, clause in enumerate(clauses, start=1):
            line = ChecklistLine(audit=audit, order=order, clause=clause, requirement=clause.title)
            line._history_user = acting_user
            line.full_clean()
            line.save()
            lines.append(line)
    return lines


# --- findings --------------------------------------------------------------------------------------


def finding_raise(*, audit: Audit, data: FindingData, acting_user) -> Finding:
    """Record a finding; a major or minor nonconformity becomes a tracked nonconformity at once."""
    with transaction.atomic():
        audit = _locked(audit)
        _require_status(
            audit, FINDINGS_OPEN, _("Findings are raised while the audit is in progress or being reported.")
        )
        finding = Finding(
            audit=audit,
            clause=data.clause,
            grade=data.grade,
            description=data.description.strip(),
            evidence=data.evidence.strip(),
            process=data.process,
            raised_by=acting_user,
        )
        errors: dict[str, list[str]] = {}
        if data.process is not None and data.process.agency_id != audit.agency_id:
            errors["process"] = [_("Choose a process of the audited agency.")]
        due_date = owner = None
        if finding.is_nonconformity:
            due_date = data.due_date or default_due_date(audit)
            owner = data.owner
            if due_date is None:
                errors["due_date"] = [_("Enter the due date of the corrective action.")]
            elif audit.actual_start and due_date < audit.actual_start:
                errors["due_date"] = [_("The corrective action cannot be due before the audit started.")]
            if owner is not None and not agency_members(audit.agency).filter(pk=owner.pk).exists():
                errors["owner"] = [_("The owner must be a member of the audited agency.")]
        if errors:
            raise ValidationError(errors)
        finding._history_user = acting_user
        finding.full_clean()
        finding.save()
        if finding.is_nonconformity:
            # Imported here: the action tracking is its own module, written beside this one.
            from .actions import nonconformity_raise

            nonconformity_raise(finding=finding, due_date=due_date, owner=owner, acting_user=acting_user)
    return finding


# --- helpers ---------------------------------------------------------------------------------------


def _locked(audit: Audit) -> Audit:
    """The audit row locked for the transaction (only the row: FOR UPDATE refuses nullable joins)."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    # Keep the relations the caller loaded, for the checks and the page that follows.
    locked.agency = audit.agency
    return locked


def _require_status(audit: Audit, allowed: tuple, message: str) -> None:
    if audit.status not in allowed:
        raise ValidationError(message, code="status")


def open_nonconformities(audit: Audit) -> QuerySet[Action]:
    """Nonconformities of earlier audits still open on the processes this audit covers."""
    return (
        Action.objects.filter(
            finding__process__in=audit.scope_processes.all(), source=Action.Source.NONCONFORMITY
        )
        .exclude(status=Action.Status.CLOSED)
        .exclude(finding__audit=audit)
        .select_related("finding__process", "finding__audit", "owner")
        .order_by("due_date", "pk")
    )
