"""One place computes an agency's audit and improvement figures for a year; the agency page, the scoring
metrics and the dashboards all call `audit_summaries`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from agencies.access import Action as Can
from agencies.access import can
from agencies.models import Agency

from .models import Action, Activity, Audit, Finding, ManagementReview


@dataclass(frozen=True)
class AuditSummary:
    """What an agency did for its QMS in a year (DESIGN §2 audits; rubric evidence)."""

    internal_audit_held: bool = False
    management_review_held: bool = False
    inspections: int = 0
    inspection_findings_open: int = 0
    ncs_opened: int = 0
    ncs_closed: int = 0
    ncs_closed_on_time: int = 0
    ncs_overdue: int = 0
    meetings: int = 0
    trainings: int = 0
    # Due in the year up to the reference date, and of those done by their due date (local calendar date):
    ncs_due: int = 0  # nonconformity actions; done = closed
    ncs_due_closed_on_time: int = 0
    inspection_actions_due: int = 0  # nonconformity actions after the year's inspections; done = implemented
    inspection_actions_on_time: int = 0
    review_decisions_due: int = 0  # management review decisions; done = implemented
    review_decisions_on_time: int = 0

    @property
    def ncs_on_time_share(self) -> float | None:
        """Share of the nonconformities closed in the year that were closed by their due date."""
        return self.ncs_closed_on_time / self.ncs_closed if self.ncs_closed else None


def audit_summaries(
    agencies: QuerySet[Agency] | Iterable[Agency | int], year: int, *, today: date | None = None
) -> dict[int, AuditSummary]:
    """The year's figures of every agency given, zeros for an agency with nothing — five grouped queries
    whatever the number of agencies. "Held" counts what happened up to the reference date: the year's last
    day, or `today` while the year runs (so a figure measured on 1 January counts nothing yet):

    - internal_audit_held: an internal audit reported or closed whose actual end falls in the year;
    - management_review_held: a finalized management review held in the year;
    - inspections: provincial inspections of the year's inspection plan;
    - inspection_findings_open: findings of those inspections still open (their action is not closed, or a
      nonconformity has no action yet);
    - ncs_opened / ncs_closed: nonconformity actions created / closed in the year; ncs_closed_on_time:
      closed on or before their due date (local calendar date);
    - ncs_overdue: as of the year's last day (today for the current year), nonconformity actions created by
      then, past due and not implemented by then;
    - meetings, trainings: steering committee meetings and training sessions held in the year;
    - ncs_due / ncs_due_closed_on_time: nonconformity actions due between 1 January and the reference
      date, and those closed on or before their due date;
    - inspection_actions_due / inspection_actions_on_time: nonconformity actions raised on findings of the
      year's inspections due by the reference date, and those implemented on or before their due date;
    - review_decisions_due / review_decisions_on_time: management review decisions due between 1 January
      and the reference date, and those implemented on or before their due date.
    """
    if not isinstance(agencies, QuerySet):
        agencies = [agency.pk if isinstance(agency, Agency) else agency for agency in agencies]
    today = today or timezone.localdate()
    first, last = date(year, 1, 1), date(year, 12, 31)
    as_of = min(today, last)
    tz = timezone.get_current_timezone()
    starts, ends = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)

    # 1. The agencies themselves, with the year's activities joined (no other year multiplies the rows).
    rows = (
        Agency.objects.filter(pk__in=agencies)
        .annotate(
            year_activities=FilteredRelation(
                "qms_activities",
                condition=Q(qms_activities__held_on__gte=first, qms_activities__held_on__lte=as_of),
            )
        )
        .values("pk")
        .annotate(
            meetings=Count("year_activities", filter=Q(year_activities__kind=Activity.Kind.MEETING)),
            trainings=Count("year_activities", filter=Q(year_activities__kind=Activity.Kind.TRAINING)),
        )
        .order_by()
    )
    figures: dict[int, dict] = {
        row["pk"]: {"meetings": row["meetings"], "trainings": row["trainings"]} for row in rows
    }
    if not figures:
        return {}
    mine = Q(agency__in=agencies)

    # 2. Audits: internal audits held, inspections of the year's plan.
    audits = (
        Audit.objects.filter(mine)
        .filter(
            Q(kind=Audit.Kind.INTERNAL, actual_end__gte=first, actual_end__lte=as_of)
            | Q(kind=Audit.Kind.INSPECTION, plan__year=year)
        )
        .values("agency_id")
        .annotate(
            internal=Count(
                "pk",
                filter=Q(kind=Audit.Kind.INTERNAL, status__in=[Audit.Status.REPORTED, Audit.Status.CLOSED]),
            ),
            inspections=Count("pk", filter=Q(kind=Audit.Kind.INSPECTION)),
        )
        .order_by()
    )
    for row in audits:
        figures[row["agency_id"]].update(
            internal_audit_held=row["internal"] > 0, inspections=row["inspections"]
        )

    # 3. Findings of the year's inspections still open.
    not_closed = [status for status in Action.Status if status != Action.Status.CLOSED]
    still_open = Q(action__status__in=not_closed) | Q(action__isnull=True, grade__in=Finding.NONCONFORMITIES)
    findings = (
        Finding.objects.filter(
            audit__agency__in=agencies, audit__kind=Audit.Kind.INSPECTION, audit__plan__year=year
        )
        .values("audit__agency_id")
        .annotate(open=Count("pk", filter=still_open))
        .order_by()
    )
    for row in findings:
        figures[row["audit__agency_id"]]["inspection_findings_open"] = row["open"]

    # 4. Actions. Nonconformities: opened, closed (on time), overdue at the reference date, due by then;
    # those after the year's inspections; management review decisions due by then.
    nonconformity = Q(source=Action.Source.NONCONFORMITY)
    closed_in_year = nonconformity & Q(closed_at__gte=starts, closed_at__lt=ends)
    not_implemented_then = Q(status__in=Action.NOT_IMPLEMENTED) | Q(implemented_at__date__gt=as_of)
    due_in_year = Q(due_date__gte=first, due_date__lte=as_of)
    implemented_on_time = Q(implemented_at__date__lte=F("due_date"))
    after_inspection = (
        nonconformity
        & Q(finding__audit__kind=Audit.Kind.INSPECTION, finding__audit__plan__year=year)
        & Q(due_date__lte=as_of)
    )
    decision_due = Q(source=Action.Source.REVIEW_DECISION) & due_in_year
    actions = (
        Action.objects.filter(mine)
        .values("agency_id")
        .annotate(
            opened=Count("pk", filter=nonconformity & Q(created_at__gte=starts, created_at__lt=ends)),
            closed=Count("pk", filter=closed_in_year),
            closed_on_time=Count("pk", filter=closed_in_year & Q(closed_at__date__lte=F("due_date"))),
            overdue=Count(
                "pk",
                filter=nonconformity
                & Q(created_at__date__lte=as_of, due_date__lt=as_of)
                & not_implemented_then,
            ),
            due=Count("pk", filter=nonconformity & due_in_year),
            due_closed_on_time=Count(
                "pk", filter=nonconformity & due_in_year & Q(closed_at__date__lte=F("due_date"))
            ),
            inspection_due=Count("pk", filter=after_inspection),
            inspection_on_time=Count("pk", filter=after_inspection & implemented_on_time),
            decisions_due=Count("pk", filter=decision_due),
            decisions_on_time=Count("pk", filter=decision_due & implemented_on_time),
        )
        .order_by()
    )
    for row in actions:
        figures[row["agency_id"]].update(
            ncs_opened=row["opened"],
            ncs_closed=row["closed"],
            ncs_closed_on_time=row["closed_on_time"],
            ncs_overdue=row["overdue"],
            ncs_due=row["due"],
            ncs_due_closed_on_time=row["due_closed_on_time"],
            inspection_actions_due=row["inspection_due"],
            inspection_actions_on_time=row["inspection_on_time"],
            review_decisions_due=row["decisions_due"],
            review_decisions_on_time=row["decisions_on_time"],
        )

    # 5. Finalized management reviews held in the year.
    reviews = (
        ManagementReview.objects.filter(
            mine, status=ManagementReview.Status.FINALIZED, held_on__gte=first, held_on__lte=as_of
        )
        .values("agency_id")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for row in reviews:
        figures[row["agency_id"]]["management_review_held"] = row["total"] > 0

    return {agency_id: AuditSummary(**values) for agency_id, values in figures.items()}


def agency_panel(request, agency: Agency) -> str | None:
    """This year's audit figures on the agency page (registered in AuditsConfig.ready)."""
    if not can(request.user, Can.VIEW, agency):
        return None
    year = timezone.localdate().year
    return render_to_string(
        "audits/panel_agency.html",
        {
            "agency": agency,
            "year": year,
            "summary": audit_summaries([agency], year)[agency.pk],
            "can_edit": can(request.user, Can.EDIT, agency),
        },
        request=request,
    )
