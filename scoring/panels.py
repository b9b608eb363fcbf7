"""What the scoring app adds to the home page (see qms_portal.panels): an agency's latest published score
and this year's self-assessment; for reviewers, the rubrics whose results are still to publish."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from agencies.access import Action, grants_for, provinces_for
from agencies.models import Agency

from . import rules
from .models import Assessment, Band, Rubric

AGENCY_LIMIT = 5


@dataclass
class LatestResult:
    rubric: Rubric
    assessment: Assessment
    band: Band | None
    rank: int
    ranked: int


@dataclass
class AgencyScores:
    agency: Agency
    latest: LatestResult | None
    # (rubric, self-assessment or None) for the published rubrics of this year
    this_year: list[tuple[Rubric, Assessment | None]]
    can_start: bool
    sees_drafts: bool


def _latest_results(agency_ids: list[int]) -> dict[int, LatestResult]:
    """Per agency, its official result in the latest rubric with published results — three queries."""
    latest: dict[int, Assessment] = {}
    official = (
        Assessment.objects.filter(
            agency_id__in=agency_ids,
            kind=Assessment.Kind.OFFICIAL,
            rubric__results_published_at__isnull=False,
            rubric__province_id=F("agency__province_id"),
        )
        .select_related("rubric")
        .order_by("agency_id", "-rubric__year", "-rubric__results_published_at", "-pk")
    )
    for assessment in official:
        latest.setdefault(assessment.agency_id, assessment)
    if not latest:
        return {}
    rubric_ids = {assessment.rubric_id for assessment in latest.values()}
    totals: dict[int, dict[int, Decimal]] = {}
    for rubric_id, agency_id, total in Assessment.objects.filter(
        rubric_id__in=rubric_ids, kind=Assessment.Kind.OFFICIAL, agency__province_id=F("rubric__province_id")
    ).values_list("rubric_id", "agency_id", "total"):
        totals.setdefault(rubric_id, {})[agency_id] = total
    bands: dict[int, list[Band]] = {}
    for band in Band.objects.filter(rubric_id__in=rubric_ids):
        bands.setdefault(band.rubric_id, []).append(band)
    answers = {}
    for agency_id, assessment in latest.items():
        ranks = rules.competition_ranks(totals[assessment.rubric_id])
        answers[agency_id] = LatestResult(
            rubric=assessment.rubric,
            assessment=assessment,
            band=rules.band_for(assessment.total, bands.get(assessment.rubric_id, [])),
            rank=ranks[agency_id],
            ranked=len(ranks),
        )
    return answers


def _agency_scores(request) -> list[AgencyScores]:
    grants = grants_for(request.user)
    own = grants.agency_ids.get(Action.VIEW, frozenset())
    if not own:
        return []
    agencies = list(Agency.objects.filter(pk__in=own).order_by("name")[:AGENCY_LIMIT])
    year = timezone.localdate().year
    rubrics = list(
        Rubric.objects.filter(
            province_id__in={agency.province_id for agency in agencies},
            year=year,
            status=Rubric.Status.PUBLISHED,
        ).order_by("name", "pk")
    )
    own_assessments = {
        (assessment.rubric_id, assessment.agency_id): assessment
        for assessment in Assessment.objects.filter(
            rubric__in=rubrics, agency__in=agencies, kind=Assessment.Kind.SELF
        )
    }
    latest = _latest_results([agency.pk for agency in agencies])
    editable = grants.agency_ids.get(Action.EDIT, frozenset())
    drafts = grants.agency_ids.get(Action.VIEW_DRAFTS, frozenset())
    return [
        AgencyScores(
            agency=agency,
            latest=latest.get(agency.pk),
            this_year=[
                (rubric, own_assessments.get((rubric.pk, agency.pk)))
                for rubric in rubrics
                if rubric.province_id == agency.province_id
            ],
            can_start=agency.pk in editable,
            sees_drafts=agency.pk in drafts,
        )
        for agency in agencies
    ]


def _pending_rubrics(request) -> list[Rubric]:
    """Published rubrics of the reviewer's provinces whose results are not published yet."""
    grants = grants_for(request.user)
    if not grants.province_ids.get(Action.OVERSEE) and not grants.superuser:
        return []
    return list(
        Rubric.objects.filter(
            province__in=provinces_for(request.user, Action.OVERSEE),
            status=Rubric.Status.PUBLISHED,
            results_published_at__isnull=True,
        )
        .select_related("province")
        .annotate(
            awaiting=Count(
                "assessments",
                filter=Q(
                    assessments__kind=Assessment.Kind.SELF, assessments__status=Assessment.Status.SUBMITTED
                ),
            ),
            official=Count("assessments", filter=Q(assessments__kind=Assessment.Kind.OFFICIAL)),
        )
        .order_by("-year", "province__name", "name")[:20]
    )


def home(request) -> str | None:
    """The scoring panel of the home page (registered in ScoringConfig.ready)."""
    agencies = _agency_scores(request)
    pending = _pending_rubrics(request)
    if not any(entry.latest or entry.this_year for entry in agencies) and not pending:
        return None
    return render_to_string(
        "scoring/panel_home.html",
        {"agencies": agencies, "pending": pending, "year": timezone.localdate().year},
        request=request,
    )
