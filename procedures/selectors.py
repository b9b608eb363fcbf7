"""Reads of the procedures app, always through the access rules of agencies.access."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.access import Action, agencies_for, can, can_in_province, grants_for, provinces_seen

from .legal_selectors import flag_counts
from .models import AgencyProcedure, FrameworkModel, Process, ProcessRevision
from .statistics import Rate, ontime_rates


def processes_for(user, action: Action = Action.VIEW) -> QuerySet[Process]:
    """Agency processes the user may perform `action` on (framework templates excluded)."""
    return Process.objects.filter(agency__in=agencies_for(user, action))


def processes_visible(user) -> QuerySet[Process]:
    """Agency processes and framework templates the user may read."""
    return Process.objects.filter(
        Q(agency__in=agencies_for(user, Action.VIEW)) | Q(framework__in=frameworks_for(user))
    )


def process_can(user, action: Action, process: Process) -> bool:
    """Agency processes follow the agency's rules; framework templates belong to their province's reviewers,
    and every user of that province reads them once published."""
    if process.agency_id is not None:
        return can(user, action, process.agency)
    framework = process.framework
    if can_in_province(user, Action.OVERSEE, framework.province_id):
        return True
    return (
        action == Action.VIEW
        and framework.is_published
        and provinces_seen(user).filter(pk=framework.province_id).exists()
    )


def process_get_or_404(user, pk: int, action: Action = Action.VIEW) -> Process:
    """404 when the user cannot see the process, 403 when they see it but may not perform `action`."""
    process = get_object_or_404(
        Process.objects.select_related("agency__province", "framework", "procedure"), pk=pk
    )
    if not process_can(user, Action.VIEW, process):
        raise Http404
    if not process_can(user, action, process):
        raise PermissionDenied
    return process


def revision_visible(user, revision: ProcessRevision) -> bool:
    """Drafts and revisions in review stay inside the agency (or with the template's authors)."""
    process = revision.process
    if revision.is_published or (process.framework_id and revision.status == ProcessRevision.Status.IN_FORCE):
        return process_can(user, Action.VIEW, process)
    return process_can(user, Action.VIEW_DRAFTS if process.agency_id else Action.EDIT, process)


def revisions_visible(user, process: Process) -> QuerySet[ProcessRevision]:
    revisions = process.revisions.all()
    drafts_action = Action.VIEW_DRAFTS if process.agency_id else Action.EDIT
    if not process_can(user, drafts_action, process):
        revisions = revisions.filter(status__in=ProcessRevision.PUBLISHED)
    return revisions


def revision_get_or_404(user, pk: int, action: Action = Action.VIEW) -> ProcessRevision:
    revision = get_object_or_404(
        ProcessRevision.objects.select_related(
            "process__agency__province",
            "process__framework",
            "process__procedure",
            "created_by",
            "approved_by",
        ),
        pk=pk,
    )
    if not revision_visible(user, revision):
        raise Http404
    if not process_can(user, action, revision.process):
        raise PermissionDenied
    return revision


def frameworks_for(user) -> QuerySet[FrameworkModel]:
    """Framework models the user may read: all of the provinces they author for, published ones of
    the provinces they work in."""
    grants = grants_for(user)
    if grants.superuser:
        return FrameworkModel.objects.all()
    authored = Q(province_id__in=grants.province_ids.get(Action.OVERSEE, ()))
    published = Q(published_at__isnull=False, province__in=provinces_seen(user))
    return FrameworkModel.objects.filter(authored | published)


def framework_get_or_404(user, pk: int, action: Action = Action.VIEW) -> FrameworkModel:
    framework = get_object_or_404(frameworks_for(user).select_related("province"), pk=pk)
    if action != Action.VIEW and not can_in_province(user, Action.OVERSEE, framework.province_id):
        raise PermissionDenied
    return framework


@dataclass(frozen=True)
class AgencySummary:
    """What an agency's processes say about it: the figures scoring and dashboards build on."""

    handled: int = 0
    in_force: int = 0
    flags_open: int = 0
    flags_overdue: int = 0
    ontime: Rate | None = None

    @property
    def coverage(self) -> float | None:
        """Share of the procedures handled that run through a process in force ("44/44")."""
        return self.in_force / self.handled if self.handled else None


def agency_summaries(agencies: QuerySet, *, on: date | None = None) -> dict[int, AgencySummary]:
    """Per agency: procedures handled, those with a process in force, coverage, review flags open and
    overdue, and the on-time rate of the last twelve months — four queries whatever the number of agencies."""
    on = on or timezone.localdate()
    handled = dict(
        AgencyProcedure.objects.filter(agency__in=agencies)
        .values("agency_id")
        .annotate(total=Count("pk"))
        .values_list("agency_id", "total")
    )
    in_force_process = Process.objects.filter(
        agency_id=OuterRef("agency_id"),
        procedure_id=OuterRef("procedure_id"),
        revisions__status=ProcessRevision.Status.IN_FORCE,
    )
    in_force = dict(
        AgencyProcedure.objects.filter(agency__in=agencies)
        .filter(Exists(in_force_process))
        .values("agency_id")
        .annotate(total=Count("pk"))
        .values_list("agency_id", "total")
    )
    flags = flag_counts(agencies, on=on)
    rates = ontime_rates(agencies, start=_months_before(on, 12), end=on)
    ids = set(handled) | set(in_force) | set(flags) | set(rates)
    return {
        agency_id: AgencySummary(
            handled=handled.get(agency_id, 0),
            in_force=in_force.get(agency_id, 0),
            flags_open=flags.get(agency_id, (0, 0))[0],
            flags_overdue=flags.get(agency_id, (0, 0))[1],
            ontime=rates.get(agency_id),
        )
        for agency_id in ids
    }


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)
