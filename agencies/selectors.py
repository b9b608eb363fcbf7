"""Reads of the agencies app, always starting from what the user may see."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from .access import Action, agencies_for, provinces_for
from .models import AGENCY_ROLES, Agency, Membership, QmsStatus, StatusChange


def agency_list(user) -> QuerySet[Agency]:
    """Agencies the user may see, with their current QMS status and what the list shows."""
    return (
        agencies_for(user, Action.VIEW)
        .with_current_status()
        .select_related("province", "parent", "merged_into")
    )


def own_memberships(user) -> QuerySet[Membership]:
    """The user's agency memberships with each agency's current status, for the home page."""
    return (
        Membership.objects.filter(user=user, role__in=AGENCY_ROLES)
        .select_related("agency__province")
        .order_by("agency__name", "role")
    )


def province_status_summary(user) -> list[dict]:
    """Per province the user oversees: agencies in operation and how many are at each QMS status."""
    provinces = provinces_for(user, Action.VIEW)
    counts = {
        (row["province_id"], row["current_status"] or QmsStatus.NOT_STARTED): row["total"]
        for row in Agency.objects.operating()
        .filter(province__in=provinces)
        .with_current_status()
        .values("province_id", "current_status")
        .annotate(total=Count("pk"))
        .order_by()
    }
    return [
        {
            "province": province,
            "total": sum(counts.get((province.pk, status.value), 0) for status in QmsStatus),
            "by_status": [(status, counts.get((province.pk, status.value), 0)) for status in QmsStatus],
        }
        for province in provinces
    ]


@dataclass(frozen=True)
class ScopeChange:
    """A change of an agency's scope that calls for a new declaration (Decision 101/2018, art. 5)."""

    on: date
    merged: str = ""  # the name of the agency merged into this one, or
    status: str = ""  # the status recorded with a scope other than the one declared
    redeclared_on: date | None = None  # the first declaration on or after the change


@dataclass(frozen=True)
class DeclarationRecord:
    latest: StatusChange | None = None  # the latest status change on or before the date
    scope_changes: tuple[ScopeChange, ...] = ()  # oldest first

    @property
    def redeclared_after_every_change(self) -> bool:
        return all(change.redeclared_on is not None for change in self.scope_changes)


def _same_scope(text: str) -> str:
    return " ".join(text.split()).casefold()


def declaration_records(
    agencies: QuerySet[Agency] | Iterable[Agency | int], on: date
) -> dict[int, DeclarationRecord]:
    """Per agency id given: its latest QMS status change on or before `on`, and its changes of scope up to
    `on` with the declaration that followed each — two queries whatever the number of agencies.

    A change of scope is another agency merged into this one (on the last day it operated; mergers without
    that date are left out), or a status recorded with a scope other than that of the declaration before
    it."""
    ids = (
        list(agencies.values_list("pk", flat=True))
        if isinstance(agencies, QuerySet)
        else [getattr(agency, "pk", agency) for agency in agencies]
    )
    histories: dict[int, list[StatusChange]] = defaultdict(list)
    for change in StatusChange.objects.filter(agency_id__in=ids, changed_on__lte=on).order_by(
        "agency_id", "changed_on", "pk"
    ):
        histories[change.agency_id].append(change)
    mergers = defaultdict(list)
    for agency_id, name, merged_on in Agency.objects.filter(
        merged_into_id__in=ids, active_until__isnull=False, active_until__lte=on
    ).values_list("merged_into_id", "name", "active_until"):
        mergers[agency_id].append((merged_on, name))

    records = {}
    for agency_id in ids:
        history = histories.get(agency_id, [])
        changes = []
        declared_scope = None
        for index, change in enumerate(history):
            if change.is_declaration:
                declared_scope = _same_scope(change.scope)
            elif (
                declared_scope is not None
                and change.scope.strip()
                and _same_scope(change.scope) != declared_scope
            ):
                later = (item.changed_on for item in history[index + 1 :] if item.is_declaration)
                changes.append(
                    ScopeChange(
                        change.changed_on, status=change.get_status_display(), redeclared_on=next(later, None)
                    )
                )
        for merged_on, name in mergers.get(agency_id, []):
            later = (
                item.changed_on for item in history if item.is_declaration and item.changed_on >= merged_on
            )
            changes.append(ScopeChange(merged_on, merged=name, redeclared_on=next(later, None)))
        changes.sort(key=lambda change: change.on)
        records[agency_id] = DeclarationRecord(history[-1] if history else None, tuple(changes))
    return records
