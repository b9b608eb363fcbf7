"""Reads about legal documents and the review flags their changes raise."""

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.db.models import Count, F, Q, QuerySet

from agencies.models import Agency
from qms_portal.text import fold

from .models import LegalDocument, Process, ProcessRevision, ReviewFlag

FLAG_RELATIONS = ("process__agency", "process__framework", "legal_document")


def document_by_number(number: str) -> LegalDocument | None:
    """The document with this number and symbol, ignoring case and diacritics (`qd-ttg` finds `QĐ-TTg`)."""
    key = fold(number)
    if not key:
        return None
    candidates = LegalDocument.objects.filter(search_text__startswith=key)
    return next((document for document in candidates if fold(document.number) == key), None)


def processes_citing(document: LegalDocument, processes: QuerySet[Process]) -> QuerySet[Process]:
    """Those of `processes` whose revision in force cites `document` (one revision in force per process)."""
    return processes.filter(
        revisions__status=ProcessRevision.Status.IN_FORCE, revisions__references=document
    ).select_related("agency", "framework")


def open_flags(processes: QuerySet[Process]) -> QuerySet[ReviewFlag]:
    """Unresolved flags of `processes`, soonest due first, ready for the `_review_flags.html` partial."""
    return (
        ReviewFlag.objects.filter(process__in=processes, resolved_on__isnull=True)
        .select_related(*FLAG_RELATIONS)
        .order_by("due_on", "pk")
    )


def flag_counts(agencies: QuerySet[Agency] | Iterable[Agency | int], on: date) -> dict[int, tuple[int, int]]:
    """`{agency_id: (open, overdue)}` for every agency given, zeros included, in one query.

    Overdue means open with its due date before `on`, as `ReviewFlag.is_overdue` says."""
    if not isinstance(agencies, QuerySet):
        agencies = [getattr(agency, "pk", agency) for agency in agencies]
    open_flag = Q(processes__review_flags__resolved_on__isnull=True)
    rows = (
        Agency.objects.filter(pk__in=agencies)
        .order_by()
        .annotate(
            open_count=Count("processes__review_flags", filter=open_flag),
            overdue_count=Count(
                "processes__review_flags", filter=open_flag & Q(processes__review_flags__due_on__lt=on)
            ),
        )
        .values_list("pk", "open_count", "overdue_count")
    )
    return {pk: (open_count, overdue_count) for pk, open_count, overdue_count in rows}


class ReviewTimeliness(NamedTuple):
    due: int
    on_time: int


def review_timeliness(
    agencies: QuerySet[Agency] | Iterable[Agency | int], *, start: date, end: date
) -> dict[int, ReviewTimeliness]:
    """`{agency_id: (due, on_time)}`: review flags of the agency's processes due between `start` and `end`
    (both included), and those resolved on or before their due date. Agencies with no flag due are absent;
    one grouped query."""
    if not isinstance(agencies, QuerySet):
        agencies = [getattr(agency, "pk", agency) for agency in agencies]
    rows = (
        ReviewFlag.objects.filter(process__agency__in=agencies, due_on__gte=start, due_on__lte=end)
        .values("process__agency_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(resolved_on__lte=F("due_on"))))
        .values_list("process__agency_id", "due", "on_time")
        .order_by()
    )
    return {agency_id: ReviewTimeliness(due, on_time) for agency_id, due, on_time in rows}
