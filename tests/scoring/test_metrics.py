"""scoring.metrics.compute: every criterion the data can answer, its value and the sentence explaining it."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from agencies.models import Agency, QmsStatus
from audits.models import Action, Audit, InspectionPlan, ManagementReview
from procedures.models import DossierStatistic, LegalDocument, Process, ReviewFlag, SystemTopic
from scoring.default_rubric import create_default_rubric
from scoring.metrics import MetricValue, compute, figures
from scoring.models import Assessment, Metric, Rubric
from tests.factories import (
    ActionFactory,
    ActivityFactory,
    AdministrativeProcedureFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    AuditFactory,
    DeclarationFactory,
    FindingFactory,
    InForceRevisionFactory,
    InspectionPlanFactory,
    LegalDocumentFactory,
    ManagementReviewFactory,
    ProcessFactory,
    ProcessRevisionFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
TODAY = datetime.date(2026, 11, 21)
Status = Action.Status


@pytest.fixture(autouse=True)
def english(client, settings):
    """Explanations are asserted word for word, in the source language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def at(*parts) -> datetime.datetime:
    """A moment in Vietnamese local time."""
    return datetime.datetime(*parts, tzinfo=HANOI)


def metric(agency, key: str, year: int = YEAR, **kwargs) -> MetricValue:
    return compute([agency], year, today=kwargs.pop("today", TODAY), **kwargs)[agency.pk][key]


def nc(audit, *, due, status=Status.OPEN, implemented=None, closed=None) -> Action:
    """A finding of `audit` tracked as a nonconformity action."""
    return ActionFactory(
        finding=FindingFactory(audit=audit),
        due_date=due,
        status=status,
        implemented_at=implemented,
        closed_at=closed,
    )


def handled(agency, *, in_force: bool = False, draft: bool = False):
    """A procedure the agency handles, run through a process in force (or a draft) when asked."""
    procedure = AgencyProcedureFactory(agency=agency).procedure
    if in_force or draft:
        factory = InForceRevisionFactory if in_force else ProcessRevisionFactory
        factory(process=ProcessFactory(agency=agency, procedure=procedure))
    return procedure


def mandatory(agency, topic: str = "", *, in_force: bool = True, code: str | None = None) -> Process:
    process = ProcessFactory(
        agency=agency,
        kind=Process.Kind.MANDATORY,
        procedure=None,
        system_topic=topic,
        **({"code": code} if code else {}),
    )
    (InForceRevisionFactory if in_force else ProcessRevisionFactory)(process=process)
    return process


def flag(process, *, due, resolved=None) -> ReviewFlag:
    return ReviewFlag.objects.create(
        process=process,
        legal_document=LegalDocumentFactory(),
        document_status=LegalDocument.Status.AMENDED,
        raised_on=due - datetime.timedelta(days=90),
        due_on=due,
        resolved_on=resolved,
        resolution=ReviewFlag.Resolution.NO_CHANGE if resolved else "",
    )


def dossiers(agency, month, *, early, on_time, late, pending=0):
    DossierStatistic.objects.create(
        agency=agency,
        procedure=AdministrativeProcedureFactory(),
        month=month,
        received=early + on_time + late + pending,
        early=early,
        on_time=on_time,
        late=late,
        pending=pending,
    )


def inspection(agency, year: int = YEAR) -> Audit:
    plan, _created = InspectionPlan.objects.get_or_create(
        province=agency.province, year=year, defaults={"title": f"Kế hoạch kiểm tra năm {year}"}
    )
    return AuditFactory(agency=agency, kind=Audit.Kind.INSPECTION, plan=plan, method=Audit.Method.ON_SITE)


def decision(agency, *, due, implemented=None) -> Action:
    review = ManagementReviewFactory(agency=agency, held_on=datetime.date(YEAR, 2, 1))
    return Action.objects.create(
        agency=agency,
        source=Action.Source.REVIEW_DECISION,
        review=review,
        title="Bổ sung nhân lực bộ phận một cửa",
        due_date=due,
        status=Status.IMPLEMENTED if implemented else Status.OPEN,
        implemented_at=implemented,
    )


# ---------------------------------------------------------------------------------------------------------
# Every metric, every agency


def test_every_metric_is_computed_for_every_agency_given(agency, other_agency):
    values = compute(Agency.objects.filter(pk__in=[agency.pk, other_agency.pk]), YEAR, today=TODAY)

    assert set(values) == {agency.pk, other_agency.pk}
    assert {key for per_agency in values.values() for key in per_agency} == set(Metric.values)
    assert all(isinstance(value, MetricValue) and value.explanation for value in values[agency.pk].values())


def test_no_agency_gives_an_empty_result(db):
    assert compute(Agency.objects.none(), YEAR, today=TODAY) == {}
    assert compute([], YEAR, today=TODAY) == {}


def test_agencies_are_taken_as_objects_or_ids(agency):
    ActivityFactory(agency=agency)

    by_object = compute([agency], YEAR, today=TODAY)
    by_id = compute([agency.pk], YEAR, today=TODAY)

    assert by_object == by_id
    assert by_id[agency.pk][Metric.STEERING_MEETINGS].value == 1


def test_an_agency_with_nothing_recorded(agency):
    values = compute([agency], YEAR, today=TODAY)[agency.pk]

    assert {key: value.value for key, value in values.items()} == {
        Metric.COVERAGE: None,
        Metric.OBJECTIVES_DEFINED: False,
        Metric.SYSTEM_PROCESSES: Decimal(0),
        Metric.LEGAL_UPDATES: Decimal(1),
        Metric.STEERING_MEETINGS: 0,
        Metric.TRAININGS: 0,
        Metric.ONTIME_RATE: None,
        Metric.OBJECTIVES_MET: None,
        Metric.INTERNAL_AUDIT: False,
        Metric.NC_CLOSED_ON_TIME: Decimal(1),
        Metric.INSPECTION_FOLLOWUP: True,
        Metric.MANAGEMENT_REVIEW: False,
        Metric.REVIEW_ACTIONS: Decimal(1),
        Metric.DECLARATION: False,
        Metric.REDECLARED: True,
        Metric.SELF_ASSESSMENT: None,
    }


# ---------------------------------------------------------------------------------------------------------
# A. Scope and documentation


def test_coverage_is_the_share_of_procedures_handled_with_a_process_in_force(agency):
    for _ in range(3):
        handled(agency, in_force=True)
    handled(agency, draft=True)

    value = metric(agency, Metric.COVERAGE)

    assert value.value == Decimal("0.75")
    assert value.explanation == "3 of 4 procedures handled run through a process in force."
    assert value.links == (
        ("Procedures handled", reverse("procedures:agency_procedures", args=[agency.pk]) + "?handled=1"),
    )


def test_coverage_is_unknown_when_the_agency_handles_no_procedure(agency):
    value = metric(agency, Metric.COVERAGE)

    assert value.value is None
    assert value.explanation == "The agency has not declared any administrative procedure it handles."


def test_coverage_of_two_thirds_is_rounded_down_to_four_places(agency):
    handled(agency, in_force=True)
    handled(agency, in_force=True)
    handled(agency)

    assert metric(agency, Metric.COVERAGE).value == Decimal("0.6666")


def test_objectives_defined_needs_the_policy_approved_and_an_objective_of_the_year(agency, other_agency):
    agency.quality_policies.create(year=YEAR, text="Chính sách", approved_at=at(YEAR, 1, 10, 9))
    agency.quality_objectives.create(year=YEAR, objective="Đúng hạn", indicator="%", target="100%", met=True)
    agency.quality_objectives.create(year=YEAR, objective="Hài lòng", indicator="%", target="95%")
    # Other agency: an approved policy of last year and objectives of this year, this year's not approved.
    other_agency.quality_policies.create(year=YEAR - 1, text="Chính sách", approved_at=at(YEAR - 1, 1, 10, 9))
    other_agency.quality_policies.create(year=YEAR, text="Chính sách")
    other_agency.quality_objectives.create(year=YEAR, objective="Đúng hạn", indicator="%", target="100%")

    values = compute([agency, other_agency], YEAR, today=TODAY)
    mine, other = (
        values[agency.pk][Metric.OBJECTIVES_DEFINED],
        values[other_agency.pk][Metric.OBJECTIVES_DEFINED],
    )

    assert mine.value is True
    assert mine.explanation == "The quality policy for 2026 is approved and 2 quality objectives are set."
    assert mine.links == (
        ("Quality policy and objectives", reverse("procedures:quality", args=[agency.pk]) + "?year=2026"),
    )
    assert other.value is False
    assert other.explanation == "1 quality objective is set for 2026 but the quality policy is not approved."


def test_objectives_defined_is_false_with_an_approved_policy_but_no_objective(agency):
    agency.quality_policies.create(year=YEAR, text="Chính sách", approved_at=at(YEAR, 1, 10, 9))

    value = metric(agency, Metric.OBJECTIVES_DEFINED)

    assert value.value is False
    assert value.explanation == "The quality policy for 2026 is approved but no quality objective is set."


def test_system_processes_count_the_distinct_topics_in_force(agency):
    mandatory(agency, SystemTopic.DOCUMENTED_INFORMATION)
    mandatory(agency, SystemTopic.INTERNAL_AUDIT)
    mandatory(agency, SystemTopic.MANAGEMENT_REVIEW)
    mandatory(agency, SystemTopic.NONCONFORMITY, in_force=False)  # still a draft
    mandatory(agency)  # records control: no topic of its own

    value = metric(agency, Metric.SYSTEM_PROCESSES)

    assert value.value == Decimal("0.6")
    assert value.explanation == (
        "3 of the 5 system processes are in force; missing: nonconformity and corrective action, "
        "risks and opportunities."
    )
    assert value.links == (
        (
            "Mandatory QMS procedures",
            f"{reverse('procedures:process_list')}?agency={agency.pk}&kind=mandatory",
        ),
    )


def test_all_five_system_processes_in_force_give_the_full_share(agency):
    for topic in SystemTopic.values:
        mandatory(agency, topic)

    value = metric(agency, Metric.SYSTEM_PROCESSES)

    assert (value.value, value.explanation) == (Decimal(1), "All 5 system processes are in force.")


def test_legal_updates_count_the_reviews_due_this_year_done_by_their_due_date(agency):
    process = ProcessFactory(agency=agency)
    flag(process, due=datetime.date(2026, 3, 1), resolved=datetime.date(2026, 3, 1))  # on time
    flag(process, due=datetime.date(2026, 5, 1), resolved=datetime.date(2026, 5, 10))  # late
    flag(process, due=datetime.date(2026, 6, 1))  # still open: late
    flag(process, due=datetime.date(2025, 12, 31), resolved=datetime.date(2026, 1, 5))  # last year's
    flag(process, due=datetime.date(2026, 12, 1))  # not due yet

    value = metric(agency, Metric.LEGAL_UPDATES)

    assert value.value == Decimal("0.3333")
    assert value.explanation == (
        "1 of 3 process reviews due after a legal change in 2026 up to 21/11/2026 were done by their due "
        "date."
    )
    assert value.links == (("Processes", f"{reverse('procedures:process_list')}?agency={agency.pk}"),)


def test_legal_updates_are_full_when_no_change_was_due(agency):
    flag(ProcessFactory(agency=agency), due=datetime.date(2027, 1, 10))

    value = metric(agency, Metric.LEGAL_UPDATES)

    assert value.value == Decimal(1)
    assert value.explanation == (
        "No change was due: no process had to be reviewed after a legal change in 2026 up to 21/11/2026."
    )


# ---------------------------------------------------------------------------------------------------------
# B. Leadership; C. Operation


def test_meetings_and_trainings_of_the_year_are_counted(agency):
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 1, 1))
    ActivityFactory(agency=agency, held_on=TODAY)
    ActivityFactory(agency=agency, held_on=datetime.date(2025, 12, 31))
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 12, 31))  # planned, not held yet
    ActivityFactory(agency=agency, kind="training", held_on=datetime.date(2026, 5, 20))

    values = compute([agency], YEAR, today=TODAY)[agency.pk]
    meetings, trainings = values[Metric.STEERING_MEETINGS], values[Metric.TRAININGS]

    assert (meetings.value, meetings.explanation) == (2, "2 steering committee meetings held in 2026.")
    assert (trainings.value, trainings.explanation) == (1, "1 training session held in 2026.")
    assert meetings.links == (
        (
            "Steering committee meetings",
            f"{reverse('audits:activity_list')}?agency={agency.pk}&year=2026&kind=meeting",
        ),
    )
    assert trainings.links == (
        (
            "Training sessions",
            f"{reverse('audits:activity_list')}?agency={agency.pk}&year=2026&kind=training",
        ),
    )


def test_ontime_rate_counts_the_dossiers_resolved_in_the_months_of_the_year(agency):
    dossiers(agency, datetime.date(2026, 1, 1), early=5, on_time=3, late=2, pending=4)
    dossiers(agency, datetime.date(2026, 11, 1), early=1, on_time=0, late=0)
    dossiers(agency, datetime.date(2025, 12, 1), early=0, on_time=0, late=9)  # last year

    value = metric(agency, Metric.ONTIME_RATE)

    assert value.value == Decimal("0.8181")
    assert value.explanation == (
        "9 of 11 dossiers resolved in 2026 up to 21/11/2026 were resolved early or on time."
    )
    assert value.links == (
        ("One-stop dossier statistics", f"{reverse('procedures:statistics')}?agency={agency.pk}&year=2026"),
    )


def test_ontime_rate_is_unknown_without_a_dossier_resolved(agency):
    dossiers(agency, datetime.date(2026, 3, 1), early=0, on_time=0, late=0, pending=3)

    value = metric(agency, Metric.ONTIME_RATE)

    assert value.value is None
    assert value.explanation == "No one-stop dossier resolved in 2026 up to 21/11/2026 was recorded."


def test_objectives_met_is_the_share_of_the_years_objectives_met(agency):
    for met in (True, True, False, None):
        agency.quality_objectives.create(
            year=YEAR, objective="Mục tiêu", indicator="%", target="100%", met=met
        )
    agency.quality_objectives.create(year=YEAR - 1, objective="Cũ", indicator="%", target="100%", met=True)

    value = metric(agency, Metric.OBJECTIVES_MET)

    assert value.value == Decimal("0.5")
    assert value.explanation == "2 of 4 quality objectives for 2026 are met."


def test_objectives_met_is_unknown_without_objectives(agency):
    value = metric(agency, Metric.OBJECTIVES_MET)

    assert (value.value, value.explanation) == (None, "No quality objective is set for 2026.")


# ---------------------------------------------------------------------------------------------------------
# D. Internal audit; E. Nonconformities; F. Management review


def test_internal_audit_and_management_review_held(agency, other_agency):
    AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
    )
    ManagementReviewFactory(
        agency=agency, held_on=datetime.date(2026, 3, 10), status=ManagementReview.Status.FINALIZED
    )
    ManagementReviewFactory(agency=other_agency, held_on=datetime.date(2026, 3, 10))  # a draft

    values = compute([agency, other_agency], YEAR, today=TODAY)

    mine, other = values[agency.pk], values[other_agency.pk]
    assert (mine[Metric.INTERNAL_AUDIT].value, mine[Metric.INTERNAL_AUDIT].explanation) == (
        True,
        "An internal audit was held and reported in 2026.",
    )
    assert (mine[Metric.MANAGEMENT_REVIEW].value, mine[Metric.MANAGEMENT_REVIEW].explanation) == (
        True,
        "A management review was held in 2026 and its minutes finalized.",
    )
    assert (other[Metric.INTERNAL_AUDIT].value, other[Metric.INTERNAL_AUDIT].explanation) == (
        False,
        "No internal audit held in 2026 has been reported.",
    )
    assert (other[Metric.MANAGEMENT_REVIEW].value, other[Metric.MANAGEMENT_REVIEW].explanation) == (
        False,
        "No management review held in 2026 has finalized minutes.",
    )
    assert mine[Metric.INTERNAL_AUDIT].links == (
        ("Internal audits", f"{reverse('audits:audit_list')}?agency={agency.pk}&year=2026&kind=internal"),
    )
    assert mine[Metric.MANAGEMENT_REVIEW].links == (
        ("Management reviews", f"{reverse('audits:review_list')}?agency={agency.pk}&year=2026"),
    )


def test_nonconformities_due_this_year_closed_by_their_due_date(agency):
    audit = AuditFactory(agency=agency)
    nc(audit, due=datetime.date(2026, 3, 1), status=Status.CLOSED, closed=at(2026, 3, 1, 23, 30))  # on time
    nc(audit, due=datetime.date(2026, 4, 1), status=Status.CLOSED, closed=at(2026, 4, 2, 0, 30))  # late
    nc(audit, due=datetime.date(2026, 10, 1), status=Status.ACTION_PLANNED)  # overdue
    nc(audit, due=datetime.date(2026, 1, 1), status=Status.CLOSED, closed=at(2025, 12, 20, 9))  # on time
    nc(audit, due=datetime.date(2025, 12, 31), status=Status.CLOSED, closed=at(2026, 1, 2, 9))  # last year's
    nc(audit, due=datetime.date(2026, 12, 15))  # not due yet

    value = metric(agency, Metric.NC_CLOSED_ON_TIME)

    assert value.value == Decimal("0.5")
    assert value.explanation == (
        "2 of 4 nonconformities due in 2026 up to 21/11/2026 were closed by their due date."
    )
    assert value.links == (
        (
            "Nonconformities and corrective actions",
            f"{reverse('audits:action_list')}?agency={agency.pk}&source=nonconformity",
        ),
    )


def test_nonconformities_are_full_when_none_was_due(agency):
    nc(AuditFactory(agency=agency), due=datetime.date(2026, 12, 15))

    value = metric(agency, Metric.NC_CLOSED_ON_TIME)

    assert value.value == Decimal(1)
    assert value.explanation == "No nonconformity was due to be closed in 2026 up to 21/11/2026: none due."


def test_inspection_followup_needs_every_action_due_implemented_by_its_due_date(agency, other_agency):
    nc(
        inspection(agency),
        due=datetime.date(2026, 6, 1),
        status=Status.IMPLEMENTED,
        implemented=at(2026, 6, 1, 22),
    )
    nc(inspection(agency, 2025), due=datetime.date(2026, 2, 1))  # last year's inspection: not counted
    late = inspection(other_agency)
    nc(late, due=datetime.date(2026, 6, 1), status=Status.CLOSED, implemented=at(2026, 6, 5, 9))
    nc(late, due=datetime.date(2026, 7, 1), status=Status.IMPLEMENTED, implemented=at(2026, 6, 20, 9))

    values = compute([agency, other_agency], YEAR, today=TODAY)
    mine, other = (
        values[agency.pk][Metric.INSPECTION_FOLLOWUP],
        values[other_agency.pk][Metric.INSPECTION_FOLLOWUP],
    )

    assert mine.value is True
    assert mine.explanation == (
        "1 of 1 corrective action after the 2026 inspection due by 21/11/2026 was carried out by its due "
        "date."
    )
    assert other.value is False
    assert other.explanation == (
        "1 of 2 corrective actions after the 2026 inspection due by 21/11/2026 were carried out by their due "
        "date."
    )
    assert mine.links[0] == (
        "Provincial inspections",
        f"{reverse('audits:audit_list')}?agency={agency.pk}&year=2026&kind=inspection",
    )


def test_inspection_followup_is_met_without_an_inspection_or_with_nothing_due(agency, other_agency):
    nc(inspection(other_agency), due=datetime.date(2026, 12, 20))

    values = compute([agency, other_agency], YEAR, today=TODAY)
    none, not_due = (
        values[agency.pk][Metric.INSPECTION_FOLLOWUP],
        values[other_agency.pk][Metric.INSPECTION_FOLLOWUP],
    )

    assert (none.value, none.explanation) == (True, "No provincial inspection in 2026: nothing to act on.")
    assert (not_due.value, not_due.explanation) == (
        True,
        "No corrective action after the 2026 inspection was due by 21/11/2026.",
    )


def test_review_decisions_due_this_year_implemented_by_their_due_date(agency):
    decision(agency, due=datetime.date(2026, 4, 1), implemented=at(2026, 3, 30, 9))
    decision(agency, due=datetime.date(2026, 5, 1))  # overdue
    decision(agency, due=datetime.date(2026, 6, 1), implemented=at(2026, 6, 2, 9))  # late
    decision(agency, due=datetime.date(2026, 12, 1))  # not due yet

    value = metric(agency, Metric.REVIEW_ACTIONS)

    assert value.value == Decimal("0.3333")
    assert value.explanation == (
        "1 of 3 management review decisions due in 2026 up to 21/11/2026 were carried out by their due date."
    )
    assert value.links == (
        (
            "Management review decisions",
            f"{reverse('audits:action_list')}?agency={agency.pk}&source=review_decision",
        ),
    )


def test_review_decisions_are_full_when_none_was_due(agency):
    value = metric(agency, Metric.REVIEW_ACTIONS)

    assert value.value == Decimal(1)
    assert value.explanation == "No management review decision was due in 2026 up to 21/11/2026: none due."


# ---------------------------------------------------------------------------------------------------------
# G. Declaration


def test_declaration_current_with_iso_9001_2015(agency):
    declaration = DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))

    value = metric(agency, Metric.DECLARATION)

    assert value.value is True
    assert value.explanation == (
        f"Conformity with TCVN ISO 9001:2015 declared on 01/03/2020 (decision {declaration.decision_number})."
    )
    assert value.links == (("QMS status history", reverse("agencies:detail", args=[agency.pk])),)


def test_a_declaration_against_iso_9001_2008_is_not_current(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2016, 3, 1), iso_version="2008")

    value = metric(agency, Metric.DECLARATION)

    assert value.value is False
    assert value.explanation == (
        "The latest declaration, on 01/03/2016, is against TCVN ISO 9001:2008, not TCVN ISO 9001:2015."
    )


def test_a_status_after_the_declaration_leaves_no_declaration_in_force(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    StatusChangeFactory(agency=agency, status=QmsStatus.BUILDING, changed_on=datetime.date(2025, 8, 1))

    value = metric(agency, Metric.DECLARATION)

    assert value.value is False
    assert value.explanation == "The QMS status is “Building” since 01/08/2025: no declaration in force."


def test_a_declaration_after_the_year_does_not_count_for_it(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))

    value = metric(agency, Metric.DECLARATION, year=2019)

    assert value.value is False
    assert value.explanation == "No QMS status recorded by 31/12/2019."


def test_no_change_of_scope_needs_no_redeclaration(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    # The same scope recorded again, spaced differently, is no change.
    StatusChangeFactory(
        agency=agency,
        status=QmsStatus.APPLIED,
        changed_on=datetime.date(2024, 3, 1),
        scope="  Toàn bộ thủ tục hành chính  thuộc thẩm quyền giải quyết",
    )

    value = metric(agency, Metric.REDECLARED)

    assert value.value is True
    assert value.explanation == "No change of scope up to 21/11/2026: nothing to re-declare."


def test_a_new_scope_without_a_new_declaration_is_not_redeclared(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    StatusChangeFactory(
        agency=agency,
        status=QmsStatus.APPLIED,
        changed_on=datetime.date(2025, 8, 1),
        scope="Các thủ tục hành chính cấp xã sau sắp xếp",
    )

    value = metric(agency, Metric.REDECLARED)

    assert value.value is False
    assert value.explanation == (
        "Not re-declared since the change of scope on 01/08/2025 (scope changed with the status “Applied”)."
    )


def test_a_declaration_after_the_new_scope_redeclares(agency):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    StatusChangeFactory(
        agency=agency,
        status=QmsStatus.APPLIED,
        changed_on=datetime.date(2025, 8, 1),
        scope="Các thủ tục hành chính cấp xã sau sắp xếp",
    )
    DeclarationFactory(agency=agency, status=QmsStatus.REDECLARED, changed_on=datetime.date(2025, 10, 1))

    value = metric(agency, Metric.REDECLARED)

    assert value.value is True
    assert value.explanation == "Re-declared after the change of scope on 01/08/2025."


def test_a_merger_calls_for_a_declaration_on_or_after_its_date(agency, province):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    AgencyFactory(
        province=province, name="UBND xã Tân Lập", merged_into=agency, active_until=datetime.date(2025, 6, 30)
    )
    AgencyFactory(province=province, merged_into=agency)  # no date: left out

    before = metric(agency, Metric.REDECLARED)
    DeclarationFactory(agency=agency, status=QmsStatus.REDECLARED, changed_on=datetime.date(2025, 6, 30))
    after = metric(agency, Metric.REDECLARED)

    assert before.value is False
    assert before.explanation == (
        "Not re-declared since the change of scope on 30/06/2025 (UBND xã Tân Lập merged into it)."
    )
    assert (after.value, after.explanation) == (True, "Re-declared after the change of scope on 30/06/2025.")


def test_a_change_of_scope_after_the_year_does_not_count_for_it(agency, province):
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    AgencyFactory(province=province, merged_into=agency, active_until=datetime.date(2026, 1, 1))

    assert metric(agency, Metric.REDECLARED, year=2025).value is True
    assert metric(agency, Metric.REDECLARED).value is False


# ---------------------------------------------------------------------------------------------------------
# H. Self-assessment


@pytest.fixture
def rubric(province):
    return Rubric.objects.create(
        province=province,
        year=YEAR,
        name="Bộ tiêu chí 2026",
        self_assessment_deadline=datetime.date(2027, 1, 15),
    )


def self_assessment(rubric, agency, submitted_at=None) -> Assessment:
    return Assessment.objects.create(
        rubric=rubric,
        agency=agency,
        kind=Assessment.Kind.SELF,
        status=Assessment.Status.SUBMITTED if submitted_at else Assessment.Status.DRAFT,
        submitted_at=submitted_at,
    )


def test_self_assessment_submitted_by_the_deadline_in_local_time(rubric, agency, other_agency, province):
    self_assessment(rubric, agency, at(2027, 1, 15, 23, 30))
    self_assessment(rubric, other_agency, at(2027, 1, 16, 0, 30))
    late_starter = AgencyFactory(province=province)
    self_assessment(rubric, late_starter)

    values = compute([agency, other_agency, late_starter], YEAR, today=TODAY, rubric=rubric)
    mine, late, draft = (values[a.pk][Metric.SELF_ASSESSMENT] for a in (agency, other_agency, late_starter))

    assert (mine.value, mine.explanation) == (
        True,
        "The self-assessment was submitted on 15/01/2027, by the deadline of 15/01/2027.",
    )
    assert (late.value, late.explanation) == (
        False,
        "The self-assessment was submitted on 16/01/2027, after the deadline of 15/01/2027.",
    )
    assert (draft.value, draft.explanation) == (
        False,
        "The self-assessment has not been submitted; the deadline is 15/01/2027.",
    )


def test_without_a_deadline_a_submitted_self_assessment_is_on_time(rubric, agency, other_agency):
    Rubric.objects.filter(pk=rubric.pk).update(self_assessment_deadline=None)
    rubric.refresh_from_db()
    self_assessment(rubric, agency, at(2027, 3, 1, 9))

    values = compute([agency, other_agency], YEAR, today=TODAY, rubric=rubric)

    assert values[agency.pk][Metric.SELF_ASSESSMENT].value is True
    assert values[agency.pk][Metric.SELF_ASSESSMENT].explanation == (
        "The self-assessment was submitted on 01/03/2027 (the rubric sets no deadline)."
    )
    assert values[other_agency.pk][Metric.SELF_ASSESSMENT].value is False


def test_the_official_assessment_is_not_a_self_assessment(rubric, agency):
    Assessment.objects.create(
        rubric=rubric, agency=agency, kind=Assessment.Kind.OFFICIAL, submitted_at=at(2027, 1, 5, 9)
    )

    assert metric(agency, Metric.SELF_ASSESSMENT, rubric=rubric).value is False


def test_self_assessment_is_unknown_without_a_rubric(agency):
    value = metric(agency, Metric.SELF_ASSESSMENT)

    assert (value.value, value.explanation) == (
        None,
        "No rubric given: the self-assessment deadline is unknown.",
    )


# ---------------------------------------------------------------------------------------------------------
# Boundaries, scope, query count


def test_a_past_year_is_counted_as_of_its_last_day(agency):
    audit = AuditFactory(agency=agency)
    nc(audit, due=datetime.date(2025, 12, 31), status=Status.CLOSED, closed=at(2025, 12, 31, 23, 0))
    nc(audit, due=datetime.date(2026, 1, 1))  # next year's
    ActivityFactory(agency=agency, held_on=datetime.date(2025, 12, 31))
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 1, 1))
    dossiers(agency, datetime.date(2025, 12, 1), early=3, on_time=0, late=1)
    dossiers(agency, datetime.date(2026, 1, 1), early=0, on_time=0, late=5)

    values = compute([agency], 2025, today=TODAY)[agency.pk]

    assert values[Metric.NC_CLOSED_ON_TIME].value == Decimal(1)
    assert values[Metric.NC_CLOSED_ON_TIME].explanation == (
        "1 of 1 nonconformity due in 2025 was closed by its due date."
    )
    assert values[Metric.STEERING_MEETINGS].value == 1
    assert values[Metric.ONTIME_RATE].value == Decimal("0.75")
    assert (
        values[Metric.ONTIME_RATE].explanation
        == "3 of 4 dossiers resolved in 2025 were resolved early or on time."
    )


def build(agency, plan, rubric) -> None:
    """Something behind every metric of `agency` in 2026."""
    handled(agency, in_force=True)
    mandatory(agency, SystemTopic.INTERNAL_AUDIT, code="QT-DGNB")
    flag(ProcessFactory(agency=agency), due=datetime.date(2026, 3, 1), resolved=datetime.date(2026, 2, 1))
    agency.quality_policies.create(year=YEAR, text="Chính sách", approved_at=at(YEAR, 1, 10, 9))
    agency.quality_objectives.create(year=YEAR, objective="Đúng hạn", indicator="%", target="100%", met=True)
    ActivityFactory(agency=agency)
    ActivityFactory(agency=agency, kind="training")
    dossiers(agency, datetime.date(2026, 2, 1), early=4, on_time=1, late=0)
    audit = AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
    )
    nc(audit, due=datetime.date(2026, 7, 1), status=Status.CLOSED, closed=at(2026, 6, 20, 9))
    checked = AuditFactory(agency=agency, kind=Audit.Kind.INSPECTION, plan=plan, method=Audit.Method.ON_SITE)
    nc(
        checked,
        due=datetime.date(2026, 8, 1),
        status=Status.CLOSED,
        implemented=at(2026, 7, 20, 9),
        closed=at(2026, 7, 25, 9),
    )
    ManagementReviewFactory(
        agency=agency, held_on=datetime.date(2026, 3, 1), status=ManagementReview.Status.FINALIZED
    )
    decision(agency, due=datetime.date(2026, 4, 1), implemented=at(2026, 3, 20, 9))
    DeclarationFactory(agency=agency, changed_on=datetime.date(2020, 3, 1))
    StatusChangeFactory(
        agency=agency, status=QmsStatus.APPLIED, changed_on=datetime.date(2025, 8, 1), scope="Mới"
    )
    AgencyFactory(province=agency.province, merged_into=agency, active_until=datetime.date(2025, 6, 30))
    self_assessment(rubric, agency, at(2027, 1, 10, 9))


FULL_MARKS = {
    Metric.COVERAGE: Decimal(1),
    Metric.OBJECTIVES_DEFINED: True,
    Metric.SYSTEM_PROCESSES: Decimal("0.2"),
    Metric.LEGAL_UPDATES: Decimal(1),
    Metric.STEERING_MEETINGS: 1,
    Metric.TRAININGS: 1,
    Metric.ONTIME_RATE: Decimal(1),
    Metric.OBJECTIVES_MET: Decimal(1),
    Metric.INTERNAL_AUDIT: True,
    Metric.NC_CLOSED_ON_TIME: Decimal(1),
    Metric.INSPECTION_FOLLOWUP: True,
    Metric.MANAGEMENT_REVIEW: True,
    Metric.REVIEW_ACTIONS: Decimal(1),
    Metric.DECLARATION: False,
    Metric.REDECLARED: False,
    Metric.SELF_ASSESSMENT: True,
}


def test_agencies_of_another_province_are_unaffected(agency, foreign_agency):
    build(
        foreign_agency,
        InspectionPlanFactory(province=foreign_agency.province),
        Rubric.objects.create(province=foreign_agency.province, year=YEAR, name="Bộ tiêu chí"),
    )
    alone = compute([agency], YEAR, today=TODAY)[agency.pk]

    values = compute([agency, foreign_agency], YEAR, today=TODAY)

    assert values[agency.pk] == alone
    assert values[agency.pk][Metric.STEERING_MEETINGS].value == 0
    assert values[agency.pk][Metric.COVERAGE].value is None
    assert values[foreign_agency.pk][Metric.STEERING_MEETINGS].value == 1


@pytest.mark.parametrize("size", [3, 12])
def test_query_count_does_not_depend_on_the_number_of_agencies(
    province, rubric, django_assert_num_queries, size
):
    plan = InspectionPlanFactory(province=province)
    for _ in range(size):
        build(AgencyFactory(province=province), plan, rubric)
    agencies = Agency.objects.filter(province=province, merged_into__isnull=True)
    # Expect 18 queries: the agency ids; procedures handled, those with a process in force, review flags
    # open, dossiers of the last twelve months (the procedure summaries); approved policies; objectives;
    # system processes in force; review flags due; the audit summaries (agencies with meetings and
    # trainings, audits, inspection findings, actions, reviews); the year's dossiers; status changes;
    # mergers; self-assessments.
    with django_assert_num_queries(18):
        values = compute(agencies, YEAR, today=TODAY, rubric=rubric)

    assert len(values) == size
    assert all(
        {key: value.value for key, value in per_agency.items()} == FULL_MARKS
        for per_agency in values.values()
    )


def test_every_metric_of_the_default_rubric_earns_points_within_its_maximum(province, agency):
    rubric = create_default_rubric(province, YEAR, self_assessment_deadline=datetime.date(2027, 1, 15))
    build(agency, InspectionPlanFactory(province=province), rubric)
    values = compute([agency], YEAR, today=TODAY, rubric=rubric)[agency.pk]

    earned = {
        criterion.code: figures(criterion, values[criterion.metric])[1]
        for criterion in rubric.criteria.exclude(metric="")
    }

    assert earned == {
        "A1": Decimal("6.00"),
        "A2": Decimal("4.00"),
        "A3": Decimal("0.80"),
        "A5": Decimal("3.00"),
        "B2": Decimal("2.00"),
        "B3": Decimal("3.00"),
        "C1": Decimal("8.00"),
        "C3": Decimal("6.00"),
        "D1": Decimal("6.00"),
        "E1": Decimal("8.00"),
        "E2": Decimal("5.00"),
        "F1": Decimal("6.00"),
        "F2": Decimal("4.00"),
        "G1": Decimal("0.00"),
        "G3": Decimal("0.00"),
        "H2": Decimal("2.00"),
    }


# ---------------------------------------------------------------------------------------------------------
# The process form names the system topic


def create(client, agency, **fields):
    body = {"agency": agency.pk, "code": "QT-DGNB", "title": "Quy trình đánh giá nội bộ", "kind": "mandatory"}
    return client.post(reverse("procedures:process_create"), body | fields)


def test_secretary_names_the_system_topic_of_a_mandatory_procedure(client_as, secretary, agency):
    client = client_as(secretary)

    response = create(client, agency, system_topic=SystemTopic.INTERNAL_AUDIT)

    process = Process.objects.get()
    assert response.status_code == 302
    assert process.system_topic == SystemTopic.INTERNAL_AUDIT
    page = client.get(process.get_absolute_url()).content.decode()
    assert '<span data-figure="system-topic">System process: Internal audit</span>' in page


def test_the_process_form_offers_the_five_system_topics(client_as, secretary, agency):
    page = client_as(secretary).get(reverse("procedures:process_create")).content.decode()

    assert 'name="system_topic"' in page
    assert all(f'value="{topic}"' in page for topic in SystemTopic.values)


def test_a_system_topic_on_a_procedure_process_is_refused(client_as, secretary, agency):
    procedure = handled(agency)

    response = create(
        client_as(secretary),
        agency,
        kind="procedure",
        procedure=procedure.pk,
        system_topic=SystemTopic.INTERNAL_AUDIT,
    )

    assert response.status_code == 400
    assert (
        "Only a mandatory QMS procedure is one of the system processes: leave this empty or choose the kind "
        "“Mandatory QMS procedure”." in response.content.decode()
    )
    assert not Process.objects.exists()


def test_a_second_process_for_the_same_system_topic_is_refused(client_as, secretary, agency):
    existing = mandatory(agency, SystemTopic.INTERNAL_AUDIT, code="QT-DG")

    response = create(client_as(secretary), agency, system_topic=SystemTopic.INTERNAL_AUDIT)

    assert response.status_code == 400
    assert (
        f"UBND xã Tiến Dũng already has a process for “Internal audit”: {existing.code} {existing.title}."
        in response.content.decode()
    )
    assert list(Process.objects.all()) == [existing]


def test_another_agency_may_name_the_same_system_topic(client_as, secretary, agency, other_agency):
    mandatory(other_agency, SystemTopic.INTERNAL_AUDIT)

    response = create(client_as(secretary), agency, system_topic=SystemTopic.INTERNAL_AUDIT)

    assert response.status_code == 302
    assert Process.objects.filter(system_topic=SystemTopic.INTERNAL_AUDIT).count() == 2


def test_a_mandatory_procedure_may_have_no_system_topic(client_as, secretary, agency):
    response = create(client_as(secretary), agency, code="QT-KSHS", title="Quy trình kiểm soát hồ sơ")

    assert response.status_code == 302
    assert Process.objects.get().system_topic == ""


def test_the_database_refuses_a_topic_on_another_kind(agency):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessFactory(agency=agency, system_topic=SystemTopic.INTERNAL_AUDIT)
