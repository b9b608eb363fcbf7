"""Provincial inspections (kiểm tra, Circular 26/2014 arts. 33–39): the annual plan (Mẫu 19 KHKT), one
inspection per agency with its checklist, the inspection decision (Mẫu 20 QĐKT)."""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from agencies.access import Action as Can
from agencies.access import can_in_province, provinces_for
from agencies.models import Agency, Province

from ..checklists import INSPECTION_CHECKLIST
from ..models import Action, Audit, ChecklistLine, Clause, Finding, InspectionPlan

# The inspected agency reports its corrective actions within 2 months (Circular 26/2014, art. 38).
CORRECTIVE_ACTION_MONTHS = 2
FIRST_YEAR = 2014  # Decision 19/2014/QĐ-TTg


class PlanEntry(NamedTuple):
    """One agency of a plan: how and when it is inspected."""

    agency: Agency
    method: str
    start: date
    end: date


@dataclass(frozen=True)
class OnSiteShare:
    """Every agency is checked on documents and at least one third of them on site (art. 33)."""

    total: int
    on_site: int

    @property
    def required(self) -> int:
        return -(-self.total // 3)

    @property
    def is_short(self) -> bool:
        return self.on_site < self.required

    @property
    def message(self) -> str:
        return ngettext(
            "%(on_site)s of %(total)s on site: at least %(required)s is required.",
            "%(on_site)s of %(total)s on site: at least %(required)s are required.",
            self.required,
        ) % {"on_site": self.on_site, "total": self.total, "required": self.required}


def on_site_share(methods: Iterable[str]) -> OnSiteShare:
    methods = list(methods)
    return OnSiteShare(total=len(methods), on_site=methods.count(Audit.Method.ON_SITE))


def plan_default_title(year: int) -> str:
    return f"Kế hoạch kiểm tra việc áp dụng HTQLCL năm {year}"


def inspection_title(year: int, agency: Agency) -> str:
    return f"Kiểm tra việc áp dụng HTQLCL năm {year} — {agency.name}"[:300]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31/12 + 2 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def inspection_corrective_action_due(inspection: Audit) -> date:
    """When an inspection's nonconformities are due: 2 months after it ended (or is planned to end)."""
    return add_months(inspection.actual_end or inspection.planned_end, CORRECTIVE_ACTION_MONTHS)


def inspection_plan_create(
    *, province: Province, year: int, title: str, entries: Sequence[PlanEntry], acting_user
) -> InspectionPlan:
    """The province's plan for a year with one planned inspection, checklist filled, per agency."""
    last = timezone.localdate().year + 1
    if not FIRST_YEAR <= year <= last:
        raise ValidationError(
            {"year": _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last}}
        )
    taken = ValidationError(
        {
            "year": _(
                "%(province)s already has an inspection plan for %(year)s: add agencies to it from its page."
            )
            % {"province": province.name, "year": year}
        }
    )
    if InspectionPlan.objects.filter(province=province, year=year).exists():
        raise taken
    if not entries:
        raise ValidationError(_("Choose at least one agency to inspect."))
    plan = InspectionPlan(
        province=province, year=year, title=title.strip() or plan_default_title(year), created_by=acting_user
    )
    plan._history_user = acting_user
    with transaction.atomic():
        plan.full_clean()
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError as exc:
            # Another reviewer saved the year's plan between the check above and this save.
            raise taken from exc
        _add(plan, entries, acting_user)
    return plan


def inspection_plan_add(*, plan: InspectionPlan, entries: Sequence[PlanEntry], acting_user) -> list[Audit]:
    """Agencies added to an existing plan, each with its planned inspection."""
    if not entries:
        raise ValidationError(_("Choose at least one agency to inspect."))
    with transaction.atomic():
        # Two reviewers adding the same agency at once: the second waits, then sees it planned.
        plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
        return _add(plan, entries, acting_user)


def _add(plan: InspectionPlan, entries: Sequence[PlanEntry], acting_user) -> list[Audit]:
    _check_entries(plan, entries)
    inspections = []
    for entry in entries:
        inspection = Audit(
            agency=entry.agency,
            kind=Audit.Kind.INSPECTION,
            plan=plan,
            method=entry.method,
            title=inspection_title(plan.year, entry.agency),
            planned_start=entry.start,
            planned_end=entry.end,
            status=Audit.Status.PLANNED,
            created_by=acting_user,
        )
        inspection._history_user = acting_user
        inspection.full_clean()
        inspection.save()
        inspections.append(inspection)
    checklist_fill(inspections=inspections, acting_user=acting_user)
    return inspections


def _check_entries(plan: InspectionPlan, entries: Sequence[PlanEntry]) -> None:
    errors: list[str] = []
    planned = set(plan.inspections.values_list("agency_id", flat=True))
    seen: set[int] = set()
    for entry in entries:
        name = entry.agency.name
        if entry.agency.province_id != plan.province_id:
            errors.append(
                _("%(agency)s is not an agency of %(province)s.")
                % {"agency": name, "province": plan.province}
            )
        elif not entry.agency.is_operating():
            errors.append(_("%(agency)s is no longer in operation.") % {"agency": name})
        if entry.agency.pk in planned or entry.agency.pk in seen:
            errors.append(_("%(agency)s is already in this plan.") % {"agency": name})
        seen.add(entry.agency.pk)
        if entry.method not in Audit.Method.values:
            errors.append(_("Choose how %(agency)s is inspected.") % {"agency": name})
        if entry.end < entry.start:
            errors.append(_("%(agency)s: the planned end comes before the start.") % {"agency": name})
        if entry.start.year != plan.year or entry.end.year != plan.year:
            errors.append(
                _("%(agency)s: the planned dates must fall in %(year)s.")
                % {"agency": name, "year": plan.year}
            )
    if errors:
        raise ValidationError(errors)


def checklist_fill(*, inspections: Sequence[Audit], acting_user) -> None:
    """Give each inspection the points inspectors check, linked to their TCVN ISO 9001:2015 clauses."""
    numbers = {point.clause for point in INSPECTION_CHECKLIST if point.clause}
    clauses = {
        clause.number: clause
        for clause in Clause.objects.filter(standard=Clause.Standard.ISO_2015, number__in=numbers)
    }
    lines = [
        ChecklistLine(
            audit=inspection,
            order=order,
            clause=clauses.get(point.clause or ""),
            requirement=point.requirement,
        )
        for inspection in inspections
        for order, point in enumerate(INSPECTION_CHECKLIST, start=1)
    ]
    bulk_create_with_history(lines, ChecklistLine, default_user=acting_user)


def inspection_decision_record(*, inspection: Audit, number: str, decided_on: date, acting_user) -> Audit:
    """The inspection decision (Mẫu 20 QĐKT): its number and date, which cannot be in the future."""
    errors: dict[str, str] = {}
    if inspection.kind != Audit.Kind.INSPECTION:
        raise ValidationError(_("Only a provincial inspection has an inspection decision."))
    if inspection.status == Audit.Status.CLOSED:
        raise ValidationError(_("The inspection is closed: its record can no longer change."))
    if not number.strip():
        errors["decision_number"] = _("Enter the decision number.")
    if decided_on is None:
        errors["decision_date"] = _("Enter the decision date.")
    elif decided_on > timezone.localdate():
        errors["decision_date"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inspection = Audit.objects.select_for_update().get(pk=inspection.pk)
        inspection.decision_number, inspection.decision_date = number.strip(), decided_on
        inspection._history_user = acting_user
        inspection.full_clean()
        inspection.save(update_fields=["decision_number", "decision_date"])
    return inspection


# --- reads: plans through the access rules ------------------------------------------------------------


def plans_for(user) -> QuerySet[InspectionPlan]:
    """Plans of the provinces the user sees as a whole: reviewers their own, national viewers all."""
    return InspectionPlan.objects.filter(province__in=provinces_for(user, Can.VIEW))


def plan_get_or_404(user, pk: int, action: Can = Can.VIEW) -> InspectionPlan:
    """404 outside the user's provinces; 403 when seen but `action` is not allowed there."""
    plan = get_object_or_404(plans_for(user).select_related("province", "created_by"), pk=pk)
    if action != Can.VIEW and not can_in_province(user, action, plan.province_id):
        raise PermissionDenied
    return plan


def plan_inspections(plan: InspectionPlan) -> QuerySet[Audit]:
    """The plan's inspections with their agency, number of findings and of nonconformities not closed."""
    return (
        plan.inspections.select_related("agency")
        .annotate(
            findings_count=Count("findings"),
            open_nonconformities=Count(
                "findings__action",
                filter=Q(findings__action__source=Action.Source.NONCONFORMITY)
                & ~Q(findings__action__status=Action.Status.CLOSED),
            ),
        )
        .order_by("agency__name", "pk")
    )


def plan_totals(plan: InspectionPlan) -> dict:
    """Figures over the whole plan (two queries)."""
    totals = plan.inspections.aggregate(
        total=Count("pk"),
        on_site=Count("pk", filter=Q(method=Audit.Method.ON_SITE)),
        decided=Count("pk", filter=~Q(decision_number="")),
        **{status: Count("pk", filter=Q(status=status)) for status in Audit.Status.values},
    )
    totals.update(
        Finding.objects.filter(audit__plan=plan).aggregate(
            findings=Count("pk"),
            open_nonconformities=Count(
                "action",
                filter=Q(action__source=Action.Source.NONCONFORMITY)
                & ~Q(action__status=Action.Status.CLOSED),
            ),
        )
    )
    totals["share"] = OnSiteShare(total=totals["total"], on_site=totals["on_site"])
    return totals
