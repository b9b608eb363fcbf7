"""Results of a rubric: the ranking with bands and shares, one agency's breakdown, and publishing.

Routes (names in the `scoring` namespace):
- results_index: results/ — the published rubrics the user can see
- results: results/<rubric_pk>/ — the table, band distribution and bottom of the table
- results_export: results/<rubric_pk>/export.xlsx
- results_publish: results/<rubric_pk>/publish/ (POST, reviewers of the province)
- agency_breakdown: results/<rubric_pk>/agency/<agency_pk>/ — criteria, self against official
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.access import Action, agencies_for, can_in_province, grants_for, provinces_seen
from agencies.models import Agency
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..models import Assessment, Rubric
from ..results import ResultRow, Results, agency_breakdown, rubric_results
from ..services.results import publish_results

PAGE_SIZE = 100
INDEX_PAGE_SIZE = 25
SORTS = ("rank", "agency", "change", "-change")
SHOWN_SELF_STATUSES = {
    # Who sees a self-assessment's points: its agency's secretaries and leaders always, the province's
    # reviewers once submitted, everyone else once finalized (as the assessment pages do).
    "drafts": {Assessment.Status.DRAFT, Assessment.Status.SUBMITTED, Assessment.Status.FINALIZED},
    "overseer": {Assessment.Status.SUBMITTED, Assessment.Status.FINALIZED},
    "reader": {Assessment.Status.FINALIZED},
}


@dataclass(frozen=True)
class Reader:
    """What one user may see of one rubric's results."""

    overall: bool  # the province's reviewers and national viewers: everything, at any time
    oversees: bool  # may publish
    own: frozenset[int]  # the user's own agencies (with their merged predecessors)
    drafts: frozenset[int]  # agencies whose draft self-assessments the user may read
    published: bool

    @property
    def full_table(self) -> bool:
        return self.overall or self.published

    def sees_official(self, row: ResultRow) -> bool:
        return self.overall or row.finalized

    def sees_self(self, agency_id: int, status: str | None) -> bool:
        if status is None:
            return False
        if agency_id in self.drafts:
            return status in SHOWN_SELF_STATUSES["drafts"]
        return status in SHOWN_SELF_STATUSES["overseer" if self.oversees else "reader"]

    def sees_breakdown(self, agency_id: int) -> bool:
        return self.overall or agency_id in self.own


def _rubric_or_404(user, pk: int) -> Rubric:
    """A rubric of a province the user sees; drafts only for the province's reviewers."""
    rubric = get_object_or_404(
        Rubric.objects.select_related("province").filter(province__in=provinces_seen(user)), pk=pk
    )
    if not rubric.is_published and not can_in_province(user, Action.OVERSEE, rubric.province_id):
        raise Http404
    return rubric


def _reader(user, rubric: Rubric) -> Reader:
    grants = grants_for(user)
    return Reader(
        overall=can_in_province(user, Action.VIEW, rubric.province_id),
        oversees=can_in_province(user, Action.OVERSEE, rubric.province_id),
        own=frozenset(grants.agency_ids.get(Action.VIEW, frozenset()) | grants.predecessor_ids),
        drafts=frozenset(grants.agency_ids.get(Action.VIEW_DRAFTS, frozenset())),
        published=rubric.results_published,
    )


def _filters(request) -> dict[str, str]:
    filters = {key: request.GET.get(key, "").strip() for key in ("level", "band", "q", "sort")}
    if filters["level"] not in Agency.Level.values:
        filters["level"] = ""
    if filters["sort"] not in SORTS:
        filters["sort"] = "rank"
    return filters


def _visible_rows(results: Results, reader: Reader, filters: dict[str, str]) -> list[ResultRow]:
    """The rows this reader may see, filtered and sorted; every row of the table (the bottom's too) is
    marked with what of it the reader may see."""
    for row in results.rows:
        row.shown_rank = results.rank_of(row) if reader.full_table else None
        row.official_visible = reader.sees_official(row)
        row.self_visible = reader.sees_self(row.agency.pk, row.self_status)
        row.breakdown_visible = reader.sees_breakdown(row.agency.pk)
        row.is_own = row.agency.pk in reader.own
    rows = results.rows if reader.full_table else [row for row in results.rows if row.is_own]
    if filters["band"].isdigit():
        band_pk = int(filters["band"])
        rows = [
            row for row in rows if row.official_visible and row.band is not None and row.band.pk == band_pk
        ]
    if folded := fold(filters["q"]):
        rows = [row for row in rows if folded in row.agency.search_text]
    if filters["sort"] == "agency":
        rows = sorted(rows, key=lambda row: (fold(row.agency.name), row.agency.pk))
    elif filters["sort"] in ("change", "-change"):
        known = [row for row in rows if row.change is not None and row.official_visible]
        known.sort(key=lambda row: row.change, reverse=filters["sort"] == "-change")
        rows = known + [row for row in rows if row.change is None or not row.official_visible]
    return rows


@require_GET
def results_index(request):
    """The published rubrics of the provinces the user sees, newest first, with their results' state."""
    rubrics = (
        Rubric.objects.filter(province__in=provinces_seen(request.user), status=Rubric.Status.PUBLISHED)
        .select_related("province")
        .annotate(
            assessed=Count("assessments", filter=Q(assessments__kind=Assessment.Kind.OFFICIAL)),
            finalized=Count(
                "assessments",
                filter=Q(
                    assessments__kind=Assessment.Kind.OFFICIAL,
                    assessments__status=Assessment.Status.FINALIZED,
                ),
            ),
        )
        .order_by("-year", "province__name", "name", "pk")
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("year", "q")}
    if filters["year"].isdigit():
        rubrics = rubrics.filter(year=int(filters["year"]))
    if filters["q"]:
        rubrics = [
            rubric for rubric in rubrics if fold(filters["q"]) in fold(f"{rubric.name} {rubric.province}")
        ]
    page = Paginator(rubrics, INDEX_PAGE_SIZE).get_page(request.GET.get("page"))
    for rubric in page:
        rubric.overall = can_in_province(request.user, Action.VIEW, rubric.province_id)
    params = request.GET.copy()
    params.pop("page", None)
    years = (
        Rubric.objects.filter(province__in=provinces_seen(request.user), status=Rubric.Status.PUBLISHED)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return render(
        request,
        "scoring/results_index.html",
        {"page_obj": page, "filters": filters, "query": params.urlencode(), "years": list(years)},
    )


@require_GET
def results(request, rubric_pk: int):
    rubric = _rubric_or_404(request.user, rubric_pk)
    reader = _reader(request.user, rubric)
    filters = _filters(request)
    level = filters["level"] if reader.full_table else ""
    table = rubric_results(rubric, level=level or None)
    rows = _visible_rows(table, reader, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "scoring/results.html",
        {
            "rubric": rubric,
            "table": table,
            "page_obj": page,
            "filters": filters,
            "query": params.urlencode(),
            "reader": reader,
            "levels": Agency.Level.choices,
            "level_label": Agency.Level(level).label if level else "",
            "bands": [share.band for share in table.bands],
            "shown": len(rows),
        },
    )


@require_GET
def results_export(request, rubric_pk: int):
    rubric = _rubric_or_404(request.user, rubric_pk)
    reader = _reader(request.user, rubric)
    filters = _filters(request)
    level = filters["level"] if reader.full_table else ""
    table = rubric_results(rubric, level=level or None)
    rows = _visible_rows(table, reader, filters)
    headers = [
        _("Rank within the level") if level else _("Rank"),
        _("Rank in the province"),
        _("Agency code"),
        _("Agency"),
        _("Level"),
        _("Band"),
        _("Official total"),
        _("Official assessment status"),
        _("Self-assessment total"),
        _("Self-assessment status"),
        _("Previous year"),
        _("Change"),
    ]

    def line(row: ResultRow) -> list:
        official = row.official_visible
        return [
            row.shown_rank,
            row.rank if reader.full_table else None,
            row.agency.code,
            row.agency.name,
            row.agency.get_level_display(),
            row.band.label if official and row.band else "",
            row.total if official else None,
            str(Assessment.Status(row.status).label),
            row.self_total if row.self_visible else None,
            str(Assessment.Status(row.self_status).label) if row.self_status else "",
            row.previous_total if official else None,
            row.change if official else None,
        ]

    response = HttpResponse(
        write_table(_("Results"), headers, (line(row) for row in rows)), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="results-{rubric.year}-{rubric.pk}.xlsx"'
    return response


@require_POST
def results_publish(request, rubric_pk: int):
    rubric = _rubric_or_404(request.user, rubric_pk)
    if not can_in_province(request.user, Action.OVERSEE, rubric.province_id):
        raise PermissionDenied
    try:
        publication = publish_results(rubric, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        (messages.info if publication.already_published else messages.success)(request, publication.message)
    return redirect("scoring:results", rubric_pk=rubric.pk)


@require_GET
def breakdown(request, rubric_pk: int, agency_pk: int):
    """One agency's criteria, self against official: its own users always, the province's reviewers and
    national viewers always; everyone else 404."""
    rubric = _rubric_or_404(request.user, rubric_pk)
    reader = _reader(request.user, rubric)
    agency = get_object_or_404(
        agencies_for(request.user, Action.VIEW).filter(province_id=rubric.province_id), pk=agency_pk
    )
    statuses = dict(Assessment.objects.filter(rubric=rubric, agency=agency).values_list("kind", "status"))
    official_status = statuses.get(Assessment.Kind.OFFICIAL)
    sees_official = official_status is not None and (
        reader.overall or official_status == Assessment.Status.FINALIZED
    )
    sees_self = reader.sees_self(agency.pk, statuses.get(Assessment.Kind.SELF))
    detail = agency_breakdown(rubric, agency, self_points=sees_self, official=sees_official)
    return render(
        request,
        "scoring/breakdown.html",
        {"rubric": rubric, "agency": agency, "breakdown": detail, "reader": reader},
    )


urlpatterns = [
    path("results/", results_index, name="results_index"),
    path("results/<int:rubric_pk>/", results, name="results"),
    path("results/<int:rubric_pk>/export.xlsx", results_export, name="results_export"),
    path("results/<int:rubric_pk>/publish/", results_publish, name="results_publish"),
    path("results/<int:rubric_pk>/agency/<int:agency_pk>/", breakdown, name="agency_breakdown"),
]
