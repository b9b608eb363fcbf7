"""On-time rates of one-stop dossiers (DossierStatistic), one aggregate query per figure.

Two bases are in use and both are shown, labelled: Decree 61/2018 counts dossiers resolved early or on time
against every dossier received; public-service portals publish them against the dossiers processed
(resolved early, on time or late), leaving pending ones out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, QuerySet, Sum

from agencies.models import Agency

from .models import DossierStatistic

COUNTS = ("received", "early", "on_time", "late", "pending")


@dataclass(frozen=True)
class Rate:
    received: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0

    @property
    def in_time(self) -> int:
        """Resolved early or on time."""
        return self.early + self.on_time

    @property
    def processed(self) -> int:
        """Resolved, whether in time or late."""
        return self.early + self.on_time + self.late

    @property
    def of_received(self) -> float | None:
        """(early + on time) / received — Decree 61/2018's definition; None without dossiers."""
        return self.in_time / self.received if self.received else None

    @property
    def of_processed(self) -> float | None:
        """(early + on time) / (early + on time + late) — what portals publish; None when none resolved."""
        return self.in_time / self.processed if self.processed else None

    def __add__(self, other: "Rate") -> "Rate":
        return Rate(*(getattr(self, name) + getattr(other, name) for name in COUNTS))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _in_period(agencies: QuerySet[Agency] | Iterable, start: date, end: date) -> QuerySet[DossierStatistic]:
    """Figures of the months that overlap [start, end] (a month is stored as its first day)."""
    return DossierStatistic.objects.filter(
        agency__in=agencies, month__gte=first_of_month(start), month__lte=end
    ).order_by()


def _sums() -> dict:
    # Annotations may not take a field's own name.
    return {f"sum_{name}": Sum(name) for name in COUNTS}


def _rate(row: dict) -> Rate:
    return Rate(*(row[f"sum_{name}"] or 0 for name in COUNTS))


def ontime_rates(agencies: QuerySet[Agency] | Iterable, *, start: date, end: date) -> dict[int, Rate]:
    """Per agency id, its dossiers of the months overlapping [start, end]; agencies without any are absent.
    One query whatever the number of agencies (`agencies`: a queryset, as a subquery, or agencies/ids)."""
    rows = _in_period(agencies, start, end).values("agency_id").annotate(**_sums())
    return {row["agency_id"]: _rate(row) for row in rows}


def ontime_by_procedure(
    agencies: QuerySet[Agency] | Iterable, *, start: date, end: date, limit: int | None = None
) -> dict[int, Rate]:
    """Per procedure id, the dossiers of those agencies in the period, most late first (then most received;
    the first `limit` only when given). One query whatever the number of agencies or procedures."""
    rows = (
        _in_period(agencies, start, end)
        .values("procedure_id")
        .annotate(**_sums())
        .order_by(F("sum_late").desc(), F("sum_received").desc(), "procedure_id")
    )
    return {row["procedure_id"]: _rate(row) for row in (rows[:limit] if limit else rows)}


def ontime_total(agencies: QuerySet[Agency] | Iterable, *, start: date, end: date) -> Rate:
    """All the dossiers of those agencies in the period, in one query."""
    return _rate(_in_period(agencies, start, end).aggregate(**_sums()))
