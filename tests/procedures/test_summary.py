"""The one function behind "44/44 procedures standardized": coverage, flags and on-time rate per agency."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Agency
from procedures.models import DossierStatistic, ProcessRevision, ReviewFlag
from procedures.selectors import agency_summaries
from tests.factories import (
    AdministrativeProcedureFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    InForceRevisionFactory,
    LegalDocumentFactory,
    ProcessFactory,
    ProcessRevisionFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


def build(agency, *, handled=4, in_force=3, draft_only=1, flags=((2026, 12, 31), (2026, 10, 1)), stats=True):
    """`handled` procedures; processes in force for `in_force` of them, a draft-only process for another."""
    procedures = [AdministrativeProcedureFactory() for _ in range(handled)]
    for procedure in procedures:
        AgencyProcedureFactory(agency=agency, procedure=procedure)
    processes = []
    for procedure in procedures[:in_force]:
        process = ProcessFactory(agency=agency, procedure=procedure)
        InForceRevisionFactory(process=process)
        processes.append(process)
    for procedure in procedures[in_force : in_force + draft_only]:
        ProcessRevisionFactory(process=ProcessFactory(agency=agency, procedure=procedure))
    for due in flags:
        ReviewFlag.objects.create(
            process=processes[0],
            legal_document=LegalDocumentFactory(),
            document_status="amended",
            raised_on=datetime.date(2026, 7, 1),
            due_on=datetime.date(*due),
        )
    if stats:
        DossierStatistic.objects.create(
            agency=agency,
            procedure=procedures[0],
            month=datetime.date(2026, 3, 1),
            received=10,
            early=3,
            on_time=5,
            late=1,
            pending=1,
        )


def test_summary_on_a_hand_built_agency(agency):
    build(agency)
    summary = agency_summaries(Agency.objects.filter(pk=agency.pk), on=TODAY)[agency.pk]
    assert (summary.handled, summary.in_force, summary.flags_open, summary.flags_overdue) == (4, 3, 2, 1)
    assert summary.coverage == Decimal(3) / 4
    assert summary.ontime.of_received == pytest.approx(0.8)
    assert summary.ontime.of_processed == pytest.approx(8 / 9)


def test_a_superseded_or_resolved_record_does_not_count(agency):
    build(agency, flags=())
    process = agency.processes.filter(revisions__status="in_force").first()
    process.revisions.update(status=ProcessRevision.Status.SUPERSEDED)
    summary = agency_summaries(Agency.objects.filter(pk=agency.pk), on=TODAY)[agency.pk]
    assert (summary.handled, summary.in_force, summary.flags_open) == (4, 2, 0)


def test_an_agency_with_nothing_has_no_coverage_figure(agency):
    summary = agency_summaries(Agency.objects.filter(pk=agency.pk), on=TODAY)[agency.pk]
    assert (summary.handled, summary.in_force, summary.coverage, summary.ontime) == (0, 0, None, None)


@pytest.mark.parametrize("size", [2, 12])
def test_summary_query_count_does_not_depend_on_agencies(province, django_assert_num_queries, size):
    for _ in range(size):
        build(AgencyFactory(province=province))
    # Expect 4 queries: procedures handled, those with a process in force, flag counts, on-time rates.
    with django_assert_num_queries(4):
        summaries = agency_summaries(Agency.objects.filter(province=province), on=TODAY)
    assert len(summaries) == size
    assert {s.in_force for s in summaries.values()} == {3}


def test_the_agency_page_shows_the_summary(client_as, secretary, agency):
    build(agency)
    html = client_as(secretary).get(reverse("agencies:detail", args=[agency.pk])).content.decode()
    assert 'data-figure="coverage">3/4<' in html
    assert 'data-figure="flags">2<' in html
