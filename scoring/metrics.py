"""Criteria the data can answer: one value per (agency, year, metric), from the other apps' aggregates.

`compute` is the only entry point; assessments prefill their metric lines from it and results explain
scores with it. Its query count does not depend on the number of agencies.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency, QmsStatus, StatusChange
from agencies.selectors import DeclarationRecord, declaration_records
from audits.models import Action
from audits.summary import AuditSummary, audit_summaries
from procedures.legal_selectors import ReviewTimeliness, review_timeliness
from procedures.models import Process, ProcessRevision, SystemTopic
from procedures.quality_selectors import ObjectivesCount, objectives_summary, policy_approved
from procedures.selectors import AgencySummary, agency_summaries
from procedures.statistics import Rate, ontime_rates

from . import rules
from .models import Assessment, Criterion, Metric, Rubric

# Shares are kept to four places, rounded down: a threshold (0.95 → 6) is reached only when it truly is.
SHARE = Decimal("0.0001")
FULL = Decimal(1).quantize(SHARE)


@dataclass(frozen=True)
class MetricValue:
    """A metric of one agency in one year.

    value: a share 0..1 (proportional rules), a count (thresholds), a bool (yes/no), or None when there is
    nothing to measure and the rubric gives no default; explanation: one sentence saying what was counted;
    links: (label, url) of the lists of records behind the value.
    """

    value: Decimal | int | bool | None
    explanation: str
    links: tuple[tuple[str, str], ...] = field(default=())

    @property
    def as_decimal(self) -> Decimal | None:
        if self.value is None:
            return None
        if isinstance(self.value, bool):
            return Decimal(int(self.value))
        return Decimal(str(self.value))


def share(part: int, whole: int) -> Decimal:
    """part / whole to four places, rounded down."""
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class _Data:
    """Everything the metrics of one call read, fetched once for all the agencies."""

    year: int
    as_of: date
    rubric: Rubric | None
    summaries: dict[int, AgencySummary]
    policies: set[int]
    objectives: dict[int, ObjectivesCount]
    topics: dict[int, set[str]]
    reviews: dict[int, ReviewTimeliness]
    audits: dict[int, AuditSummary]
    rates: dict[int, Rate]
    declarations: dict[int, DeclarationRecord]
    self_assessments: dict[int, tuple[int, object]]  # agency id → (assessment id, submitted_at)
    urls: dict[str, str]

    @property
    def period(self) -> str:
        """ "in 2025" for a year that is over, "in 2026 up to 21/11/2026" for the current one."""
        if self.as_of >= date(self.year, 12, 31):
            return _("in %(year)s") % {"year": self.year}
        return _("in %(year)s up to %(date)s") % {"year": self.year, "date": _day(self.as_of)}

    def list_url(self, name: str, **query) -> str:
        return f"{self.urls[name]}?{urlencode(query)}"


def _day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def compute(
    agencies: QuerySet[Agency] | Iterable[Agency | int],
    year: int,
    *,
    today: date | None = None,
    rubric=None,
) -> dict[int, dict[str, MetricValue]]:
    """Every metric of scoring.models.Metric for each agency given, for `year` (as of `today` when the year
    is not over). `rubric` (its deadline) answers self_assessment_on_time.

    Eighteen queries whatever the number of agencies (seventeen without a rubric): the agency ids (only for
    a queryset), the procedure summaries (4), approved policies, objectives, system processes in force,
    review flags due, the audit summaries (5), dossiers, status changes and mergers (2), self-assessments.
    """
    if isinstance(agencies, QuerySet):
        ids = list(agencies.order_by().values_list("pk", flat=True))
    else:
        ids = list(dict.fromkeys(getattr(agency, "pk", agency) for agency in agencies))
    if not ids:
        return {}
    today = today or timezone.localdate()
    first, as_of = date(year, 1, 1), min(today, date(year, 12, 31))
    data = _Data(
        year=year,
        as_of=as_of,
        rubric=rubric,
        summaries=agency_summaries(ids, on=as_of),
        policies=policy_approved(ids, year),
        objectives=objectives_summary(ids, year),
        topics=_topics_in_force(ids),
        reviews=review_timeliness(ids, start=first, end=as_of),
        audits=audit_summaries(ids, year, today=today),
        rates=ontime_rates(ids, start=first, end=as_of),
        declarations=declaration_records(ids, as_of),
        self_assessments=_self_assessments(ids, rubric),
        urls={
            name: reverse(name)
            for name in (
                "procedures:process_list",
                "procedures:statistics",
                "audits:audit_list",
                "audits:action_list",
                "audits:review_list",
                "audits:activity_list",
            )
        },
    )
    return {
        agency_id: {metric: METRICS[metric](agency_id, data) for metric in Metric.values} for agency_id in ids
    }


def _topics_in_force(ids: list[int]) -> dict[int, set[str]]:
    """Per agency, the system topics of its processes with a revision in force; one query."""
    topics: dict[int, set[str]] = {}
    rows = (
        Process.objects.filter(agency_id__in=ids, revisions__status=ProcessRevision.Status.IN_FORCE)
        .exclude(system_topic="")
        .values_list("agency_id", "system_topic")
        .distinct()
        .order_by()
    )
    for agency_id, topic in rows:
        topics.setdefault(agency_id, set()).add(topic)
    return topics


def _self_assessments(ids: list[int], rubric) -> dict[int, tuple[int, object]]:
    if rubric is None:
        return {}
    rows = Assessment.objects.filter(rubric=rubric, kind=Assessment.Kind.SELF, agency_id__in=ids).values_list(
        "agency_id", "pk", "submitted_at"
    )
    return {agency_id: (pk, submitted_at) for agency_id, pk, submitted_at in rows}


# ---------------------------------------------------------------------------------------------------------
# One function per metric: (agency id, data) -> MetricValue.


def _coverage(agency_id: int, data: _Data) -> MetricValue:
    summary = data.summaries.get(agency_id, AgencySummary())
    links = (
        (
            _("Procedures handled"),
            reverse("procedures:agency_procedures", args=[agency_id]) + "?handled=1",
        ),
    )
    if not summary.handled:
        return MetricValue(
            None, _("The agency has not declared any administrative procedure it handles."), links
        )
    explanation = ngettext(
        "%(in_force)s of %(handled)s procedure handled runs through a process in force.",
        "%(in_force)s of %(handled)s procedures handled run through a process in force.",
        summary.handled,
    ) % {"in_force": summary.in_force, "handled": summary.handled}
    return MetricValue(share(summary.in_force, summary.handled), explanation, links)


def _quality_link(agency_id: int, data: _Data) -> tuple[tuple[str, str], ...]:
    url = reverse("procedures:quality", args=[agency_id]) + f"?year={data.year}"
    return ((_("Quality policy and objectives"), url),)


def _objectives_defined(agency_id: int, data: _Data) -> MetricValue:
    approved = agency_id in data.policies
    defined = data.objectives.get(agency_id, ObjectivesCount(0, 0)).defined
    figures = {"year": data.year, "count": defined}
    if approved and defined:
        explanation = ngettext(
            "The quality policy for %(year)s is approved and %(count)s quality objective is set.",
            "The quality policy for %(year)s is approved and %(count)s quality objectives are set.",
            defined,
        )
    elif approved:
        explanation = _("The quality policy for %(year)s is approved but no quality objective is set.")
    elif defined:
        explanation = ngettext(
            "%(count)s quality objective is set for %(year)s but the quality policy is not approved.",
            "%(count)s quality objectives are set for %(year)s but the quality policy is not approved.",
            defined,
        )
    else:
        explanation = _("No approved quality policy and no quality objective for %(year)s.")
    return MetricValue(approved and defined > 0, explanation % figures, _quality_link(agency_id, data))


def _system_processes(agency_id: int, data: _Data) -> MetricValue:
    topics = data.topics.get(agency_id, set())
    total = len(SystemTopic.values)
    missing = [topic.label for topic in SystemTopic if topic.value not in topics]
    if missing:
        explanation = _("%(count)s of the %(total)s system processes are in force; missing: %(missing)s.") % {
            "count": len(topics),
            "total": total,
            "missing": ", ".join(str(label).lower() for label in missing),
        }
    else:
        explanation = _("All %(total)s system processes are in force.") % {"total": total}
    url = data.list_url("procedures:process_list", agency=agency_id, kind=Process.Kind.MANDATORY)
    return MetricValue(share(len(topics), total), explanation, ((_("Mandatory QMS procedures"), url),))


def _legal_updates(agency_id: int, data: _Data) -> MetricValue:
    due, on_time = data.reviews.get(agency_id, ReviewTimeliness(0, 0))
    links = ((_("Processes"), data.list_url("procedures:process_list", agency=agency_id)),)
    if not due:
        explanation = _("No change was due: no process had to be reviewed after a legal change %(period)s.")
        return MetricValue(FULL, explanation % {"period": data.period}, links)
    explanation = ngettext(
        "%(on_time)s of %(due)s process review due after a legal change %(period)s was done by its due date.",
        "%(on_time)s of %(due)s process reviews due after a legal change %(period)s were done by their due "
        "date.",
        due,
    ) % {"on_time": on_time, "due": due, "period": data.period}
    return MetricValue(share(on_time, due), explanation, links)


def _activities(agency_id: int, data: _Data, kind: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    summary = data.audits.get(agency_id, AuditSummary())
    count = summary.meetings if kind == "meeting" else summary.trainings
    label = _("Steering committee meetings") if kind == "meeting" else _("Training sessions")
    url = data.list_url("audits:activity_list", agency=agency_id, year=data.year, kind=kind)
    return count, ((label, url),)


def _steering_meetings(agency_id: int, data: _Data) -> MetricValue:
    count, links = _activities(agency_id, data, "meeting")
    explanation = ngettext(
        "%(count)s steering committee meeting held in %(year)s.",
        "%(count)s steering committee meetings held in %(year)s.",
        count,
    ) % {"count": count, "year": data.year}
    return MetricValue(count, explanation, links)


def _trainings(agency_id: int, data: _Data) -> MetricValue:
    count, links = _activities(agency_id, data, "training")
    explanation = ngettext(
        "%(count)s training session held in %(year)s.",
        "%(count)s training sessions held in %(year)s.",
        count,
    ) % {"count": count, "year": data.year}
    return MetricValue(count, explanation, links)


def _ontime_rate(agency_id: int, data: _Data) -> MetricValue:
    rate = data.rates.get(agency_id, Rate())
    url = data.list_url("procedures:statistics", agency=agency_id, year=data.year)
    links = ((_("One-stop dossier statistics"), url),)
    if not rate.processed:
        explanation = _("No one-stop dossier resolved %(period)s was recorded.") % {"period": data.period}
        return MetricValue(None, explanation, links)
    explanation = ngettext(
        "%(in_time)s of %(processed)s dossier resolved %(period)s was resolved early or on time.",
        "%(in_time)s of %(processed)s dossiers resolved %(period)s were resolved early or on time.",
        rate.processed,
    ) % {"in_time": rate.in_time, "processed": rate.processed, "period": data.period}
    return MetricValue(share(rate.in_time, rate.processed), explanation, links)


def _objectives_met(agency_id: int, data: _Data) -> MetricValue:
    defined, met = data.objectives.get(agency_id, ObjectivesCount(0, 0))
    links = _quality_link(agency_id, data)
    if not defined:
        return MetricValue(None, _("No quality objective is set for %(year)s.") % {"year": data.year}, links)
    explanation = ngettext(
        "%(met)s of %(defined)s quality objective for %(year)s is met.",
        "%(met)s of %(defined)s quality objectives for %(year)s are met.",
        defined,
    ) % {"met": met, "defined": defined, "year": data.year}
    return MetricValue(share(met, defined), explanation, links)


def _internal_audit(agency_id: int, data: _Data) -> MetricValue:
    held = data.audits.get(agency_id, AuditSummary()).internal_audit_held
    if held:
        explanation = _("An internal audit was held and reported in %(year)s.")
    else:
        explanation = _("No internal audit held in %(year)s has been reported.")
    url = data.list_url("audits:audit_list", agency=agency_id, year=data.year, kind="internal")
    return MetricValue(held, explanation % {"year": data.year}, ((_("Internal audits"), url),))


def _nonconformity_link(agency_id: int, data: _Data) -> tuple[str, str]:
    # The action list's year is the year an action was opened, not the year it was due: not filtered.
    url = data.list_url("audits:action_list", agency=agency_id, source=Action.Source.NONCONFORMITY)
    return (_("Nonconformities and corrective actions"), url)


def _nc_closed_on_time(agency_id: int, data: _Data) -> MetricValue:
    summary = data.audits.get(agency_id, AuditSummary())
    due, on_time = summary.ncs_due, summary.ncs_due_closed_on_time
    links = (_nonconformity_link(agency_id, data),)
    if not due:
        explanation = _("No nonconformity was due to be closed %(period)s: none due.")
        return MetricValue(FULL, explanation % {"period": data.period}, links)
    explanation = ngettext(
        "%(on_time)s of %(due)s nonconformity due %(period)s was closed by its due date.",
        "%(on_time)s of %(due)s nonconformities due %(period)s were closed by their due date.",
        due,
    ) % {"on_time": on_time, "due": due, "period": data.period}
    return MetricValue(share(on_time, due), explanation, links)


def _inspection_followup(agency_id: int, data: _Data) -> MetricValue:
    summary = data.audits.get(agency_id, AuditSummary())
    due, on_time = summary.inspection_actions_due, summary.inspection_actions_on_time
    url = data.list_url("audits:audit_list", agency=agency_id, year=data.year, kind="inspection")
    links = ((_("Provincial inspections"), url), _nonconformity_link(agency_id, data))
    figures = {"year": data.year, "due": due, "on_time": on_time, "date": _day(data.as_of)}
    if not summary.inspections:
        explanation = _("No provincial inspection in %(year)s: nothing to act on.")
    elif not due:
        explanation = _("No corrective action after the %(year)s inspection was due by %(date)s.")
    else:
        explanation = ngettext(
            "%(on_time)s of %(due)s corrective action after the %(year)s inspection due by %(date)s was "
            "carried out by its due date.",
            "%(on_time)s of %(due)s corrective actions after the %(year)s inspection due by %(date)s were "
            "carried out by their due date.",
            due,
        )
    return MetricValue(on_time == due, explanation % figures, links)


def _management_review(agency_id: int, data: _Data) -> MetricValue:
    held = data.audits.get(agency_id, AuditSummary()).management_review_held
    if held:
        explanation = _("A management review was held in %(year)s and its minutes finalized.")
    else:
        explanation = _("No management review held in %(year)s has finalized minutes.")
    url = data.list_url("audits:review_list", agency=agency_id, year=data.year)
    return MetricValue(held, explanation % {"year": data.year}, ((_("Management reviews"), url),))


def _review_actions(agency_id: int, data: _Data) -> MetricValue:
    summary = data.audits.get(agency_id, AuditSummary())
    due, on_time = summary.review_decisions_due, summary.review_decisions_on_time
    url = data.list_url("audits:action_list", agency=agency_id, source=Action.Source.REVIEW_DECISION)
    links = ((_("Management review decisions"), url),)
    if not due:
        explanation = _("No management review decision was due %(period)s: none due.")
        return MetricValue(FULL, explanation % {"period": data.period}, links)
    explanation = ngettext(
        "%(on_time)s of %(due)s management review decision due %(period)s was carried out by its due date.",
        "%(on_time)s of %(due)s management review decisions due %(period)s were carried out by their due "
        "date.",
        due,
    ) % {"on_time": on_time, "due": due, "period": data.period}
    return MetricValue(share(on_time, due), explanation, links)


def _agency_link(agency_id: int) -> tuple[tuple[str, str], ...]:
    return ((_("QMS status history"), reverse("agencies:detail", args=[agency_id])),)


def _declaration(agency_id: int, data: _Data) -> MetricValue:
    latest: StatusChange | None = data.declarations.get(agency_id, DeclarationRecord()).latest
    figures = {"date": _day(data.as_of)}
    if latest is None:
        explanation = _("No QMS status recorded by %(date)s.") % figures
        return MetricValue(False, explanation, _agency_link(agency_id))
    figures = {
        "date": _day(latest.changed_on),
        "number": latest.decision_number,
        "status": latest.get_status_display(),
        "version": latest.get_iso_version_display(),
    }
    current = (
        latest.status in QmsStatus.declarations() and latest.iso_version == StatusChange.IsoVersion.ISO_2015
    )
    if current:
        explanation = _("Conformity with TCVN ISO 9001:2015 declared on %(date)s (decision %(number)s).")
    elif latest.status in QmsStatus.declarations():
        explanation = _(
            "The latest declaration, on %(date)s, is against %(version)s, not TCVN ISO 9001:2015."
        )
    else:
        explanation = _("The QMS status is “%(status)s” since %(date)s: no declaration in force.")
    return MetricValue(current, explanation % figures, _agency_link(agency_id))


def _redeclared(agency_id: int, data: _Data) -> MetricValue:
    record = data.declarations.get(agency_id, DeclarationRecord())
    changes = record.scope_changes
    if not changes:
        explanation = _("No change of scope up to %(date)s: nothing to re-declare.") % {
            "date": _day(data.as_of)
        }
        return MetricValue(True, explanation, _agency_link(agency_id))
    pending = [change for change in changes if change.redeclared_on is None]
    if not pending:
        explanation = ngettext(
            "Re-declared after the change of scope on %(dates)s.",
            "Re-declared after each of the %(count)s changes of scope (%(dates)s).",
            len(changes),
        ) % {"count": len(changes), "dates": ", ".join(_day(change.on) for change in changes)}
        return MetricValue(True, explanation, _agency_link(agency_id))
    change = pending[0]
    if change.merged:
        what = _("%(agency)s merged into it") % {"agency": change.merged}
    else:
        what = _("scope changed with the status “%(status)s”") % {"status": change.status}
    explanation = _("Not re-declared since the change of scope on %(date)s (%(what)s).") % {
        "date": _day(change.on),
        "what": what,
    }
    return MetricValue(False, explanation, _agency_link(agency_id))


def _self_assessment(agency_id: int, data: _Data) -> MetricValue:
    rubric = data.rubric
    if rubric is None:
        return MetricValue(None, _("No rubric given: the self-assessment deadline is unknown."))
    pk, submitted_at = data.self_assessments.get(agency_id, (None, None))
    links: tuple[tuple[str, str], ...] = ()
    if pk is not None:
        try:
            links = ((_("Self-assessment"), reverse("scoring:assessment_detail", args=[pk])),)
        except NoReverseMatch:  # the assessment pages are not installed
            links = ()
    deadline = rubric.self_assessment_deadline
    figures = {"deadline": _day(deadline) if deadline else ""}
    if submitted_at is None:
        if deadline:
            explanation = _("The self-assessment has not been submitted; the deadline is %(deadline)s.")
        else:
            explanation = _("The self-assessment has not been submitted (the rubric sets no deadline).")
        return MetricValue(False, explanation % figures, links)
    submitted_on = timezone.localdate(submitted_at)
    figures["date"] = _day(submitted_on)
    if deadline is None:
        explanation = _("The self-assessment was submitted on %(date)s (the rubric sets no deadline).")
        return MetricValue(True, explanation % figures, links)
    on_time = submitted_on <= deadline
    if on_time:
        explanation = _("The self-assessment was submitted on %(date)s, by the deadline of %(deadline)s.")
    else:
        explanation = _("The self-assessment was submitted on %(date)s, after the deadline of %(deadline)s.")
    return MetricValue(on_time, explanation % figures, links)


METRICS: dict[str, Callable[[int, _Data], MetricValue]] = {
    Metric.COVERAGE: _coverage,
    Metric.OBJECTIVES_DEFINED: _objectives_defined,
    Metric.SYSTEM_PROCESSES: _system_processes,
    Metric.LEGAL_UPDATES: _legal_updates,
    Metric.STEERING_MEETINGS: _steering_meetings,
    Metric.TRAININGS: _trainings,
    Metric.ONTIME_RATE: _ontime_rate,
    Metric.OBJECTIVES_MET: _objectives_met,
    Metric.INTERNAL_AUDIT: _internal_audit,
    Metric.NC_CLOSED_ON_TIME: _nc_closed_on_time,
    Metric.INSPECTION_FOLLOWUP: _inspection_followup,
    Metric.MANAGEMENT_REVIEW: _management_review,
    Metric.REVIEW_ACTIONS: _review_actions,
    Metric.DECLARATION: _declaration,
    Metric.REDECLARED: _redeclared,
    Metric.SELF_ASSESSMENT: _self_assessment,
}


def figures(criterion: Criterion, value: MetricValue) -> tuple[Decimal | None, Decimal, str]:
    """(computed value, computed points, explanation) of a metric criterion's line."""
    earned = rules.points(criterion.rule, value.value, criterion.max_points, criterion.thresholds)
    return value.as_decimal, earned, value.explanation


__all__ = ["Metric", "MetricValue", "compute", "figures"]
