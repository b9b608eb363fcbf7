"""What three kinds of report print (DESIGN §5): the agency compliance report, the minutes of a provincial
inspection and the agency's declaration of conformity. Each `gather_*` turns a Report into its template's
context — every figure read through the aggregate functions the pages and dashboards use, in a number of
queries that does not grow with the data — and each `*_filename` names the PDF. Registered in
ScoringConfig.ready(); the pipeline (scoring.tasks) renders and stores them."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agencies.models import Agency, Membership, QmsStatus, Role, StatusChange
from audits.models import Action, Activity, Audit, ChecklistLine, Finding, ManagementReview
from audits.summary import AuditSummary, audit_summaries
from audits.views.audits import audit_pdf_context
from procedures.legal_selectors import open_flags
from procedures.models import AgencyProcedure, Process, ProcessRevision, QualityObjective
from procedures.quality_selectors import ObjectivesCount, objectives_summary, policy_approved
from procedures.selectors import AgencySummary, agency_summaries
from procedures.statistics import Rate, ontime_total
from procedures.views.pdf import ascii_filename
from qms_portal.pdf import official_date, province_place, provincial_committee

from . import rules
from .models import Assessment, Band, Report, Rubric
from .results import agency_breakdown, rubric_results
from .svg import Bar, bar_chart

UNCOVERED_SHOWN = 50  # procedures without a process in force listed by name; the rest are counted


# --- shared pieces -------------------------------------------------------------------------------------


def report_period(report: Report) -> tuple[date, date]:
    """The report's first and last day: its quarter's, or the whole year's."""
    if report.quarter:
        first_month = 3 * (report.quarter - 1) + 1
        last_month = first_month + 2
        last_day = calendar.monthrange(report.year, last_month)[1]
        return date(report.year, first_month, 1), date(report.year, last_month, last_day)
    return date(report.year, 1, 1), date(report.year, 12, 31)


def period_name(report: Report) -> str:
    if report.quarter:
        return _("quarter %(quarter)s of %(year)s") % {"quarter": report.quarter, "year": report.year}
    return _("the year %(year)s") % {"year": report.year}


def person(user) -> str:
    """Family name first, as Vietnamese names are written."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.username


def head_of(agency: Agency) -> str:
    """The name printed under the head's signature: the agency's leader when it has exactly one in the
    portal; blank (signed by hand) otherwise. One query."""
    leaders = list(
        Membership.objects.filter(agency=agency, role=Role.AGENCY_LEADER).select_related("user")[:2]
    )
    return person(leaders[0].user) if len(leaders) == 1 else ""


def parent_line(agency: Agency, on: date) -> str:
    """The line above the issuing agency in the header: its parent while operating, else the province's
    People's Committee (`agency.parent` must be loaded)."""
    parent = agency.parent
    if parent is not None and parent.is_operating(on=on):
        return parent.name
    return provincial_committee(agency.province.name)


def _agency(pk: int) -> Agency:
    return Agency.objects.select_related("province", "parent").get(pk=pk)


def _percent(share: float | Decimal | None) -> Decimal | None:
    return None if share is None else (Decimal(str(share)) * 100).quantize(Decimal("0.1"))


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def _quarters(year: int) -> list[tuple[int, date, date]]:
    quarters = []
    for quarter in range(1, 5):
        first_month = 3 * (quarter - 1) + 1
        last_day = calendar.monthrange(year, first_month + 2)[1]
        quarters.append((quarter, date(year, first_month, 1), date(year, first_month + 2, last_day)))
    return quarters


# --- 1. the agency compliance report ----------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    label: str
    rate: Rate

    @property
    def of_received(self) -> Decimal | None:
        return _percent(self.rate.of_received)

    @property
    def of_processed(self) -> Decimal | None:
        return _percent(self.rate.of_processed)


@dataclass
class Scores:
    """The year's published rubric as the report may print it: points of finalized assessments only
    (what every reader of the agency's reports may see), rank once the results are published."""

    rubric: Rubric
    breakdown: object  # scoring.results.Breakdown
    self_status: str | None
    official_status: str | None
    total: Decimal | None = None  # official, finalized
    self_total: Decimal | None = None  # finalized
    band: Band | None = None
    rank: int | None = None
    level_rank: int | None = None
    ranked: int = 0
    level_ranked: int = 0
    chart: str = ""

    @property
    def shows_self(self) -> bool:
        return self.breakdown.shows_self

    @property
    def shows_official(self) -> bool:
        return self.breakdown.shows_official


def gather_agency_compliance(report: Report) -> dict:
    """The agency's QMS in the report's period: status and declaration, coverage, processes revised and
    flagged, objectives, audits and nonconformities, management reviews, meetings and trainings, the
    one-stop on-time rate and the year's scores. Some thirty-five queries whatever the agency's size."""
    agency = _agency(report.agency_id)
    today = timezone.localdate()
    start, end = report_period(report)
    as_of = min(end, today)
    single = Agency.objects.filter(pk=agency.pk)

    # QMS status at the end of the period, the declaration then in force, the changes of the period.
    changes = list(
        StatusChange.objects.filter(agency=agency, changed_on__lte=end).order_by("-changed_on", "-pk")
    )
    status = changes[0] if changes else None
    declaration = next((change for change in changes if change.is_declaration), None)
    changes_in_period = [change for change in changes if change.changed_on >= start]
    changes_in_period.reverse()

    # Coverage and review flags: the figures of the agency page and the scoring metrics.
    summary = agency_summaries(single, on=as_of).get(agency.pk, AgencySummary())
    in_force_process = Process.objects.filter(
        agency_id=OuterRef("agency_id"),
        procedure_id=OuterRef("procedure_id"),
        revisions__status=ProcessRevision.Status.IN_FORCE,
    )
    uncovered = list(
        AgencyProcedure.objects.filter(agency=agency)
        .exclude(Exists(in_force_process))
        .select_related("procedure")
        .order_by("procedure__code")[:UNCOVERED_SHOWN]
    )
    revised = list(
        ProcessRevision.objects.filter(
            process__agency=agency,
            in_force_at__gte=_day_start(start),
            in_force_at__lt=_day_start(end + timedelta(days=1)),
        )
        .select_related("process")
        .order_by("in_force_at", "pk")
    )
    flags = list(open_flags(Process.objects.filter(agency=agency)))
    for flag in flags:
        flag.overdue = flag.is_overdue(today)

    # Quality policy and objectives of the year.
    objectives = list(QualityObjective.objects.filter(agency=agency, year=report.year).order_by("pk"))
    objectives_count = objectives_summary([agency], report.year).get(agency.pk, ObjectivesCount(0, 0))
    policy_is_approved = agency.pk in policy_approved([agency], report.year)

    # Audits of the period; the year's figures; nonconformities by status and those still open.
    audits = list(
        Audit.objects.filter(agency=agency)
        .filter(
            Q(planned_start__gte=start, planned_start__lte=end)
            | Q(actual_start__gte=start, actual_start__lte=end)
            | Q(actual_end__gte=start, actual_end__lte=end)
        )
        .annotate(
            finding_count=Count("findings", distinct=True),
            nonconformity_count=Count(
                "findings", filter=Q(findings__grade__in=Finding.NONCONFORMITIES), distinct=True
            ),
        )
        .order_by("planned_start", "pk")
    )
    year_figures = audit_summaries([agency], report.year, today=today).get(agency.pk, AuditSummary())
    nonconformity = Q(agency=agency, source=Action.Source.NONCONFORMITY)
    by_status = dict(
        Action.objects.filter(nonconformity, created_at__lt=_day_start(end + timedelta(days=1)))
        .values("status")
        .annotate(total=Count("pk"))
        .order_by()
        .values_list("status", "total")
    )
    action_statuses = [(label, by_status.get(value, 0)) for value, label in Action.Status.choices]
    open_ncs = list(
        Action.objects.filter(nonconformity)
        .exclude(status=Action.Status.CLOSED)
        .select_related("finding__audit", "finding__clause", "owner")
        .order_by("due_date", "pk")
    )
    for action in open_ncs:
        action.overdue = action.is_overdue(today)
        action.owner_name = person(action.owner)

    reviews = list(
        ManagementReview.objects.filter(agency=agency, held_on__gte=start, held_on__lte=end)
        .select_related("chair")
        .annotate(decision_count=Count("decisions"))
        .order_by("held_on", "pk")
    )
    for review in reviews:
        review.chair_name = person(review.chair)
    activities = list(
        Activity.objects.filter(agency=agency, held_on__gte=start, held_on__lte=end).order_by("held_on", "pk")
    )

    # One-stop dossiers: the period, and each quarter of the year for the chart (future quarters empty).
    # The period's figures add its quarters up, so the table's total row is the sum of its lines.
    quarter_rates = []
    for quarter, first, last in _quarters(report.year):
        rate = ontime_total(single, start=first, end=last) if first <= today else Rate()
        quarter_rates.append(RateLine(_("Quarter %(quarter)s") % {"quarter": quarter}, rate))
    in_period = quarter_rates[report.quarter - 1 : report.quarter] if report.quarter else quarter_rates
    period_rate = RateLine(period_name(report), sum((line.rate for line in in_period), Rate()))
    ontime_chart = ""
    if any(line.rate.received for line in quarter_rates):
        ontime_chart = bar_chart(
            [Bar(line.label, line.of_received) for line in quarter_rates],
            title=_("Dossiers resolved early or on time, of those received, per quarter of %(year)s")
            % {"year": report.year},
        )

    place = province_place(agency.province.name)
    return {
        "report": report,
        "agency": agency,
        "province": agency.province,
        "year": report.year,
        "period_name": period_name(report),
        "period_start": start,
        "period_end": end,
        "as_of": as_of,
        "today": today,
        "parent_agency": parent_line(agency, today),
        "issuing_agency": agency.name,
        "document_number": "…/BC",
        "place_date": official_date(place, today),
        "status": status,
        "declaration": declaration,
        "status_changes": changes_in_period,
        "summary": summary,
        "coverage_percent": _percent(summary.coverage),
        "uncovered": uncovered,
        "uncovered_more": max(summary.handled - summary.in_force - len(uncovered), 0),
        "revised": revised,
        "flags": flags,
        "policy_approved": policy_is_approved,
        "objectives": objectives,
        "objectives_count": objectives_count,
        "audits": audits,
        "year_figures": year_figures,
        "action_statuses": action_statuses,
        "actions_total": sum(by_status.values()),
        "open_ncs": open_ncs,
        "open_ncs_overdue": sum(1 for action in open_ncs if action.overdue),
        "reviews": reviews,
        "meetings": [activity for activity in activities if activity.kind == Activity.Kind.MEETING],
        "trainings": [activity for activity in activities if activity.kind == Activity.Kind.TRAINING],
        "period_rate": period_rate,
        "quarter_rates": quarter_rates,
        "ontime_chart": ontime_chart,
        "scores": _scores(agency, report.year),
        "head_name": head_of(agency),
        "recipients": [
            _("The provincial ISO steering committee;"),
            _("The Department of Science and Technology;"),
        ],
    }


def _year_rubric(agency: Agency, year: int) -> Rubric | None:
    """The province's published rubric of the year: the one whose results came out last, else the one
    published last."""
    return (
        Rubric.objects.filter(province_id=agency.province_id, year=year, status=Rubric.Status.PUBLISHED)
        .order_by(F("results_published_at").desc(nulls_last=True), "-published_at", "-pk")
        .first()
    )


def _scores(agency: Agency, year: int) -> Scores | None:
    rubric = _year_rubric(agency, year)
    if rubric is None:
        return None
    assessments = {
        assessment.kind: assessment for assessment in Assessment.objects.filter(rubric=rubric, agency=agency)
    }
    own = assessments.get(Assessment.Kind.SELF)
    official = assessments.get(Assessment.Kind.OFFICIAL)
    finalized = Assessment.Status.FINALIZED
    self_shown = own is not None and own.status == finalized
    official_shown = official is not None and official.status == finalized
    breakdown = agency_breakdown(rubric, agency, self_points=self_shown, official=official_shown)
    scores = Scores(
        rubric=rubric,
        breakdown=breakdown,
        self_status=own.get_status_display() if own else None,
        official_status=official.get_status_display() if official else None,
        self_total=own.total if self_shown else None,
        total=official.total if official_shown else None,
    )
    if official_shown:
        if rubric.results_published:
            results = rubric_results(rubric)
            row = next((row for row in results.rows if row.agency.pk == agency.pk), None)
            if row is not None:
                scores.band = row.band
                scores.rank = row.rank
                scores.level_rank = row.level_rank
                scores.ranked = len(results.rows)
                scores.level_ranked = sum(1 for other in results.rows if other.level == row.level)
        else:
            scores.band = rules.band_for(official.total, Band.objects.filter(rubric=rubric))
    if official_shown or self_shown:
        scores.chart = bar_chart(
            [
                Bar(
                    f"{group.group.code}. {group.group.title}",
                    _share_of(
                        group.official_points if official_shown else group.self_points, group.max_points
                    ),
                    text=_points_text(
                        group.official_points if official_shown else group.self_points, group.max_points
                    ),
                )
                for group in breakdown.groups
            ],
            title=(
                _("Official points per criterion group, as a share of its maximum")
                if official_shown
                else _("Self-assessed points per criterion group, as a share of its maximum")
            ),
        )
    return scores


def _points_text(points: Decimal, maximum: Decimal) -> str:
    return f"{number_format(points, 2)}/{number_format(maximum, 2)}"


def _share_of(points: Decimal, maximum: Decimal) -> Decimal | None:
    return points / maximum * 100 if maximum else None


def agency_compliance_filename(report: Report) -> str:
    return f"{ascii_filename(f'bao-cao-htqlcl-{report.agency.code}-{report.period_label}')}.pdf"


# --- 2. inspection minutes ---------------------------------------------------------------------------------


CORRECTIVE_REPORT_MONTHS = 2  # Circular 26/2014: the inspected agency reports its corrections within 2 months


def gather_inspection_minutes(report: Report) -> dict:
    """The minutes (Mẫu 21 BBKT) of one provincial inspection: the audit report's context (scope, team,
    checklist, findings with their actions) with the checklist tally, the corrections required and their
    deadlines, and both signatures. Seven queries whatever the number of lines and findings."""
    audit = Audit.objects.select_related(
        "agency__province", "agency__parent", "plan", "programme", "lead_auditor"
    ).get(pk=report.audit_id)
    if audit.kind != Audit.Kind.INSPECTION:
        raise ValueError(_("Inspection minutes are produced for provincial inspections only."))
    context = audit_pdf_context(audit)
    tally = {value: 0 for value in ChecklistLine.Result.values}
    for line in context["lines"]:
        tally[line.result] += 1
    findings = context["findings"]
    for finding in findings:
        # A finding without an action has none cached (select_related): getattr answers None, no query.
        action = getattr(finding, "action", None)
        finding.required_action = action
        finding.owner_name = person(action.owner) if action else ""
    report_due = _months_after(audit.actual_end, CORRECTIVE_REPORT_MONTHS) if audit.actual_end else None
    context.update(
        {
            "report": report,
            "document_number": "…/BB-KT",
            "checklist_tally": [(label, tally[value]) for value, label in ChecklistLine.Result.choices],
            "nonconformities": sum(1 for finding in findings if finding.is_nonconformity),
            "corrective_report_due": report_due,
            "agency_head": head_of(audit.agency),
        }
    )
    return context


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def inspection_minutes_filename(report: Report) -> str:
    audit = report.audit
    year = audit.plan.year if audit.plan else audit.planned_start.year
    return f"{ascii_filename(f'bien-ban-kiem-tra-{audit.agency.code}-{year}-{audit.pk}')}.pdf"


# --- 3. the declaration of conformity ---------------------------------------------------------------------


def gather_declaration(report: Report) -> dict:
    """The agency's declaration of conformity (công bố HTQLCL phù hợp TCVN ISO 9001) as recorded: its
    latest declaration or re-declaration. Raises ValueError when none is recorded. Three queries."""
    agency = _agency(report.agency_id)
    declaration = (
        StatusChange.objects.filter(agency=agency, status__in=QmsStatus.declarations())
        .order_by("-changed_on", "-pk")
        .first()
    )
    if declaration is None:
        raise ValueError(
            _(
                "%(agency)s has no recorded declaration of conformity: record the declaration (decision "
                "number and date, ISO version, scope) in its QMS status first."
            )
            % {"agency": agency.name}
        )
    place = province_place(agency.province.name)
    return {
        "report": report,
        "agency": agency,
        "province": agency.province,
        "declaration": declaration,
        "standard": declaration.get_iso_version_display(),
        "redeclared": declaration.status == QmsStatus.REDECLARED,
        "scope_lines": [line.strip() for line in declaration.scope.splitlines() if line.strip()],
        "parent_agency": parent_line(agency, declaration.decision_date),
        "issuing_agency": agency.name,
        "document_number": declaration.decision_number,
        "place_date": official_date(place, declaration.decision_date),
        "head_name": head_of(agency),
        "recipients": [
            _("The Department of Science and Technology (to report);"),
            _("The provincial ISO steering committee;"),
            _("Posted at the office and on the agency's website;"),
        ],
    }


def declaration_filename(report: Report) -> str:
    return f"{ascii_filename(f'cong-bo-htqlcl-{report.agency.code}')}.pdf"
