"""The provincial dashboard (reviewers: their province; national viewers: every province, or one) and the
list of agencies behind each of its figures. Agency users have their agency's page instead.

Routes (names in the `scoring` namespace):
- dashboard: dashboard/?year=&level=&province=
- dashboard_agencies: dashboard/agencies/?figure=…&year=&level=&province=&status=&band=&clause=&target=
  (&q=, &page=, &export=xlsx)
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies.access import Action, agencies_for, can_in_province, provinces_for
from agencies.models import Agency, Province, QmsStatus
from qms_portal import freshness
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import fold

from ..dashboard import FILTER_PARAMS, TREND_YEARS, Dashboard, dashboard_figures, target_agencies
from ..models import Target

PAGE_SIZE = 50
FIRST_YEAR = 2000
# Parameters of the drill-down page that are neither filters nor the figure's own.
PAGE_PARAMS = ("page", "export", "q")


@dataclass
class Scope:
    provinces: QuerySet[Province]  # those the figures count
    choices: list[Province]  # those the user may pick from
    selected: Province | None  # the province filter (always set for a reviewer of one province)
    year: int
    level: str
    include_unpublished: bool

    @property
    def base(self) -> dict:
        return {"year": self.year, "level": self.level, "province": self.selected.pk if self.selected else ""}


def _scope(request) -> Scope:
    """The provinces the user oversees or views as a whole, narrowed by the filters; 404 for a province
    outside them; agency users have no dashboard (PermissionDenied, or a redirect decided by the caller)."""
    allowed = provinces_for(request.user, Action.VIEW)
    choices = list(allowed.order_by("name"))
    if not choices:
        raise PermissionDenied
    raw = request.GET.get("province", "").strip()
    selected = None
    if raw:
        if not raw.isdigit():
            raise Http404
        selected = next((province for province in choices if province.pk == int(raw)), None)
        if selected is None:
            raise Http404
    elif len(choices) == 1:
        selected = choices[0]
    today = timezone.localdate()
    year = request.GET.get("year", "").strip()
    year = int(year) if year.isdigit() and FIRST_YEAR <= int(year) <= today.year + 1 else today.year
    level = request.GET.get("level", "").strip()
    if level not in Agency.Level.values:
        level = ""
    provinces = allowed.filter(pk=selected.pk) if selected else allowed
    shown = [selected] if selected else choices
    return Scope(
        provinces=provinces,
        choices=choices,
        selected=selected,
        year=year,
        level=level,
        include_unpublished=all(can_in_province(request.user, Action.OVERSEE, p.pk) for p in shown),
    )


def _figures(scope: Scope) -> Dashboard:
    board = dashboard_figures(
        provinces=scope.provinces,
        year=scope.year,
        level=scope.level,
        include_unpublished=scope.include_unpublished,
    )
    board.base.update(scope.base)
    return board


def _agency_home(request):
    """Agency users have their agency's page, not the dashboard."""
    agency = agencies_for(request.user, Action.VIEW).order_by("name", "pk").first()
    if agency is None:
        raise PermissionDenied
    return redirect(agency.get_absolute_url())


def _years(year: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted({*range(this_year - TREND_YEARS, this_year + 2), year}, reverse=True)


# --- charts ------------------------------------------------------------------------------------------------


def _charts(board: Dashboard) -> dict:
    """Chart.js configurations (data only; static/js/dashboard.js draws them)."""
    charts = {}
    if board.levels:
        charts["status"] = {
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "labels": [row.label for row in board.levels],
            "datasets": [
                {"label": str(label), "data": [row.statuses[index][2].count for row in board.levels]}
                for index, (_status, label) in enumerate(QmsStatus.choices)
            ],
        }
    if board.targets:
        charts["targets"] = {
            "type": "bar",
            "horizontal": True,
            "max": 100,
            "labels": [
                f"{item.progress.target.get_measure_display()}"
                + (f" — {item.progress.target.get_level_display()}" if item.progress.target.level else "")
                for item in board.targets
            ],
            "datasets": [
                {"label": _("Now (%)"), "data": [float(item.progress.value) for item in board.targets]},
                {
                    "label": _("Target (%)"),
                    "data": [float(item.progress.target.value) for item in board.targets],
                },
            ],
        }
    scores = board.scores
    if scores and scores.bands:
        charts["bands"] = {
            "type": "bar",
            "labels": [band.label for band in scores.bands],
            "datasets": [{"label": _("Agencies"), "data": [band.figure.count for band in scores.bands]}],
        }
    if scores and any(entry.ranked for entry in scores.trend):
        charts["trend"] = {
            "type": "line",
            "max": 100,
            "labels": [str(entry.year) for entry in scores.trend],
            "datasets": [
                {
                    "label": _("Average official total"),
                    "data": [
                        float(entry.average) if entry.average is not None else None for entry in scores.trend
                    ],
                }
            ],
        }
        charts["trend_bands"] = {
            "type": "bar",
            "stacked": True,
            "max": 100,
            "labels": [str(entry.year) for entry in scores.trend],
            "datasets": [
                {"label": label, "data": [float(entry.bands.get(label, 0)) for entry in scores.trend]}
                for label in scores.band_labels
            ],
        }
    return charts


def _figures_html(scope: Scope) -> str:
    """The figures part of the page, rendered; the same for everyone who sees these filters."""
    board = _figures(scope)
    trend_rows = []
    if board.scores:
        trend_rows = [
            (entry, [entry.bands.get(label) for label in board.scores.band_labels])
            for entry in board.scores.trend
        ]
    return render_to_string(
        "scoring/_dashboard_figures.html",
        {"board": board, "charts": _charts(board), "trend_rows": trend_rows},
    )


@require_GET
def dashboard(request):
    if not provinces_for(request.user, Action.VIEW).exists():
        return _agency_home(request)
    scope = _scope(request)
    today = timezone.localdate()
    shown = [scope.selected] if scope.selected else scope.choices
    # Everything the figures depend on besides the data, which qms_portal.freshness watches.
    parts = (
        "dashboard",
        tuple(province.pk for province in shown),
        scope.year,
        scope.level,
        scope.include_unpublished,
        today,
        get_language(),
    )
    return render(
        request,
        "scoring/dashboard.html",
        {
            "figures": mark_safe(freshness.remember(parts, lambda: _figures_html(scope))),  # noqa: S308 - our own rendering
            "scope": scope,
            "as_of": min(today, date(scope.year, 12, 31)),
            "levels": Agency.Level.choices,
            "years": _years(scope.year),
            "level_label": Agency.Level(scope.level).label if scope.level else "",
        },
    )


# --- the agencies behind a figure --------------------------------------------------------------------------


def _describe(params: dict[str, str], board: Dashboard, target: Target | None) -> str:
    figure = params.get("figure", "")
    titles = {
        "agencies": _("Agencies"),
        "applying": _("Agencies applying the QMS (applied, declared or re-declared)"),
        "declared": _("Agencies that have declared conformity"),
        "coverage_full": _("Agencies with every procedure covered by a process in force"),
        "coverage_incomplete": _("Agencies with a procedure not covered by a process in force"),
        "coverage_none": _("Agencies that declared no procedure handled"),
        "internal_audit": _("Agencies that held an internal audit"),
        "no_internal_audit": _("Agencies that held no internal audit"),
        "management_review": _("Agencies that held a management review"),
        "no_management_review": _("Agencies that held no management review"),
        "inspected": _("Agencies inspected by the province"),
        "ncs_open": _("Agencies with open nonconformities"),
        "ncs_overdue": _("Agencies with overdue nonconformities"),
        "ranked": _("Agencies scored"),
        "bottom": _("Bottom of the table"),
        "repeat": _("Agencies with a repeat finding"),
    }
    if figure == "status" and params.get("status") in QmsStatus.values:
        return _("QMS status: %(status)s") % {"status": QmsStatus(params["status"]).label}
    if figure == "band":
        return _("Band: %(band)s") % {"band": params.get("band", "")}
    if figure == "clause":
        return _("Nonconformities against clause %(clause)s") % {"clause": params.get("clause", "")}
    if figure == "target" and target is not None:
        return _("Meeting the target: %(measure)s") % {"measure": target.get_measure_display()}
    return str(titles.get(figure, figure))


@dataclass
class AgencyLine:
    agency: Agency
    status: str
    handled: int
    in_force: int
    internal_audit: bool
    management_review: bool
    ncs_open: int
    ncs_overdue: int
    total: object
    band: str

    @property
    def status_label(self) -> str:
        return QmsStatus(self.status).label if self.status in QmsStatus.values else ""


def _lines(board: Dashboard, agencies: list[Agency]) -> list[AgencyLine]:
    lines = []
    for agency in agencies:
        procedures = board.procedure_summaries.get(agency.pk)
        audits = board.audit_summaries.get(agency.pk)
        row = board.result_rows.get(agency.pk)
        shown = board.agencies.get(agency.pk, agency)
        lines.append(
            AgencyLine(
                agency=agency,
                status=getattr(shown, "current_status", None) or QmsStatus.NOT_STARTED,
                handled=procedures.handled if procedures else 0,
                in_force=procedures.in_force if procedures else 0,
                internal_audit=bool(audits and audits.internal_audit_held),
                management_review=bool(audits and audits.management_review_held),
                ncs_open=board.open_ncs.get(agency.pk, 0),
                ncs_overdue=audits.ncs_overdue if audits else 0,
                total=row.total if row else None,
                band=row.band.label if row and row.band else "",
            )
        )
    return lines


@require_GET
def dashboard_agencies(request):
    if not provinces_for(request.user, Action.VIEW).exists():
        raise PermissionDenied
    scope = _scope(request)
    params = [
        (name, request.GET.get(name, "").strip())
        for name in sorted(request.GET)
        if name not in FILTER_PARAMS and name not in PAGE_PARAMS
    ]
    named = dict(params)
    if not named.get("figure"):
        raise Http404
    board = _figures(scope)
    target = None
    if named["figure"] == "target":
        if not named.get("target", "").isdigit():
            raise Http404
        target = get_object_or_404(
            Target.objects.filter(province__in=scope.provinces), pk=int(named["target"])
        )
        ids = target_agencies(target, board.today)
        agencies = list(
            Agency.objects.filter(pk__in=ids)
            .with_current_status()
            .select_related("province")
            .order_by("name", "pk")
        )
    else:
        agencies = board.agencies_behind(params)
        if agencies is None:
            raise Http404
    query = fold(request.GET.get("q", ""))
    if query:
        agencies = [agency for agency in agencies if query in agency.search_text]
    lines = _lines(board, agencies)
    title = _describe(named, board, target)
    if request.GET.get("export") == "xlsx":
        return _export(board, lines, title)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("export", None)
    back = urlencode({name: value for name, value in scope.base.items() if value not in ("", None)})
    return render(
        request,
        "scoring/dashboard_agencies.html",
        {
            "board": board,
            "scope": scope,
            "title": title,
            "page_obj": page,
            "query": keep.urlencode(),
            "search": request.GET.get("q", ""),
            "hidden": [(name, value) for name, value in request.GET.items() if name not in PAGE_PARAMS],
            "back": back,
            "level_label": Agency.Level(scope.level).label if scope.level else "",
            "count": len(lines),
        },
    )


def _export(board: Dashboard, lines: list[AgencyLine], title: str) -> HttpResponse:
    headers = [
        _("Agency code"),
        _("Agency"),
        _("Province"),
        _("Level"),
        _("QMS status"),
        _("Procedures handled"),
        _("Covered by a process in force"),
        _("Internal audit held"),
        _("Management review held"),
        _("Open nonconformities"),
        _("Overdue nonconformities"),
        _("Official total"),
        _("Band"),
    ]
    yes, no = _("yes"), _("no")
    rows = (
        [
            line.agency.code,
            line.agency.name,
            line.agency.province.name,
            line.agency.get_level_display(),
            str(line.status_label),
            line.handled,
            line.in_force,
            yes if line.internal_audit else no,
            yes if line.management_review else no,
            line.ncs_open,
            line.ncs_overdue,
            line.total,
            line.band,
        ]
        for line in lines
    )
    response = HttpResponse(write_table(title[:31], headers, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="dashboard-agencies-{board.year}.xlsx"'
    return response


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/agencies/", dashboard_agencies, name="dashboard_agencies"),
]
