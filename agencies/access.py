"""Who may see and change what (DESIGN §3). Every view, report and export asks this module.

Scope is enforced in querysets: a record outside the user's scope is simply not found (404);
a record the user may see but not change answers 403 on a write.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import AGENCY_ROLES, Agency, Membership, Province, Role


class Action(StrEnum):
    VIEW = "view"  # the agency, its records in force, its dashboard
    VIEW_DRAFTS = "view_drafts"  # work in progress inside the agency
    EDIT = "edit"  # drafts: processes, audits, findings, objectives, self-assessment
    APPROVE = "approve"  # approve revisions, finalize management reviews, submit the self-assessment
    RECORD_STATUS = "record_status"  # QMS status changes and declarations
    UPDATE_ASSIGNED = "update_assigned"  # corrective actions assigned to the user
    OVERSEE = "oversee"  # inspections, official assessments, rubrics, targets, framework models, imports
    REPORTS = "reports"  # generate and download reports


_READ = {Action.VIEW, Action.REPORTS}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.STAFF: frozenset(_READ | {Action.UPDATE_ASSIGNED}),
    Role.ISO_SECRETARY: frozenset(_READ | {Action.VIEW_DRAFTS, Action.EDIT, Action.UPDATE_ASSIGNED}),
    Role.AGENCY_LEADER: frozenset(
        _READ
        | {Action.VIEW_DRAFTS, Action.EDIT, Action.APPROVE, Action.RECORD_STATUS, Action.UPDATE_ASSIGNED}
    ),
    Role.PROVINCIAL_REVIEWER: frozenset(_READ | {Action.RECORD_STATUS, Action.OVERSEE}),
    Role.NATIONAL_VIEWER: frozenset(_READ),
}
# A merged agency's records stay visible from its successor, through this many merges.
_MERGE_DEPTH = 3


@dataclass(frozen=True)
class Grants:
    """What one user's memberships allow, resolved once per request."""

    roles: frozenset[str] = frozenset()
    agency_ids: dict[Action, frozenset[int]] = field(default_factory=dict)
    province_ids: dict[Action, frozenset[int]] = field(default_factory=dict)
    national: frozenset[Action] = frozenset()
    predecessor_ids: frozenset[int] = frozenset()
    superuser: bool = False


def grants_for(user) -> Grants:
    """The user's grants, cached on the user object (one query, two with agency memberships)."""
    cached = getattr(user, "_qms_grants", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        grants = Grants()
    else:
        agency_ids: dict[Action, set[int]] = {}
        province_ids: dict[Action, set[int]] = {}
        national: set[Action] = set()
        roles: set[str] = set()
        memberships = Membership.objects.filter(user=user).values_list("role", "agency_id", "province_id")
        for role, agency_id, province_id in memberships:
            roles.add(role)
            for action in ROLE_ACTIONS[role]:
                if role in AGENCY_ROLES:
                    agency_ids.setdefault(action, set()).add(agency_id)
                elif role == Role.PROVINCIAL_REVIEWER:
                    province_ids.setdefault(action, set()).add(province_id)
                else:
                    national.add(action)
        own = agency_ids.get(Action.VIEW, set())
        predecessors: frozenset[int] = frozenset()
        if own:
            chain = Q()
            for depth in range(1, _MERGE_DEPTH + 1):
                chain |= Q(**{"__".join(["merged_into"] * depth) + "__in": own})
            predecessors = frozenset(Agency.objects.filter(chain).values_list("pk", flat=True))
        grants = Grants(
            roles=frozenset(roles),
            agency_ids={action: frozenset(ids) for action, ids in agency_ids.items()},
            province_ids={action: frozenset(ids) for action, ids in province_ids.items()},
            national=frozenset(national),
            predecessor_ids=predecessors,
            superuser=user.is_superuser,
        )
    user._qms_grants = grants
    return grants


def has_role(user, *roles: str) -> bool:
    return bool(grants_for(user).roles.intersection(roles))


def agencies_for(user, action: Action = Action.VIEW) -> QuerySet[Agency]:
    """The agencies on which `user` may perform `action`."""
    grants = grants_for(user)
    if grants.superuser or action in grants.national:
        return Agency.objects.all()
    condition = Q(pk__in=grants.agency_ids.get(action, ())) | Q(
        province_id__in=grants.province_ids.get(action, ())
    )
    if action == Action.VIEW:
        condition |= Q(pk__in=grants.predecessor_ids)
    return Agency.objects.filter(condition)


def provinces_for(user, action: Action = Action.VIEW) -> QuerySet[Province]:
    """Provinces the user acts on as a whole: reviewers their own, national viewers every one."""
    grants = grants_for(user)
    if grants.superuser or action in grants.national:
        return Province.objects.all()
    return Province.objects.filter(pk__in=grants.province_ids.get(action, ()))


def can(user, action: Action, agency: Agency) -> bool:
    """Whether `user` may perform `action` on `agency` (no query once grants are loaded)."""
    grants = grants_for(user)
    if grants.superuser or action in grants.national:
        return True
    if agency.pk in grants.agency_ids.get(action, ()):
        return True
    if agency.province_id in grants.province_ids.get(action, ()):
        return True
    return action == Action.VIEW and agency.pk in grants.predecessor_ids


def scope(
    queryset: QuerySet, user, action: Action = Action.VIEW, *, agency_field: str = "agency"
) -> QuerySet:
    """Narrow any queryset of agency records to those `user` may perform `action` on."""
    return queryset.filter(**{f"{agency_field}__in": agencies_for(user, action)})


def agency_get_or_404(user, pk: int, action: Action = Action.VIEW) -> Agency:
    """The agency if the user may see it (else 404) and perform `action` on it (else 403)."""
    agency = get_object_or_404(agencies_for(user, Action.VIEW).select_related("province"), pk=pk)
    require(user, action, agency)
    return agency


def record_get_or_404(
    user, queryset: QuerySet, action: Action = Action.VIEW, *, agency_field: str = "agency", **lookup
) -> Model:
    """A record of an agency: 404 outside the user's scope, 403 when seen but `action` is not allowed."""
    record = get_object_or_404(scope(queryset, user, Action.VIEW, agency_field=agency_field), **lookup)
    agency = record
    for part in agency_field.split("__"):
        agency = getattr(agency, part)
    require(user, action, agency)
    return record


def require(user, action: Action, agency: Agency) -> None:
    if not can(user, action, agency):
        raise PermissionDenied


def can_in_province(user, action: Action, province_id: int) -> bool:
    """Province-wide actions (rubrics, inspections, framework models, imports): reviewers of that province."""
    grants = grants_for(user)
    if grants.superuser or action in grants.national:
        return True
    return province_id in grants.province_ids.get(action, ())


def provinces_seen(user) -> QuerySet[Province]:
    """Provinces the user works in or over: reviewers' own, their agencies' provinces, or all (national)."""
    grants = grants_for(user)
    if grants.superuser or Action.VIEW in grants.national:
        return Province.objects.all()
    return Province.objects.filter(
        Q(pk__in=grants.province_ids.get(Action.VIEW, ()))
        | Q(agencies__pk__in=grants.agency_ids.get(Action.VIEW, ()))
    ).distinct()


def can_anywhere(user, action: Action) -> bool:
    """Whether some agency or province lets the user perform `action` (no query once grants are loaded)."""
    grants = grants_for(user)
    return (
        grants.superuser
        or action in grants.national
        or bool(grants.agency_ids.get(action))
        or bool(grants.province_ids.get(action))
    )
