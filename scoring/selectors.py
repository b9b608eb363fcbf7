"""Reads of the scoring app, always through the access rules of agencies.access (DESIGN §3).

Who sees an assessment: a self-assessment its agency's ISO secretaries and leaders always, the province's
reviewers once submitted, every other reader (staff, national viewers) once finalized; an official
assessment the province's reviewers always, the agency's users and national viewers once finalized.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.access import Action, agencies_for, can
from agencies.models import Agency

from .models import Assessment, AssessmentLine, LineEvidence

Kind = Assessment.Kind
Status = Assessment.Status
SHOWN_TO_OVERSEERS = (Status.SUBMITTED, Status.FINALIZED)


def assessments_visible(user) -> QuerySet[Assessment]:
    """Every assessment the user may read."""
    return Assessment.objects.filter(
        Q(kind=Kind.SELF, agency__in=agencies_for(user, Action.VIEW_DRAFTS))
        | Q(kind=Kind.SELF, status__in=SHOWN_TO_OVERSEERS, agency__in=agencies_for(user, Action.OVERSEE))
        | Q(kind=Kind.OFFICIAL, agency__in=agencies_for(user, Action.OVERSEE))
        | Q(status=Status.FINALIZED, agency__in=agencies_for(user, Action.VIEW))
    )


def may_start(user, agency: Agency, kind: str) -> bool:
    """The self-assessment is the agency's editors' (secretary, leader), the official one the reviewers'."""
    return can(user, Action.EDIT if kind == Kind.SELF else Action.OVERSEE, agency)


def may_edit(user, assessment: Assessment) -> bool:
    """Who changes the lines and evidence of a draft."""
    return may_start(user, assessment.agency, assessment.kind)


def may_submit(user, assessment: Assessment) -> bool:
    """The leader signs the self-assessment (Action.APPROVE); a reviewer submits the official one."""
    return can(user, Action.APPROVE if assessment.kind == Kind.SELF else Action.OVERSEE, assessment.agency)


def may_finalize(user, assessment: Assessment) -> bool:
    """Finalizing and reopening, of both kinds: the reviewers of the agency's province."""
    return can(user, Action.OVERSEE, assessment.agency)


may_reopen = may_finalize

_CHECKS = {Action.EDIT: may_edit, Action.APPROVE: may_submit, Action.OVERSEE: may_finalize}


def _require(user, assessment: Assessment, action: Action) -> None:
    if action != Action.VIEW and not _CHECKS[action](user, assessment):
        raise PermissionDenied


def assessment_get_or_404(user, pk: int, action: Action = Action.VIEW) -> Assessment:
    """404 unless the user may read the assessment; 403 unless they may also perform `action` on it:
    EDIT (its lines and evidence), APPROVE (submit), OVERSEE (finalize, reopen)."""
    assessment = get_object_or_404(
        assessments_visible(user).select_related("rubric__province", "agency__province"), pk=pk
    )
    _require(user, assessment, action)
    return assessment


def line_get_or_404(user, pk: int, action: Action = Action.VIEW) -> AssessmentLine:
    line = get_object_or_404(
        AssessmentLine.objects.filter(assessment__in=assessments_visible(user)).select_related(
            "assessment__rubric__province", "assessment__agency__province", "criterion__group"
        ),
        pk=pk,
    )
    _require(user, line.assessment, action)
    return line


def evidence_get_or_404(user, pk: int, action: Action = Action.VIEW) -> LineEvidence:
    evidence = get_object_or_404(
        LineEvidence.objects.filter(line__assessment__in=assessments_visible(user)).select_related(
            "line__assessment__rubric__province",
            "line__assessment__agency__province",
            "line__criterion__group",
        ),
        pk=pk,
    )
    _require(user, evidence.line.assessment, action)
    return evidence
