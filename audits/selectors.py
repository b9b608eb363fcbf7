"""Reads of the audits app, always through the access rules of agencies.access."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from agencies.access import Action as Can
from agencies.access import agencies_for, can, record_get_or_404

from .models import Action, Audit, ManagementReview


def audits_for(user, action: Can = Can.VIEW) -> QuerySet[Audit]:
    return Audit.objects.filter(agency__in=agencies_for(user, action))


def audit_get_or_404(user, pk: int, action: Can = Can.VIEW) -> Audit:
    """404 outside the user's scope; 403 when seen but `action` is not allowed. Inspections are the
    province's: only its reviewers (Can.OVERSEE) change them; the agency reads them."""
    audit = record_get_or_404(
        user, Audit.objects.select_related("agency__province", "plan", "programme"), Can.VIEW, pk=pk
    )
    if action != Can.VIEW:
        needed = Can.OVERSEE if audit.kind == Audit.Kind.INSPECTION else action
        if not can(user, needed, audit.agency):
            raise PermissionDenied
    return audit


def actions_for(user, action: Can = Can.VIEW) -> QuerySet[Action]:
    return Action.objects.filter(agency__in=agencies_for(user, action))


def action_can_update(user, item: Action) -> bool:
    """The agency's editors update any action; staff update the ones assigned to them."""
    if can(user, Can.EDIT, item.agency):
        return True
    return item.owner_id == user.pk and can(user, Can.UPDATE_ASSIGNED, item.agency)


def action_get_or_404(user, pk: int, *, update: bool = False) -> Action:
    item = get_object_or_404(
        actions_for(user).select_related(
            "agency__province", "owner", "finding__audit", "review", "verified_by"
        ),
        pk=pk,
    )
    if update and not action_can_update(user, item):
        raise PermissionDenied
    return item


def review_get_or_404(user, pk: int, action: Can = Can.VIEW) -> ManagementReview:
    return record_get_or_404(
        user, ManagementReview.objects.select_related("agency__province", "chair"), action, pk=pk
    )
