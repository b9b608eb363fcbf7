"""audit_summaries: the one function behind "internal audit held", "NCs closed on time" and the like."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from audits.models import Action, Audit, Finding, ManagementReview
from audits.summary import AuditSummary, audit_summaries
from tests.factories import (
    ActionFactory,
    ActivityFactory,
    AgencyFactory,
    AuditFactory,
    FindingFactory,
    InspectionPlanFactory,
    ManagementReviewFactory,
)

pytestmark = pytest.mark.django_db
HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.date(2026, 11, 21)
Status = Action.Status


def at(*parts) -> datetime.datetime:
    """A moment in Vietnamese local time."""
    return datetime.datetime(*parts, tzinfo=HANOI)


def nc(audit, *, created, due, status=Status.OPEN, implemented=None, closed=None, grade="minor"):
    """A finding of `audit` tracked as a nonconformity action, with its dates set as given."""
    action = ActionFactory(
        finding=FindingFactory(audit=audit, grade=grade),
        due_date=due,
        status=status,
        implemented_at=implemented,
        closed_at=closed,
    )
    Action.objects.filter(pk=action.pk).update(created_at=created)
    return action


@pytest.fixture
def case(province, agency, other_agency):
    """Agency A (`agency`) with a full year; B (`other_agency`) with little; C with nothing."""
    internal_2026 = AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
    )
    AuditFactory(agency=agency, title="Planned, not held")
    internal_2025 = AuditFactory(
        agency=agency,
        status=Audit.Status.CLOSED,
        planned_start=datetime.date(2025, 12, 15),
        planned_end=datetime.date(2025, 12, 20),
        actual_start=datetime.date(2025, 12, 15),
        actual_end=datetime.date(2025, 12, 20),
    )
    inspection_2026 = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=InspectionPlanFactory(province=province, year=2026),
        method=Audit.Method.ON_SITE,
        status=Audit.Status.REPORTED,
    )
    inspection_2025 = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=InspectionPlanFactory(province=province, year=2025, title="2025"),
        method=Audit.Method.DOCUMENTS,
        planned_start=datetime.date(2025, 9, 1),
        planned_end=datetime.date(2025, 9, 1),
    )
    # Nonconformities of the internal audits.
    nc(  # closed late in the evening of its due date: on time
        internal_2026,
        created=at(2026, 2, 1, 10),
        due=datetime.date(2026, 3, 1),
        status=Status.CLOSED,
        implemented=at(2026, 2, 25, 9),
        closed=at(2026, 3, 1, 23, 30),
    )
    nc(  # closed at 00:30 the day after its due date (still the due date in UTC): late
        internal_2026,
        created=at(2026, 3, 1, 10),
        due=datetime.date(2026, 4, 1),
        status=Status.CLOSED,
        implemented=at(2026, 3, 30, 9),
        closed=at(2026, 4, 2, 0, 30),
    )
    nc(  # overdue
        internal_2026,
        created=at(2026, 4, 1, 10),
        due=datetime.date(2026, 10, 1),
        status=Status.ACTION_PLANNED,
    )
    nc(internal_2026, created=at(2026, 5, 1, 10), due=datetime.date(2026, 12, 15))  # not due yet
    nc(  # overdue at the end of 2025, implemented in January 2026
        internal_2025,
        created=at(2025, 11, 1, 10),
        due=datetime.date(2025, 12, 1),
        status=Status.IMPLEMENTED,
        implemented=at(2026, 1, 10, 9),
    )
    nc(  # opened in 2025, closed on time at 00:30 on New Year's Day (still 2025 in UTC)
        internal_2025,
        created=at(2025, 12, 1, 10),
        due=datetime.date(2026, 1, 5),
        status=Status.CLOSED,
        implemented=at(2025, 12, 28, 9),
        closed=at(2026, 1, 1, 0, 30),
    )
    # Findings of the inspections.
    nc(inspection_2026, created=at(2026, 9, 1, 10), due=datetime.date(2026, 12, 31))  # open
    nc(  # closed on time
        inspection_2026,
        created=at(2026, 9, 1, 10),
        due=datetime.date(2026, 10, 31),
        status=Status.CLOSED,
        implemented=at(2026, 10, 10, 9),
        closed=at(2026, 10, 20, 10),
        grade=Finding.Grade.MAJOR,
    )
    FindingFactory(audit=inspection_2026, grade=Finding.Grade.OBSERVATION)  # no action needed
    FindingFactory(audit=inspection_2026, grade=Finding.Grade.MINOR)  # not tracked yet: open
    nc(inspection_2025, created=at(2025, 10, 1, 10), due=datetime.date(2025, 11, 1))  # open, overdue
    # Management reviews; a decision overdue is not a nonconformity.
    review = ManagementReviewFactory(
        agency=agency, held_on=datetime.date(2026, 3, 10), status=ManagementReview.Status.FINALIZED
    )
    ManagementReviewFactory(agency=agency, held_on=datetime.date(2025, 12, 15))  # a draft
    Action.objects.create(
        agency=agency,
        source=Action.Source.REVIEW_DECISION,
        review=review,
        title="Bổ sung nhân lực bộ phận một cửa",
        due_date=datetime.date(2026, 5, 1),
    )
    # Meetings and trainings.
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 3, 15))
    ActivityFactory(agency=agency, held_on=datetime.date(2026, 9, 15))
    ActivityFactory(agency=agency, kind="training", held_on=datetime.date(2026, 5, 20))
    ActivityFactory(agency=agency, held_on=datetime.date(2025, 12, 20))
    # Agency B.
    ActivityFactory(agency=other_agency, kind="training", held_on=datetime.date(2026, 4, 1))
    ManagementReviewFactory(
        agency=other_agency, held_on=datetime.date(2025, 6, 1), status=ManagementReview.Status.FINALIZED
    )
    ManagementReviewFactory(agency=other_agency, held_on=datetime.date(2026, 6, 1))  # a draft
    return AgencyFactory(province=province, code="XTRONG", name="UBND xã Trống")


def test_every_figure_of_the_current_year(agency, other_agency, case):
    summaries = audit_summaries(Agency.objects.all(), 2026, today=TODAY)
    assert summaries[agency.pk] == AuditSummary(
        internal_audit_held=True,
        management_review_held=True,
        inspections=1,
        inspection_findings_open=2,
        ncs_opened=6,
        ncs_closed=4,
        ncs_closed_on_time=3,
        ncs_overdue=2,
        meetings=2,
        trainings=1,
        ncs_due=5,
        ncs_due_closed_on_time=3,
        inspection_actions_due=1,
        inspection_actions_on_time=1,
        review_decisions_due=1,
        review_decisions_on_time=0,
    )
    assert summaries[agency.pk].ncs_on_time_share == 0.75
    assert summaries[other_agency.pk] == AuditSummary(trainings=1)
    assert summaries[case.pk] == AuditSummary()


def test_a_past_year_is_counted_as_of_its_last_day(agency, other_agency, case):
    summaries = audit_summaries([agency, other_agency, case], 2025, today=TODAY)
    assert summaries[agency.pk] == AuditSummary(
        internal_audit_held=True,
        management_review_held=False,
        inspections=1,
        inspection_findings_open=1,
        ncs_opened=3,
        ncs_closed=0,
        ncs_closed_on_time=0,
        ncs_overdue=2,
        meetings=1,
        trainings=0,
        ncs_due=2,
        ncs_due_closed_on_time=0,
        inspection_actions_due=1,
        inspection_actions_on_time=0,
    )
    assert summaries[agency.pk].ncs_on_time_share is None
    assert summaries[other_agency.pk] == AuditSummary(management_review_held=True)
    assert summaries[case.pk] == AuditSummary()


def test_overdue_counts_as_of_today_during_the_year(agency, case):
    """Mid-year, an action due later in the year is not overdue yet."""
    summary = audit_summaries([agency], 2026, today=datetime.date(2026, 9, 1))[agency.pk]
    # The one due 01/10/2026 is not yet late; the 2025 inspection finding still is.
    assert summary.ncs_overdue == 1


def test_actions_due_count_up_to_today_during_the_year(agency, case):
    """On 01/09/2026 the nonconformity due 01/10/2026 and the inspection's actions are not due yet."""
    summary = audit_summaries([agency], 2026, today=datetime.date(2026, 9, 1))[agency.pk]
    assert (summary.ncs_due, summary.ncs_due_closed_on_time) == (3, 2)
    assert (summary.inspection_actions_due, summary.inspection_actions_on_time) == (0, 0)
    assert (summary.review_decisions_due, summary.review_decisions_on_time) == (1, 0)


def test_a_decision_implemented_late_in_the_evening_of_its_due_date_is_on_time(agency, case):
    decision = Action.objects.get(agency=agency, source=Action.Source.REVIEW_DECISION)
    Action.objects.filter(pk=decision.pk).update(
        status=Status.IMPLEMENTED, implemented_at=at(2026, 5, 1, 23, 30)
    )
    summary = audit_summaries([agency], 2026, today=TODAY)[agency.pk]
    assert (summary.review_decisions_due, summary.review_decisions_on_time) == (1, 1)

    Action.objects.filter(pk=decision.pk).update(implemented_at=at(2026, 5, 2, 0, 30))
    summary = audit_summaries([agency], 2026, today=TODAY)[agency.pk]
    assert (summary.review_decisions_due, summary.review_decisions_on_time) == (1, 0)


def test_an_inspection_action_implemented_after_its_due_date_is_late_even_if_closed(agency, province):
    inspection = AuditFactory(
        agency=agency,
        kind=Audit.Kind.INSPECTION,
        plan=InspectionPlanFactory(province=province, year=2026),
        method=Audit.Method.ON_SITE,
    )
    nc(
        inspection,
        created=at(2026, 3, 1, 10),
        due=datetime.date(2026, 5, 1),
        status=Status.CLOSED,
        implemented=at(2026, 5, 3, 9),
        closed=at(2026, 5, 10, 9),
    )
    summary = audit_summaries([agency], 2026, today=TODAY)[agency.pk]
    assert (summary.inspection_actions_due, summary.inspection_actions_on_time) == (1, 0)
    assert (summary.ncs_due, summary.ncs_due_closed_on_time) == (1, 0)


def test_today_defaults_to_the_local_date(monkeypatch, agency, case):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    assert audit_summaries([agency.pk], 2026)[agency.pk].ncs_overdue == 2


def test_no_agency_gives_an_empty_result(db):
    assert audit_summaries(Agency.objects.none(), 2026) == {}


def build(agency, province_plan):
    audit = AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
    )
    nc(audit, created=at(2026, 6, 3, 10), due=datetime.date(2026, 7, 1))
    inspection = AuditFactory(agency=agency, kind="inspection", plan=province_plan, method="on_site")
    FindingFactory(audit=inspection)
    ManagementReviewFactory(agency=agency, held_on=datetime.date(2026, 3, 1), status="finalized")
    ActivityFactory(agency=agency)
    ActivityFactory(agency=agency, kind="training")


@pytest.mark.parametrize("size", [2, 12])
def test_query_count_does_not_depend_on_the_number_of_agencies(province, django_assert_num_queries, size):
    plan = InspectionPlanFactory(province=province, year=2026)
    for _ in range(size):
        build(AgencyFactory(province=province), plan)
    # Expect 5 queries: the agencies with the year's meetings and trainings, audits (internal held,
    # inspections), open findings of the inspections, nonconformity actions, finalized reviews.
    with django_assert_num_queries(5):
        summaries = audit_summaries(Agency.objects.filter(province=province), 2026, today=TODAY)
    assert len(summaries) == size
    assert set(summaries.values()) == {
        AuditSummary(
            internal_audit_held=True,
            management_review_held=True,
            inspections=1,
            inspection_findings_open=1,
            ncs_opened=1,
            ncs_overdue=1,
            meetings=1,
            trainings=1,
            ncs_due=1,
        )
    }


def test_the_agency_page_shows_this_years_figures(client_as, monkeypatch, settings, secretary, agency, case):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    client = client_as(secretary)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("agencies:detail", args=[agency.pk])).content.decode()
    assert 'id="agency-audits">Audits and improvement in 2026<' in html
    assert 'data-figure="internal-audit"><span class="text-success">' in html
    assert 'data-figure="inspections">1<' in html
    assert 'data-figure="ncs-opened">6<' in html
    assert 'data-figure="ncs-closed">4<' in html
    assert 'data-figure="ncs-overdue">2<' in html
    assert 'data-figure="meetings">2<' in html
    assert 'data-figure="trainings">1<' in html
    assert f"{reverse('audits:review_list')}?agency={agency.pk}" in html
    assert f"{reverse('audits:activity_list')}?agency={agency.pk}" in html
