"""The dashboard's figures for one province (reviewers) or several (national viewers), in one place: the
dashboard pages, their drill-down lists and the provincial summary report all call `dashboard_figures`, and
it reads the shared aggregate functions (agency statuses, procedures.selectors.agency_summaries,
audits.summary.audit_summaries, scoring.targets.progress_of, scoring.results.rubrics_results), so a figure
is the same wherever it appears.

The number of queries does not depend on the number of agencies: it grows only with the number of target
measures in use (six at most).
Every figure carries the parameters of its drill-down, and the dashboard keeps the set of agencies behind
each one, so the list of agencies behind a figure is exactly what was counted.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from agencies.models import Agency, Province, QmsStatus
from audits.models import Action, Audit, Clause, Finding
from audits.summary import AuditSummary, audit_summaries
from procedures.selectors import AgencySummary, agency_summaries

from . import rules
from .models import Assessment, Band, Rubric, Target
from .results import ResultRow, Results, rubrics_results
from .targets import APPLIED, DECLARED, Measurement, Progress, progress_of

CENT = Decimal("0.01")
TREND_YEARS = 5
TOP_OVERDUE = 10
# Heat map intensity: a cell's count against the largest cell, in quarters (0 = no finding).
INTENSITY_STEPS = 4
# The filters every drill-down link carries; the other parameters name the figure.
FILTER_PARAMS = ("year", "level", "province")


def percent(count: int, whole: int) -> Decimal:
    """count / whole in percent with two decimals (0.00 when nothing is counted), as targets measure."""
    return Measurement(numerator=count, denominator=whole).value


def figure_key(params: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The identity of a figure: its parameters other than the filters, sorted."""
    return tuple(sorted((name, str(value)) for name, value in params if name not in FILTER_PARAMS))


@dataclass
class Figure:
    """A count (of agencies, or of records with `agencies` agencies behind it) with its share, and the
    parameters of the list of agencies behind it."""

    count: int
    share: Decimal | None = None
    params: tuple[tuple[str, str], ...] = ()
    level: str = ""  # the level the drill-down narrows to, when the figure is one level's
    base: dict = field(default_factory=dict, repr=False)  # the dashboard's filters, shared by its figures

    @property
    def query(self) -> str:
        """The drill-down's query string: the dashboard's filters, the figure's level, its parameters."""
        params = {name: value for name, value in self.base.items() if value not in ("", None)}
        if self.level:
            params["level"] = self.level
        params.update(self.params)
        return urlencode(params)


@dataclass
class LevelStatus:
    """The agencies of one level (or of all levels: level "") by QMS status."""

    level: str
    label: str
    total: Figure
    statuses: list[tuple[str, str, Figure]]  # (status, label, figure); shares of the row add up to 100.00
    applying: Figure  # applied, declared or re-declared
    declared: Figure  # declared or re-declared


@dataclass
class Coverage:
    handled: int  # procedures handled, summed over the agencies
    in_force: int  # of those, run through a process in force
    share: Decimal  # in_force / handled
    full: Figure  # agencies with every procedure covered, share of all agencies
    incomplete: Figure  # agencies with a procedure not covered
    nothing_declared: Figure  # agencies that declared no procedure handled


@dataclass
class AuditFigures:
    internal_audit: Figure
    no_internal_audit: Figure
    management_review: Figure
    no_management_review: Figure
    inspected: Figure


@dataclass
class NcRow:
    agency: Agency
    open: int
    overdue: int


@dataclass
class NcFigures:
    open: int  # nonconformities open at the reference date
    overdue: int
    with_open: Figure  # agencies with an open nonconformity
    with_overdue: Figure
    top: list[NcRow]  # most overdue first


@dataclass
class BandFigure:
    label: str
    lower_bound: Decimal | None
    inclusive: bool
    figure: Figure


@dataclass
class TrendYear:
    year: int
    ranked: int
    average: Decimal | None
    bands: dict[str, Decimal]  # band label → share
    preliminary: bool


@dataclass
class Scores:
    results: list[Results]  # one per province with a rubric of the year
    preliminary: bool  # some results are not published yet (shown to the province's reviewers only)
    ranked: Figure
    average: Decimal | None
    bands: list[BandFigure]
    bottom: list[ResultRow]
    bottom_figure: Figure
    trend: list[TrendYear]
    band_labels: list[str]  # every band label of the trend, highest band first


@dataclass
class HeatCell:
    level: str
    count: int  # nonconformities
    intensity: int  # 0 (none) … INTENSITY_STEPS
    repeats: int  # agencies with this clause repeated
    figure: Figure


@dataclass
class HeatRow:
    clause: str
    title: str
    cells: list[HeatCell]
    total: Figure


@dataclass
class RepeatFinding:
    """The same clause found in the same agency in two consecutive audits of that agency."""

    agency: Agency
    clause: str
    previous_audit_id: int
    previous_on: date
    audit_id: int
    held_on: date


@dataclass
class HeatMap:
    levels: list[tuple[str, str]]
    rows: list[HeatRow]
    total: int
    without_clause: int
    repeats: list[RepeatFinding]
    repeat_figure: Figure


@dataclass
class TargetFigure:
    progress: Progress
    figure: Figure


@dataclass
class Dashboard:
    provinces: list[Province]
    year: int
    level: str
    today: date
    as_of: date  # the reference date: the year's last day, or today while the year runs
    base: dict  # the filters every drill-down link carries (the views add the province filter)
    agencies: dict[int, Agency]  # in scope (operating at the reference date), with current_status
    # The agencies any figure counts: those in scope, and agencies no longer operating that were scored
    listed: dict[int, Agency] = field(default_factory=dict)
    levels: list[LevelStatus] = field(default_factory=list)
    overall: LevelStatus | None = None
    targets: list[TargetFigure] = field(default_factory=list)
    coverage: Coverage | None = None
    audits: AuditFigures | None = None
    ncs: NcFigures | None = None
    scores: Scores | None = None
    heatmap: HeatMap | None = None
    # Per agency, for the drill-down lists
    procedure_summaries: dict[int, AgencySummary] = field(default_factory=dict)
    audit_summaries: dict[int, AuditSummary] = field(default_factory=dict)
    open_ncs: dict[int, int] = field(default_factory=dict)
    result_rows: dict[int, ResultRow] = field(default_factory=dict)
    behind: dict[tuple, set[int]] = field(default_factory=dict, repr=False)

    def figure(
        self, count: int, agency_ids: Iterable[int], *, share=None, level: str = "", **params
    ) -> Figure:
        """A figure whose drill-down lists `agency_ids`."""
        ordered = (
            ("figure", params.pop("figure")),
            *sorted((name, str(value)) for name, value in params.items()),
        )
        self.behind[figure_key(ordered)] = set(agency_ids) | self.behind.get(figure_key(ordered), set())
        return Figure(count=count, share=share, params=ordered, level=level, base=self.base)

    def agencies_behind(self, params: Iterable[tuple[str, str]]) -> list[Agency] | None:
        """The agencies behind the figure with these parameters (None: no such figure), by name."""
        ids = self.behind.get(figure_key(params))
        if ids is None:
            return None
        names = {province.pk: province.name for province in self.provinces}
        return sorted(
            (self.listed[pk] for pk in ids if pk in self.listed),
            key=lambda agency: (names.get(agency.province_id, ""), agency.name, agency.pk),
        )

    @property
    def several_provinces(self) -> bool:
        return len(self.provinces) > 1


def dashboard_figures(
    *,
    provinces: QuerySet[Province],
    year: int,
    level: str | None = None,
    today: date | None = None,
    include_unpublished: bool = False,
) -> Dashboard:
    """Every figure of the dashboard for the operating agencies of `provinces` (of `level` when given) in
    `year`. `include_unpublished`: also score with published rubrics whose results are not published yet
    (marked preliminary) — for the provinces' reviewers."""
    today = today or timezone.localdate()
    level = level or ""
    as_of = min(today, date(year, 12, 31))
    province_list = list(provinces.order_by("name"))
    province_ids = [province.pk for province in province_list]
    scope = Agency.objects.operating(as_of).filter(province_id__in=province_ids)
    if level:
        scope = scope.filter(level=level)
    agencies = {
        agency.pk: agency
        for agency in scope.with_current_status().select_related("province").order_by("name", "pk")
    }
    board = Dashboard(
        provinces=province_list,
        year=year,
        level=level,
        today=today,
        as_of=as_of,
        base={"year": year, "level": level},
        agencies=agencies,
        listed=dict(agencies),
    )
    # Later queries take the scope as a subquery: one query each whatever the number of agencies.
    scope_ids = scope.values("pk")
    _statuses(board)
    _targets(board, province_ids, level, today)
    _coverage(board, scope_ids, as_of)
    _audits(board, scope_ids, year, today)
    _nonconformities(board, scope_ids, as_of)
    _scores(board, province_ids, year, level, include_unpublished)
    _heatmap(board, scope_ids, year)
    return board


# --- status by level ------------------------------------------------------------------------------------


def _status_of(agency: Agency) -> str:
    return agency.current_status or QmsStatus.NOT_STARTED


def _level_status(board: Dashboard, level: str, label: str, members: list[Agency]) -> LevelStatus:
    ids = [agency.pk for agency in members]
    by_status = {status: [a.pk for a in members if _status_of(a) == status] for status in QmsStatus.values}
    counts = [len(by_status[status]) for status in QmsStatus.values]
    shares = rules.shares(counts)
    applying = [a.pk for a in members if _status_of(a) in APPLIED]
    declared = [a.pk for a in members if _status_of(a) in DECLARED]
    return LevelStatus(
        level=level,
        label=label,
        total=board.figure(len(ids), ids, level=level, figure="agencies"),
        statuses=[
            (
                status,
                QmsStatus(status).label,
                board.figure(
                    count, by_status[status], share=share, level=level, figure="status", status=status
                ),
            )
            for status, count, share in zip(QmsStatus.values, counts, shares, strict=True)
        ],
        applying=board.figure(
            len(applying), applying, share=percent(len(applying), len(ids)), level=level, figure="applying"
        ),
        declared=board.figure(
            len(declared), declared, share=percent(len(declared), len(ids)), level=level, figure="declared"
        ),
    )


def _statuses(board: Dashboard) -> None:
    by_level: dict[str, list[Agency]] = defaultdict(list)
    for agency in board.agencies.values():
        by_level[agency.level].append(agency)
    board.levels = [
        _level_status(board, value, label, by_level[value])
        for value, label in Agency.Level.choices
        if by_level.get(value)
    ]
    board.overall = _level_status(board, board.level, "", list(board.agencies.values()))


# --- targets --------------------------------------------------------------------------------------------


def _targets(board: Dashboard, province_ids: list[int], level: str, today: date) -> None:
    """The provinces' targets (of the level, when one is chosen) with their progress today."""
    targets = Target.objects.filter(province_id__in=province_ids).select_related("province")
    if level:
        targets = targets.filter(level=level)
    targets = list(targets.order_by("deadline", "measure", "pk"))
    for item in progress_of(targets, today):
        # The drill-down recomputes the measure's agencies (scoring.dashboard.target_agencies).
        figure = Figure(
            count=item.current.numerator,
            share=item.value,
            params=(("figure", "target"), ("target", str(item.target.pk))),
            base=board.base,
        )
        board.targets.append(TargetFigure(progress=item, figure=figure))


def target_agencies(target: Target, today: date) -> set[int]:
    """The agencies counted as meeting a target's measure today (the numerator of its progress)."""
    from .targets import _meeting, _operating

    counted = [
        pk
        for pk, _province, level in _operating([target.province_id], today)
        if not target.level or level == target.level
    ]
    return _meeting(target.measure, counted, today)


# --- coverage -------------------------------------------------------------------------------------------


def _coverage(board: Dashboard, scope_ids, as_of: date) -> None:
    summaries = agency_summaries(Agency.objects.filter(pk__in=scope_ids), on=as_of)
    board.procedure_summaries = summaries
    ids = list(board.agencies)
    empty = AgencySummary()
    handled = sum(summaries.get(pk, empty).handled for pk in ids)
    in_force = sum(summaries.get(pk, empty).in_force for pk in ids)
    full = [pk for pk in ids if summaries.get(pk, empty).coverage == 1]
    incomplete = [pk for pk in ids if summaries.get(pk, empty).handled and summaries[pk].coverage < 1]
    nothing = [pk for pk in ids if not summaries.get(pk, empty).handled]
    board.coverage = Coverage(
        handled=handled,
        in_force=in_force,
        share=percent(in_force, handled),
        full=board.figure(len(full), full, share=percent(len(full), len(ids)), figure="coverage_full"),
        incomplete=board.figure(
            len(incomplete),
            incomplete,
            share=percent(len(incomplete), len(ids)),
            figure="coverage_incomplete",
        ),
        nothing_declared=board.figure(
            len(nothing), nothing, share=percent(len(nothing), len(ids)), figure="coverage_none"
        ),
    )


# --- audits, management reviews, nonconformities --------------------------------------------------------


def _audits(board: Dashboard, scope_ids, year: int, today: date) -> None:
    summaries = audit_summaries(Agency.objects.filter(pk__in=scope_ids), year, today=today)
    board.audit_summaries = summaries
    ids = list(board.agencies)
    empty = AuditSummary()
    total = len(ids)

    def split(held: str, figure: str, missing: str) -> tuple[Figure, Figure]:
        yes = [pk for pk in ids if getattr(summaries.get(pk, empty), held)]
        no = [pk for pk in ids if not getattr(summaries.get(pk, empty), held)]
        return (
            board.figure(len(yes), yes, share=percent(len(yes), total), figure=figure),
            board.figure(len(no), no, share=percent(len(no), total), figure=missing),
        )

    internal, no_internal = split("internal_audit_held", "internal_audit", "no_internal_audit")
    review, no_review = split("management_review_held", "management_review", "no_management_review")
    inspected = [pk for pk in ids if summaries.get(pk, empty).inspections]
    board.audits = AuditFigures(
        internal_audit=internal,
        no_internal_audit=no_internal,
        management_review=review,
        no_management_review=no_review,
        inspected=board.figure(
            len(inspected), inspected, share=percent(len(inspected), total), figure="inspected"
        ),
    )


def _nonconformities(board: Dashboard, scope_ids, as_of: date) -> None:
    """Open at the reference date: created by then and not closed by then; overdue as audit_summaries
    counts it (past due and not implemented at the reference date)."""
    open_rows = (
        Action.objects.filter(
            agency_id__in=scope_ids, source=Action.Source.NONCONFORMITY, created_at__date__lte=as_of
        )
        .filter(Q(closed_at__isnull=True) | Q(closed_at__date__gt=as_of))
        .values("agency_id")
        .annotate(total=Count("pk"))
        .values_list("agency_id", "total")
        .order_by()
    )
    board.open_ncs = dict(open_rows)
    ids = list(board.agencies)
    overdue = {pk: board.audit_summaries[pk].ncs_overdue for pk in ids if pk in board.audit_summaries}
    with_open = [pk for pk in ids if board.open_ncs.get(pk)]
    with_overdue = [pk for pk in ids if overdue.get(pk)]
    rows = [
        NcRow(agency=board.agencies[pk], open=board.open_ncs.get(pk, 0), overdue=overdue.get(pk, 0))
        for pk in set(with_open) | set(with_overdue)
    ]
    rows.sort(key=lambda row: (-row.overdue, -row.open, row.agency.name, row.agency.pk))
    board.ncs = NcFigures(
        open=sum(board.open_ncs.get(pk, 0) for pk in ids),
        overdue=sum(overdue.values()),
        with_open=board.figure(
            len(with_open), with_open, share=percent(len(with_open), len(ids)), figure="ncs_open"
        ),
        with_overdue=board.figure(
            len(with_overdue), with_overdue, share=percent(len(with_overdue), len(ids)), figure="ncs_overdue"
        ),
        top=rows[:TOP_OVERDUE],
    )


# --- scores ---------------------------------------------------------------------------------------------


def _chosen_rubrics(rubrics: list[Rubric], include_unpublished: bool) -> dict[tuple[int, int], Rubric]:
    """Per (province, year), the rubric whose results count: the one whose results were published last;
    failing that, for reviewers, the published rubric published last (its results are preliminary)."""
    chosen: dict[tuple[int, int], Rubric] = {}

    def rank(rubric: Rubric):
        published = rubric.results_published_at is not None
        return (published, rubric.results_published_at or rubric.published_at or rubric.created_at, rubric.pk)

    for rubric in rubrics:
        if rubric.results_published_at is None and not include_unpublished:
            continue
        key = (rubric.province_id, rubric.year)
        if key not in chosen or rank(rubric) > rank(chosen[key]):
            chosen[key] = rubric
    return chosen


def _scores(board: Dashboard, province_ids: list[int], year: int, level: str, include_unpublished: bool):
    rubrics = list(
        Rubric.objects.filter(
            province_id__in=province_ids,
            year__gte=year - TREND_YEARS + 1,
            year__lte=year,
            status=Rubric.Status.PUBLISHED,
        ).select_related("province")
    )
    chosen = _chosen_rubrics(rubrics, include_unpublished)
    this_year = sorted(
        (rubric for (_province, rubric_year), rubric in chosen.items() if rubric_year == year),
        key=lambda rubric: (rubric.province.name, rubric.pk),
    )
    tables = rubrics_results(this_year, level=level or None)
    rows = [row for table in tables for row in table.rows]
    board.result_rows = {row.agency.pk: row for row in rows}
    for row in rows:
        board.listed.setdefault(row.agency.pk, row.agency)

    # Band shares over every province shown, bands matched by label (one province's labels are unique).
    labels: list[tuple[str, Decimal | None, bool]] = []
    for table in tables:
        for share in table.bands:
            if share.label not in [label for label, _bound, _inclusive in labels]:
                labels.append((share.label, share.band.lower_bound, share.band.inclusive))
    by_label = {
        label: [row.agency.pk for row in rows if row.band and row.band.label == label] for label, *_ in labels
    }
    counts = [len(by_label[label]) for label, *_ in labels]
    bands = [
        BandFigure(
            label=label,
            lower_bound=bound if len(tables) == 1 else None,
            inclusive=inclusive,
            figure=board.figure(count, by_label[label], share=share, figure="band", band=label),
        )
        for (label, bound, inclusive), count, share in zip(labels, counts, rules.shares(counts), strict=True)
    ]
    bottom = [row for table in tables for row in table.bottom]
    ranked_ids = [row.agency.pk for row in rows]
    board.scores = Scores(
        results=tables,
        preliminary=any(not rubric.results_published for rubric in this_year),
        ranked=board.figure(len(rows), ranked_ids, figure="ranked"),
        average=_average([row.total for row in rows]),
        bands=bands,
        bottom=bottom,
        bottom_figure=board.figure(len(bottom), [row.agency.pk for row in bottom], figure="bottom"),
        trend=[],
        band_labels=[label for label, *_ in labels],
    )
    _trend(board, chosen, year, level)


def _average(totals: list[Decimal]) -> Decimal | None:
    if not totals:
        return None
    return (sum(totals, Decimal(0)) / len(totals)).quantize(CENT, ROUND_HALF_UP)


def _trend(board: Dashboard, chosen: dict[tuple[int, int], Rubric], year: int, level: str) -> None:
    """Average official total and band shares per year, the last TREND_YEARS years: two queries."""
    rubric_ids = [rubric.pk for rubric in chosen.values()]
    totals: dict[int, list[Decimal]] = defaultdict(list)
    bands: dict[int, list[Band]] = defaultdict(list)
    if rubric_ids:
        assessments = Assessment.objects.filter(
            rubric_id__in=rubric_ids,
            kind=Assessment.Kind.OFFICIAL,
            agency__province_id=F("rubric__province_id"),
        )
        if level:
            assessments = assessments.filter(agency__level=level)
        for rubric_id, total in assessments.values_list("rubric_id", "total").order_by():
            totals[rubric_id].append(total)
        for band in Band.objects.filter(rubric_id__in=rubric_ids):
            bands[band.rubric_id].append(band)
    labels = list(board.scores.band_labels)
    trend = []
    for trend_year in range(year - TREND_YEARS + 1, year + 1):
        rubrics = [rubric for (_province, rubric_year), rubric in chosen.items() if rubric_year == trend_year]
        year_totals = [total for rubric in rubrics for total in totals[rubric.pk]]
        counts: dict[str, int] = defaultdict(int)
        for rubric in rubrics:
            ordered = sorted(
                bands[rubric.pk], key=lambda band: (band.lower_bound, not band.inclusive), reverse=True
            )
            for band in ordered:
                counts.setdefault(band.label, 0)
                if band.label not in labels:
                    labels.append(band.label)
            for total in totals[rubric.pk]:
                band = rules.band_for(total, ordered)
                if band is not None:
                    counts[band.label] += 1
        names = list(counts)
        trend.append(
            TrendYear(
                year=trend_year,
                ranked=len(year_totals),
                average=_average(year_totals),
                bands=dict(zip(names, rules.shares([counts[name] for name in names]), strict=True)),
                preliminary=any(not rubric.results_published for rubric in rubrics),
            )
        )
    board.scores.trend = trend
    board.scores.band_labels = labels


# --- nonconformities by clause and level, repeat findings -----------------------------------------------


def _intensity(count: int, highest: int) -> int:
    if not count or not highest:
        return 0
    return max(1, -(-count * INTENSITY_STEPS // highest))


def _heatmap(board: Dashboard, scope_ids, year: int) -> None:
    """Major and minor nonconformities of the year's audits by clause and agency level (one grouped
    query), and repeat findings over the last two years' audits (one query)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    grouped = (
        Finding.objects.filter(audit__agency_id__in=scope_ids, grade__in=Finding.NONCONFORMITIES)
        .exclude(audit__status=Audit.Status.PLANNED)
        .alias(held_on=Coalesce("audit__actual_start", "audit__planned_start"))
        .filter(held_on__gte=first, held_on__lte=last)
        .values(
            "clause__number",
            "clause__title_vi",
            "clause__title_en",
            "audit__agency__level",
            "audit__agency_id",
        )
        .annotate(total=Count("pk"))
        .values_list(
            "clause__number",
            "clause__title_vi",
            "clause__title_en",
            "audit__agency__level",
            "audit__agency_id",
            "total",
        )
        .order_by()
    )
    english = translation.get_language() == "en"
    cells: dict[tuple[str, str], int] = defaultdict(int)
    cell_agencies: dict[tuple[str, str], set[int]] = defaultdict(set)
    clauses: dict[str, str] = {}  # number → title
    without_clause = 0
    for number, title_vi, title_en, level, agency_id, total in grouped:
        if number is None:
            without_clause += total
            continue
        clauses.setdefault(number, title_en if english else title_vi)
        cells[(number, level)] += total
        cell_agencies[(number, level)].add(agency_id)

    repeats = _repeats(board, scope_ids, year)
    repeated: dict[tuple[str, str], set[int]] = defaultdict(set)
    for repeat in repeats:
        repeated[(repeat.clause, repeat.agency.level)].add(repeat.agency.pk)

    levels = [
        (value, label) for value, label in Agency.Level.choices if not board.level or value == board.level
    ]
    highest = max(cells.values(), default=0)
    rows = []
    for number in sorted(clauses, key=Clause.sort_key_of):
        row_cells = []
        for value, _label in levels:
            count = cells.get((number, value), 0)
            row_cells.append(
                HeatCell(
                    level=value,
                    count=count,
                    intensity=_intensity(count, highest),
                    repeats=len(repeated.get((number, value), ())),
                    figure=board.figure(
                        count,
                        cell_agencies.get((number, value), ()),
                        level=value,
                        figure="clause",
                        clause=number,
                    ),
                )
            )
        all_agencies = set().union(*(cell_agencies.get((number, value), set()) for value, _label in levels))
        rows.append(
            HeatRow(
                clause=number,
                title=clauses[number],
                cells=row_cells,
                total=board.figure(
                    sum(cell.count for cell in row_cells), all_agencies, figure="clause", clause=number
                ),
            )
        )
    repeat_ids = {repeat.agency.pk for repeat in repeats}
    board.heatmap = HeatMap(
        levels=levels,
        rows=rows,
        total=sum(cells.values()),
        without_clause=without_clause,
        repeats=repeats,
        repeat_figure=board.figure(len(repeat_ids), repeat_ids, figure="repeat"),
    )


def _repeats(board: Dashboard, scope_ids, year: int) -> list[RepeatFinding]:
    """Clauses found (major or minor nonconformity) in two consecutive audits of an agency, the later one
    held in `year`. Every audit held in the two years counts for "consecutive", with or without findings."""
    rows = (
        Audit.objects.filter(agency_id__in=scope_ids)
        .exclude(status=Audit.Status.PLANNED)
        .annotate(
            held_on=Coalesce("actual_start", "planned_start"),
            nonconformity=FilteredRelation(
                "findings", condition=Q(findings__grade__in=Finding.NONCONFORMITIES)
            ),
        )
        .filter(held_on__gte=date(year - 1, 1, 1), held_on__lte=date(year, 12, 31))
        .values_list("pk", "agency_id", "held_on", "nonconformity__clause__number")
        .order_by("agency_id", "held_on", "pk")
    )
    audits: dict[int, list[tuple[int, date, set[str]]]] = defaultdict(list)
    for audit_id, agency_id, held_on, clause in rows:
        history = audits[agency_id]
        if not history or history[-1][0] != audit_id:
            history.append((audit_id, held_on, set()))
        if clause:
            history[-1][2].add(clause)
    repeats = []
    for agency_id, history in audits.items():
        for (previous_id, previous_on, before), (audit_id, held_on, now) in zip(
            history, history[1:], strict=False
        ):
            if held_on.year != year:
                continue
            for clause in sorted(before & now, key=Clause.sort_key_of):
                repeats.append(
                    RepeatFinding(
                        agency=board.agencies[agency_id],
                        clause=clause,
                        previous_audit_id=previous_id,
                        previous_on=previous_on,
                        audit_id=audit_id,
                        held_on=held_on,
                    )
                )
    repeats.sort(key=lambda repeat: (repeat.agency.name, Clause.sort_key_of(repeat.clause), repeat.audit_id))
    return repeats
