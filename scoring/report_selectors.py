"""Which reports a user may see (DESIGN §3: generate and download reports — own agency, province, nation).

An agency's reports (compliance report, declaration, inspection minutes) are seen by whoever has REPORTS
on the agency: its staff, secretaries and leaders, the province's reviewers, national viewers. A
provincial summary is seen by whoever has REPORTS on the province: its reviewers and national viewers.
A report outside this scope answers 404 on every page.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.access import Action, agencies_for, grants_for, provinces_for
from agencies.models import Agency
from qms_portal.text import fold

from .models import Report


def visible_reports(user) -> QuerySet[Report]:
    """The reports `user` may see, with their scope loaded."""
    grants = grants_for(user)
    queryset = Report.objects.select_related("agency", "province", "audit", "requested_by")
    if grants.superuser or Action.REPORTS in grants.national:
        return queryset
    return queryset.filter(
        Q(agency__in=agencies_for(user, Action.REPORTS))
        | Q(agency__isnull=True, province__in=provinces_for(user, Action.REPORTS))
    )


def report_get_or_404(user, pk: int) -> Report:
    return get_object_or_404(visible_reports(user), pk=pk)


def filtered_reports(user, *, kind: str = "", status: str = "", year: str = "", query: str = "") -> QuerySet:
    """The visible reports narrowed by the list's filters; unknown values are ignored."""
    queryset = visible_reports(user)
    if kind in Report.Kind.values:
        queryset = queryset.filter(kind=kind)
    if status in Report.Status.values:
        queryset = queryset.filter(status=status)
    if year.isdigit():
        queryset = queryset.filter(year=int(year))
    if folded := fold(query):
        # Agency code or name, diacritics ignored; provincial summaries match their province's name.
        province_ids = [
            pk
            for pk, name in provinces_for(user, Action.REPORTS).values_list("pk", "name")
            if folded in fold(name)
        ]
        queryset = queryset.filter(
            Q(agency__in=Agency.objects.search(query)) | Q(agency__isnull=True, province_id__in=province_ids)
        )
    return queryset.order_by("-requested_at", "-pk")


def latest_for_home(user, limit: int = 5) -> list[Report]:
    """The home page's latest reports: those the user requested, their own agencies' and their provinces'
    summaries (not every agency of a reviewer's province, which the December batch would flood)."""
    grants = grants_for(user)
    own_agencies = grants.agency_ids.get(Action.REPORTS, frozenset())
    mine = Q(requested_by=user) | Q(agency_id__in=own_agencies)
    if grants.superuser or Action.REPORTS in grants.national or grants.province_ids.get(Action.REPORTS):
        mine |= Q(agency__isnull=True, kind=Report.Kind.PROVINCE_SUMMARY)
    return list(visible_reports(user).filter(mine).order_by("-requested_at", "-pk")[:limit])
