"""Provincial targets: the measure of a province (and level) as a percentage of its operating agencies on a
date, and a target's progress — where it stands, where the pace since it was set leads by the deadline.

The query count depends on the measures asked for (six at most), never on the number of targets or
agencies: `measurements` groups the targets by measure.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Subquery, TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, QmsStatus, StatusChange
from audits.summary import audit_summaries
from procedures.selectors import agency_summaries

from .models import Target

Measure = Target.Measure
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DECLARED = {QmsStatus.DECLARED, QmsStatus.REDECLARED}
APPLIED = {QmsStatus.APPLIED, QmsStatus.DECLARED, QmsStatus.REDECLARED}


class Status(TextChoices):
    ACHIEVED = "achieved", pgettext_lazy("target status", "Achieved")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    MISSED = "missed", _("Missed")


@dataclass(frozen=True)
class Measurement:
    numerator: int  # agencies meeting the measure
    denominator: int  # agencies in operation

    @property
    def value(self) -> Decimal:
        """Percent with two decimals; 0.00 when no agency is counted."""
        if not self.denominator:
            return Decimal("0.00")
        return (Decimal(self.numerator) * HUNDRED / Decimal(self.denominator)).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Progress:
    target: Target
    current: Measurement
    as_of: date
    projection: Decimal  # percent at the deadline at the pace since start_on, capped at 100
    status: Status

    @property
    def value(self) -> Decimal:
        return self.current.value


def _operating(province_ids: Iterable[int], on: date) -> list[tuple[int, int, str]]:
    """(pk, province_id, level) of the agencies of these provinces in operation on the date."""
    return list(
        Agency.objects.operating(on)
        .filter(province_id__in=list(province_ids))
        .values_list("pk", "province_id", "level")
        .order_by()
    )


def _meeting(what: str, agency_ids: list[int], on: date) -> set[int]:
    """The agencies (of those given) meeting the measure on the date."""
    if not agency_ids:
        return set()
    agencies = Agency.objects.filter(pk__in=agency_ids)
    if what in (Measure.DECLARED, Measure.DECLARED_2015, Measure.APPLIED):
        latest = StatusChange.objects.filter(agency=OuterRef("pk"), changed_on__lte=on).order_by(
            "-changed_on", "-pk"
        )
        rows = agencies.annotate(
            status_then=Subquery(latest.values("status")[:1]),
            version_then=Subquery(latest.values("iso_version")[:1]),
        ).values_list("pk", "status_then", "version_then")
        if what == Measure.APPLIED:
            return {pk for pk, status, _version in rows if status in APPLIED}
        if what == Measure.DECLARED:
            return {pk for pk, status, _version in rows if status in DECLARED}
        return {
            pk
            for pk, status, version in rows
            if status in DECLARED and version == StatusChange.IsoVersion.ISO_2015
        }
    if what == Measure.FULL_COVERAGE:
        # Coverage has no history: whatever the date, it is today's.
        summaries = agency_summaries(agencies)
        return {pk for pk, summary in summaries.items() if summary.coverage == 1}
    if what in (Measure.INTERNAL_AUDIT, Measure.MANAGEMENT_REVIEW):
        summaries = audit_summaries(agencies, on.year, today=on)
        held = "internal_audit_held" if what == Measure.INTERNAL_AUDIT else "management_review_held"
        return {pk for pk, summary in summaries.items() if getattr(summary, held)}
    raise ValueError(f"unknown measure {what!r}")


def measure(province, what: str, *, level: str = "", on: date) -> Measurement:
    """The share of the province's agencies in operation on `on` (of `level` when given) meeting the
    measure `what` (a Target.Measure) on that date."""
    key = (province.pk, what, level or "", on)
    return measurements([key])[key]


def measurements(
    requests: Iterable[tuple[int, str, str, date]],
) -> dict[tuple[int, str, str, date], Measurement]:
    """Several (province_id, measure, level, on) at once: one pass per (measure, date)."""
    requests = list(dict.fromkeys(requests))
    answers: dict[tuple[int, str, str, date], Measurement] = {}
    by_moment: dict[tuple[str, date], list[tuple[int, str]]] = {}
    for province_id, what, level, on in requests:
        by_moment.setdefault((what, on), []).append((province_id, level))
    operating: dict[date, list[tuple[int, int, str]]] = {}
    for (what, on), wanted in by_moment.items():
        province_ids = {province_id for province_id, _level in wanted}
        if on not in operating:
            operating[on] = _operating({request[0] for request in requests if request[3] == on}, on)
        agencies = [row for row in operating[on] if row[1] in province_ids]
        meeting = _meeting(what, [pk for pk, _province, _level in agencies], on)
        for province_id, level in wanted:
            counted = [
                pk
                for pk, province, agency_level in agencies
                if province == province_id and (not level or agency_level == level)
            ]
            answers[(province_id, what, level, on)] = Measurement(
                numerator=sum(1 for pk in counted if pk in meeting), denominator=len(counted)
            )
    return answers


def baseline(target: Target) -> Decimal:
    """The measure when the target starts counting (stored on the target when it is set)."""
    return measure(target.province, target.measure, level=target.level, on=target.start_on).value


def progress(target: Target, today: date) -> Progress:
    return progress_of([target], today)[0]


def progress_of(targets: Iterable[Target], today: date) -> list[Progress]:
    """Each target's progress today: the measure, the projection at the deadline at the pace since
    start_on, and achieved (the measure reaches the value) / missed (the deadline has passed) / on track
    (the projection reaches it) / at risk."""
    targets = list(targets)
    keys = [(target.province_id, target.measure, target.level or "", today) for target in targets]
    found = measurements(keys)
    return [_progress(target, found[key], today) for target, key in zip(targets, keys, strict=True)]


def projection(target: Target, current: Decimal, as_of: date) -> Decimal:
    """Where the pace since start_on (from the baseline to `current` on `as_of`) leads by the deadline,
    0–100; the current value itself before start_on and after the deadline."""
    elapsed = (as_of - target.start_on).days
    remaining = max((target.deadline - as_of).days, 0)
    if elapsed <= 0:
        projected = current
    else:
        pace = (current - target.baseline) / Decimal(elapsed)
        projected = current + pace * remaining
    return min(max(projected, Decimal(0)), HUNDRED).quantize(CENT, ROUND_HALF_UP)


def _progress(target: Target, current: Measurement, today: date) -> Progress:
    projected = projection(target, current.value, today)
    if current.value >= target.value:
        status = Status.ACHIEVED
    elif today > target.deadline:
        status = Status.MISSED
    elif projected >= target.value:
        status = Status.ON_TRACK
    else:
        status = Status.AT_RISK
    return Progress(target=target, current=current, as_of=today, projection=projected, status=status)
