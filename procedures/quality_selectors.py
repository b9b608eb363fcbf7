"""Reads of quality policies and objectives: the figures scoring and the agency's quality page share."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet, TextChoices
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import QualityObjective, QualityPolicy

AgencySet = QuerySet[Agency] | Iterable[Agency | int]


class ObjectivesCount(NamedTuple):
    defined: int
    met: int


def _agency_ids(agencies: AgencySet):
    """Agency ids to filter on: a subquery for a queryset, a list otherwise (no query either way)."""
    if isinstance(agencies, QuerySet):
        return agencies.order_by().values("pk")
    return [agency if isinstance(agency, int) else agency.pk for agency in agencies]


def objectives_summary(agencies: AgencySet, year: int) -> dict[int, ObjectivesCount]:
    """(defined, met) quality objectives of each agency for `year`, zeros included; one query."""
    in_year = Q(quality_objectives__year=year)
    rows = (
        Agency.objects.filter(pk__in=_agency_ids(agencies))
        .order_by()
        .values("pk")
        .annotate(
            defined=Count("quality_objectives", filter=in_year),
            met=Count("quality_objectives", filter=in_year & Q(quality_objectives__met=True)),
        )
        .values_list("pk", "defined", "met")
    )
    return {pk: ObjectivesCount(defined, met) for pk, defined, met in rows}


def policy_approved(agencies: AgencySet, year: int) -> set[int]:
    """Ids of the agencies whose quality policy for `year` is approved; one query."""
    return set(
        QualityPolicy.objects.filter(
            agency_id__in=_agency_ids(agencies), year=year, approved_at__isnull=False
        ).values_list("agency_id", flat=True)
    )


def quality_years(agency: Agency) -> list[int]:
    """Years in which the agency has a policy or objectives, newest first; one query."""
    policy_years = QualityPolicy.objects.filter(agency=agency).order_by().values_list("year", flat=True)
    objective_years = QualityObjective.objects.filter(agency=agency).order_by().values_list("year", flat=True)
    return sorted(policy_years.union(objective_years), reverse=True)


class PolicyEvent(TextChoices):
    DRAFTED = "drafted", _("Written")
    TEXT_CHANGED = "text_changed", _("Text changed")
    APPROVED = "approved", _("Approved")
    APPROVAL_WITHDRAWN = "approval_withdrawn", _("Text changed after approval; approval withdrawn")


@dataclass(frozen=True)
class PolicyVersion:
    at: datetime
    by: object  # the user, or None when unknown
    event: str
    text: str
    text_changed: bool  # False for an approval, which leaves the text as it was

    @property
    def label(self) -> str:
        return PolicyEvent(self.event).label


@dataclass(frozen=True)
class PolicyHistory:
    versions: list[PolicyVersion]  # newest first
    # Set while the policy awaits approval again: the edit that withdrew it and the approval it undid.
    withdrawn: PolicyVersion | None = None
    undone_approval: PolicyVersion | None = None


def policy_history(policy: QualityPolicy) -> PolicyHistory:
    """What happened to the policy text and its approval, from its history; one query."""
    records = policy.history.select_related("history_user", "approved_by").order_by(
        "history_date", "history_id"
    )
    versions: list[PolicyVersion] = []
    previous = None
    for record in records:
        if previous is None:
            event = PolicyEvent.APPROVED if record.approved_at else PolicyEvent.DRAFTED
        elif record.text != previous.text:
            unapproved = previous.approved_at is not None and record.approved_at is None
            event = PolicyEvent.APPROVAL_WITHDRAWN if unapproved else PolicyEvent.TEXT_CHANGED
        elif record.approved_at is not None and previous.approved_at is None:
            event = PolicyEvent.APPROVED
        else:
            previous = record
            continue
        text_changed = previous is None or record.text != previous.text
        # The approver is on the record itself, even when the approval was made outside a request.
        by = record.approved_by if event == PolicyEvent.APPROVED else record.history_user
        versions.append(PolicyVersion(record.history_date, by, event, record.text, text_changed))
        previous = record
    versions.reverse()
    withdrawn = undone = None
    if policy.approved_at is None:
        decisive = [v for v in versions if v.event in (PolicyEvent.APPROVED, PolicyEvent.APPROVAL_WITHDRAWN)]
        if decisive and decisive[0].event == PolicyEvent.APPROVAL_WITHDRAWN:
            withdrawn = decisive[0]
            undone = next((v for v in decisive[1:] if v.event == PolicyEvent.APPROVED), None)
    return PolicyHistory(versions, withdrawn, undone)
