"""Results of a rubric: totals, bands, ranks (province-wide and within a level), band shares, the change
against last year, the bottom of the table, and one agency's criteria, self against official.

One place computes these figures; the results page, its export, the home panel and the reports call it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F

from agencies.models import Agency

from . import rules
from .models import Assessment, AssessmentLine, Band, Criterion, CriterionGroup, Rubric

BOTTOM_RANKS = 5


@dataclass
class ResultRow:
    """One agency's line in the table: its official total and where it stands."""

    agency: Agency
    total: Decimal
    status: str  # of the official assessment
    band: Band | None = None
    rank: int = 0  # in the whole province
    level_rank: int = 0  # among agencies of the same level
    self_total: Decimal | None = None
    self_status: str | None = None
    previous_total: Decimal | None = None

    @property
    def level(self) -> str:
        return self.agency.level

    @property
    def finalized(self) -> bool:
        return self.status == Assessment.Status.FINALIZED

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else self.total - self.previous_total


@dataclass(frozen=True)
class BandShare:
    band: Band
    count: int
    share: Decimal  # percent, two decimals; the shares of a table add up to 100.00

    @property
    def label(self) -> str:
        return self.band.label


@dataclass
class Results:
    rubric: Rubric
    level: str | None
    rows: list[ResultRow]  # by rank (within the level when one is given), then agency name
    bands: list[BandShare]
    bottom: list[ResultRow]
    previous_rubric: Rubric | None = None

    def rank_of(self, row: ResultRow) -> int:
        """The rank that orders this table: within the level when the table is one level's."""
        return row.level_rank if self.level else row.rank

    @property
    def ranked(self) -> int:
        return len(self.rows)

    @property
    def share_total(self) -> Decimal:
        return sum((band.share for band in self.bands), Decimal("0.00"))


def previous_rubric(rubric: Rubric) -> Rubric | None:
    """The province's rubric of the year before with published results (the one published last)."""
    return (
        Rubric.objects.filter(
            province_id=rubric.province_id, year=rubric.year - 1, results_published_at__isnull=False
        )
        .order_by("-results_published_at", "-pk")
        .first()
    )


def rubric_results(rubric: Rubric, *, level: str | None = None) -> Results:
    """Every agency of the rubric's province with an official assessment, ranked — four queries whatever
    the number of agencies (bands, both kinds of assessment, last year's rubric and its totals)."""
    return rubrics_results([rubric], level=level)[0]


def rubrics_results(rubrics: list[Rubric], *, level: str | None = None) -> list[Results]:
    """rubric_results of several rubrics (the provinces of a national dashboard) in the same four queries
    whatever the number of rubrics and agencies."""
    if not rubrics:
        return []
    ids = [rubric.pk for rubric in rubrics]
    bands: dict[int, list[Band]] = {pk: [] for pk in ids}
    for band in Band.objects.filter(rubric_id__in=ids):
        bands[band.rubric_id].append(band)
    official: dict[int, dict[int, Assessment]] = {pk: {} for pk in ids}
    own: dict[int, dict[int, Assessment]] = {pk: {} for pk in ids}
    assessments = Assessment.objects.filter(rubric_id__in=ids, agency__province_id=F("rubric__province_id"))
    for assessment in assessments.select_related("agency").order_by("agency__name", "pk"):
        kind_map = official if assessment.kind == Assessment.Kind.OFFICIAL else own
        kind_map[assessment.rubric_id][assessment.agency_id] = assessment
    # Last year's rubric of each province with published results (the one published last).
    earlier: dict[tuple[int, int], Rubric] = {}
    candidates = Rubric.objects.filter(
        province_id__in={rubric.province_id for rubric in rubrics},
        year__in={rubric.year - 1 for rubric in rubrics},
        results_published_at__isnull=False,
    ).order_by("-results_published_at", "-pk")
    for candidate in candidates:
        earlier.setdefault((candidate.province_id, candidate.year), candidate)
    previous = {rubric.pk: earlier.get((rubric.province_id, rubric.year - 1)) for rubric in rubrics}
    previous_totals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    previous_ids = {rubric.pk for rubric in previous.values() if rubric is not None}
    if previous_ids and any(official.values()):
        rows = Assessment.objects.filter(rubric_id__in=previous_ids, kind=Assessment.Kind.OFFICIAL)
        for rubric_id, agency_id, total in rows.values_list("rubric_id", "agency_id", "total"):
            previous_totals[rubric_id][agency_id] = total
    return [
        _results(
            rubric,
            level,
            bands[rubric.pk],
            official[rubric.pk],
            own[rubric.pk],
            previous[rubric.pk],
            previous_totals[previous[rubric.pk].pk] if previous[rubric.pk] else {},
        )
        for rubric in rubrics
    ]


def _results(rubric, level, bands, official, own, earlier, previous_totals) -> Results:
    rows: list[ResultRow] = []
    for agency_id, assessment in official.items():
        mine = own.get(agency_id)
        rows.append(
            ResultRow(
                agency=assessment.agency,
                total=assessment.total,
                status=assessment.status,
                band=rules.band_for(assessment.total, bands),
                self_total=mine.total if mine else None,
                self_status=mine.status if mine else None,
                previous_total=previous_totals.get(agency_id),
            )
        )
    province_ranks = rules.competition_ranks({row.agency.pk: row.total for row in rows})
    by_level: dict[str, dict[int, Decimal]] = {}
    for row in rows:
        row.rank = province_ranks[row.agency.pk]
        by_level.setdefault(row.level, {})[row.agency.pk] = row.total
    level_ranks = {
        agency_id: rank
        for totals in by_level.values()
        for agency_id, rank in rules.competition_ranks(totals).items()
    }
    for row in rows:
        row.level_rank = level_ranks[row.agency.pk]

    if level:
        rows = [row for row in rows if row.level == level]
        rows.sort(key=lambda row: (row.level_rank, row.agency.name, row.agency.pk))
    else:
        rows.sort(key=lambda row: (row.rank, row.agency.name, row.agency.pk))
    results = Results(
        rubric=rubric, level=level or None, rows=rows, bands=[], bottom=[], previous_rubric=earlier
    )
    results.bands = band_shares(rows, bands)
    results.bottom = bottom_of(rows, key=results.rank_of)
    return results


def band_shares(rows: list[ResultRow], bands: list[Band]) -> list[BandShare]:
    """Per band, highest first: how many agencies fall in it and their share, computed from the rows."""
    ordered = sorted(bands, key=lambda band: (band.lower_bound, not band.inclusive), reverse=True)
    counts = [sum(1 for row in rows if row.band is not None and row.band.pk == band.pk) for band in ordered]
    return [
        BandShare(band=band, count=count, share=share)
        for band, count, share in zip(ordered, counts, rules.shares(counts), strict=True)
    ]


def bottom_of(rows: list[ResultRow], *, key, size: int = BOTTOM_RANKS) -> list[ResultRow]:
    """The last `size` places of a ranked table, with every agency tied with the last of them."""
    if len(rows) <= size:
        return list(rows)
    threshold = key(rows[-size])
    return [row for row in rows if key(row) >= threshold]


@dataclass
class CriterionLine:
    criterion: Criterion
    self_points: Decimal | None = None
    official_points: Decimal | None = None
    reason: str = ""  # the reviewer's, where the official points differ from the self points

    @property
    def difference(self) -> Decimal | None:
        if self.self_points is None or self.official_points is None:
            return None
        return self.official_points - self.self_points

    @property
    def differs(self) -> bool:
        return bool(self.difference)


@dataclass
class GroupBreakdown:
    group: CriterionGroup
    lines: list[CriterionLine] = field(default_factory=list)

    @property
    def max_points(self) -> Decimal:
        return sum((line.criterion.max_points for line in self.lines), Decimal(0))

    @property
    def self_points(self) -> Decimal:
        return sum((line.self_points or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def official_points(self) -> Decimal:
        return sum((line.official_points or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def difference(self) -> Decimal:
        return self.official_points - self.self_points


@dataclass
class Breakdown:
    rubric: Rubric
    agency: Agency
    self_assessment: Assessment | None
    official: Assessment | None
    groups: list[GroupBreakdown]
    shows_self: bool = True
    shows_official: bool = True

    @property
    def max_points(self) -> Decimal:
        return sum((group.max_points for group in self.groups), Decimal(0))


def agency_breakdown(
    rubric: Rubric, agency: Agency, *, self_points: bool = True, official: bool = True
) -> Breakdown:
    """Per criterion, grouped: maximum, self and official points, their difference and, where they
        differ, the reviewer's reason (the override reason, else the comment). `self_points` / `official`
        False leave that side's points out (for a reader who may not see them yet); the assessments themselves
    are always returned, for their status. Three queries."""
    assessments = {
        assessment.kind: assessment for assessment in Assessment.objects.filter(rubric=rubric, agency=agency)
    }
    kinds = []
    if self_points:
        kinds.append(Assessment.Kind.SELF)
    if official:
        kinds.append(Assessment.Kind.OFFICIAL)
    wanted = [assessments[kind].pk for kind in kinds if kind in assessments]
    lines: dict[tuple[str, int], AssessmentLine] = {}
    if wanted:
        for line in AssessmentLine.objects.filter(assessment_id__in=wanted).select_related("assessment"):
            lines[(line.assessment.kind, line.criterion_id)] = line
    groups: dict[int, GroupBreakdown] = {}
    for criterion in Criterion.objects.filter(rubric=rubric).select_related("group"):
        group = groups.setdefault(criterion.group_id, GroupBreakdown(group=criterion.group))
        mine = lines.get((Assessment.Kind.SELF, criterion.pk))
        theirs = lines.get((Assessment.Kind.OFFICIAL, criterion.pk))
        entry = CriterionLine(
            criterion=criterion,
            self_points=mine.points if mine else None,
            official_points=theirs.points if theirs else None,
        )
        if theirs is not None and entry.differs:
            entry.reason = theirs.override_reason.strip() or theirs.comment.strip()
        group.lines.append(entry)
    return Breakdown(
        rubric=rubric,
        agency=agency,
        self_assessment=assessments.get(Assessment.Kind.SELF),
        official=assessments.get(Assessment.Kind.OFFICIAL),
        groups=sorted(groups.values(), key=lambda group: (group.group.order, group.group.code)),
        shows_self=self_points,
        shows_official=official,
    )
