"""The provincial summary (DESIGN §5; quarterly, and annual — the annual one goes to the ministry in
December): status by level, targets, coverage, audits, nonconformities, scoring distribution and ranking,
agencies needing attention. Every figure comes from scoring.dashboard.dashboard_figures, so the report
prints what the dashboard shows on the period's last day."""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Province
from qms_portal.pdf import official_date, province_place, provincial_committee

from .dashboard import Dashboard, dashboard_figures
from .models import Report
from .svg import Bar, bar_chart

TEMPLATE = "scoring/reports/province_summary.html"
ATTENTION_LIMIT = 10


def period_end(year: int, quarter: int | None) -> date:
    """The last day of the quarter, or of the year when `quarter` is None."""
    if not quarter:
        return date(year, 12, 31)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, quarter * 3 + 1, 1)
    return following - timedelta(days=1)


def period_start(year: int, quarter: int | None) -> date:
    return date(year, 1, 1) if not quarter else date(year, (quarter - 1) * 3 + 1, 1)


def _charts(board: Dashboard) -> dict:
    charts = {}
    if board.levels:
        charts["status"] = bar_chart(
            [
                Bar(
                    label=str(row.label),
                    value=row.applying.share,
                    text=f"{row.applying.count}/{row.total.count}",
                )
                for row in board.levels
            ],
            title=_("Agencies applying the QMS, by level"),
        )
    if board.targets:
        charts["targets"] = bar_chart(
            [
                Bar(label=str(item.progress.target.get_measure_display()), value=item.progress.value)
                for item in board.targets
            ],
            title=_("Targets: where each measure stands"),
            decimals=2,
        )
    scores = board.scores
    if scores and scores.ranked.count:
        charts["bands"] = bar_chart(
            [Bar(label=band.label, value=band.figure.share) for band in scores.bands],
            title=_("Distribution by band"),
            decimals=2,
        )
    if scores and any(entry.ranked for entry in scores.trend):
        charts["trend"] = bar_chart(
            [Bar(label=str(entry.year), value=entry.average) for entry in scores.trend],
            unit="",
            title=_("Average official total per year"),
            decimals=2,
        )
    return charts


def _attention(board: Dashboard) -> list[dict]:
    """Agencies at the bottom of the table or with overdue nonconformities, most overdue first."""
    entries: dict[int, dict] = {}
    for row in board.scores.bottom if board.scores else []:
        entries.setdefault(row.agency.pk, {"agency": row.agency, "reasons": []})["reasons"].append(
            _("bottom of the table (%(total)s points)") % {"total": row.total}
        )
    for row in board.ncs.top if board.ncs else []:
        if row.overdue:
            entries.setdefault(row.agency.pk, {"agency": row.agency, "reasons": []})["reasons"].append(
                _("%(count)s overdue nonconformities") % {"count": row.overdue}
            )
    ordered = sorted(
        entries.values(),
        key=lambda entry: (-len(entry["reasons"]), entry["agency"].name, entry["agency"].pk),
    )
    return ordered[:ATTENTION_LIMIT]


def gather(report: Report) -> dict:
    """The report's context: the dashboard of the report's province as of the period's last day (or
    today, while the period runs); published results only."""
    province = report.province
    today = timezone.localdate()
    as_of = min(period_end(report.year, report.quarter), today)
    board = dashboard_figures(
        provinces=Province.objects.filter(pk=province.pk), year=report.year, today=as_of
    )
    if report.quarter:
        period = _("quarter %(quarter)s of %(year)s") % {"quarter": report.quarter, "year": report.year}
    else:
        period = _("the year %(year)s") % {"year": report.year}
    recipients = [_("The provincial People's Committee;"), _("Members of the steering committee;")]
    if not report.quarter:
        recipients.insert(0, _("The Ministry of Science and Technology;"))
    return {
        "report": report,
        "province": province,
        "board": board,
        "period": period,
        "period_start": period_start(report.year, report.quarter),
        "period_end": period_end(report.year, report.quarter),
        "charts": _charts(board),
        "attention": _attention(board),
        "parent_agency": provincial_committee(province.name),
        "issuing_agency": _("ISO steering committee"),
        "place_date": official_date(province_place(province.name), today),
        "recipients": recipients,
    }


def filename(report: Report) -> str:
    return f"province-summary-{report.province.code}-{report.period_label}.pdf"
