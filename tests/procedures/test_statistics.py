"""On-time rates of one-stop dossiers: the two definitions, the aggregate selectors, the statistics page."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Agency
from procedures.models import DossierStatistic
from procedures.statistics import Rate, ontime_by_procedure, ontime_rates, ontime_total
from tests.factories import AdministrativeProcedureFactory, AgencyFactory

pytestmark = pytest.mark.django_db

YEAR_2025 = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


def figure(agency, procedure, month: date, early=0, on_time=0, late=0, pending=0) -> DossierStatistic:
    return DossierStatistic.objects.create(
        agency=agency,
        procedure=procedure,
        month=month,
        received=early + on_time + late + pending,
        early=early,
        on_time=on_time,
        late=late,
        pending=pending,
    )


def page(client, **params):
    return client.get(reverse("procedures:statistics"), params)


def agency_lines(response) -> dict[str, tuple[int, ...]]:
    return {
        line.subject.code: (
            line.rate.received,
            line.rate.early,
            line.rate.on_time,
            line.rate.late,
            line.rate.pending,
        )
        for line in response.context["page_obj"]
    }


@pytest.fixture
def birth(db):
    return AdministrativeProcedureFactory(code="1.001193", name="Thủ tục đăng ký khai sinh")


@pytest.fixture
def marriage(db):
    return AdministrativeProcedureFactory(code="1.000775", name="Thủ tục đăng ký kết hôn")


# --- the rates ---------------------------------------------------------------------------------------------


def test_rates_on_a_hand_built_case():
    rate = Rate(received=10, early=3, on_time=5, late=1, pending=1)
    assert rate.of_received == 0.8
    assert rate.of_processed == 8 / 9


def test_rates_without_a_base_are_none():
    assert Rate().of_received is None
    assert Rate().of_processed is None
    only_pending = Rate(received=2, pending=2)
    assert (only_pending.of_received, only_pending.of_processed) == (0.0, None)


def test_ontime_rates_sum_the_months_of_the_period_per_agency(agency, other_agency, birth, marriage):
    figure(agency, birth, date(2025, 1, 1), early=3, on_time=5, late=1, pending=1)
    figure(agency, marriage, date(2025, 3, 1), on_time=2, late=1)
    figure(agency, birth, date(2024, 12, 1), late=7)  # before the period
    figure(agency, birth, date(2025, 4, 1), late=9)  # after it
    figure(other_agency, birth, date(2025, 2, 1), early=1)
    rates = ontime_rates(Agency.objects.all(), start=date(2025, 1, 15), end=date(2025, 3, 31))
    assert rates == {
        agency.pk: Rate(received=13, early=3, on_time=7, late=2, pending=1),
        other_agency.pk: Rate(received=1, early=1),
    }


def test_an_agency_without_figures_is_absent_from_the_rates(agency, other_agency, birth):
    figure(agency, birth, date(2025, 1, 1), on_time=1)
    assert set(ontime_rates([agency.pk, other_agency.pk], **YEAR_2025)) == {agency.pk}


@pytest.mark.parametrize("size", [2, 12])
def test_each_selector_is_one_query_whatever_the_number_of_agencies(
    province, birth, marriage, size, django_assert_num_queries
):
    for agency in AgencyFactory.create_batch(size, province=province):
        figure(agency, birth, date(2025, 1, 1), on_time=2, late=1)
        figure(agency, marriage, date(2025, 2, 1), early=1)
    agencies = Agency.objects.filter(province=province)
    with django_assert_num_queries(1):  # the SUMs grouped by agency
        assert len(ontime_rates(agencies, **YEAR_2025)) == size
    with django_assert_num_queries(1):  # the SUMs grouped by procedure
        assert len(ontime_by_procedure(agencies, **YEAR_2025)) == 2
    with django_assert_num_queries(1):  # the SUMs over everything
        assert ontime_total(agencies, **YEAR_2025) == Rate(
            received=4 * size, early=size, on_time=2 * size, late=size
        )


def test_ontime_by_procedure_puts_the_most_late_first(agency, birth, marriage):
    figure(agency, birth, date(2025, 1, 1), on_time=9, late=1)
    figure(agency, marriage, date(2025, 1, 1), on_time=1, late=4)
    assert list(ontime_by_procedure([agency], **YEAR_2025).items()) == [
        (marriage.pk, Rate(received=5, on_time=1, late=4)),
        (birth.pk, Rate(received=10, on_time=9, late=1)),
    ]


def test_ontime_by_procedure_keeps_the_first_ones_when_limited(agency, birth, marriage):
    figure(agency, birth, date(2025, 1, 1), on_time=9, late=1)
    figure(agency, marriage, date(2025, 1, 1), on_time=1, late=4)
    assert list(ontime_by_procedure([agency], **YEAR_2025, limit=1)) == [marriage.pk]


# --- the page -----------------------------------------------------------------------------------------------


def test_secretary_sees_only_their_agency_figures(client_as, secretary, agency, other_agency, birth):
    figure(agency, birth, date(2025, 1, 1), early=3, on_time=5, late=1, pending=1)
    figure(other_agency, birth, date(2025, 1, 1), late=50)
    response = page(client_as(secretary), year=2025)
    assert response.status_code == 200
    assert agency_lines(response) == {"XTIENDUNG": (10, 3, 5, 1, 1)}
    assert response.context["total"].rate == Rate(received=10, early=3, on_time=5, late=1, pending=1)
    assert response.context["late_most_often"][0].rate.late == 1
    assert "UBND xã Long Hưng" not in response.content.decode()


def test_secretary_cannot_reach_another_agency_through_the_filter(
    client_as, secretary, agency, other_agency, birth
):
    figure(other_agency, birth, date(2025, 1, 1), late=50)
    response = page(client_as(secretary), year=2025, agency=other_agency.pk)
    assert response.status_code == 200
    assert agency_lines(response) == {}


def test_reviewer_sees_every_agency_of_the_province_and_no_other(
    client_as, reviewer, agency, other_agency, foreign_agency, birth
):
    figure(agency, birth, date(2025, 1, 1), on_time=4)
    figure(other_agency, birth, date(2025, 2, 1), late=2)
    figure(foreign_agency, birth, date(2025, 2, 1), late=7)
    response = page(client_as(reviewer), year=2025)
    assert agency_lines(response) == {"XTIENDUNG": (4, 0, 4, 0, 0), "XLONGHUNG": (2, 0, 0, 2, 0)}
    assert response.context["total"].rate == Rate(received=6, on_time=4, late=2)


def test_reviewer_cannot_filter_on_an_agency_of_another_province(client_as, reviewer, foreign_agency):
    response = page(client_as(reviewer), year=2025, agency=foreign_agency.pk)
    assert response.status_code == 400
    assert "agency" in response.context["form"].errors


def test_the_page_shows_both_rates_with_their_bases(client_as, secretary, agency, birth):
    figure(agency, birth, date(2025, 1, 1), early=3, on_time=5, late=1, pending=1)
    response = page(client_as(secretary), year=2025)
    html = response.content.decode()
    (line,) = response.context["page_obj"]
    assert line.of_received_percent == 80.0
    assert round(line.of_processed_percent, 1) == 88.9
    assert "61/2018" in html
    assert "80,0%" in html and "88,9%" in html


def test_the_page_opens_on_the_latest_year_with_figures(client_as, secretary, agency, birth):
    figure(agency, birth, date(2023, 6, 1), on_time=1)
    response = page(client_as(secretary))
    assert response.context["period"].start == date(2023, 1, 1)
    assert agency_lines(response) == {"XTIENDUNG": (1, 0, 1, 0, 0)}


def test_a_quarter_narrows_the_period(client_as, secretary, agency, birth):
    figure(agency, birth, date(2025, 3, 1), on_time=1)
    figure(agency, birth, date(2025, 4, 1), late=2)
    figure(agency, birth, date(2025, 6, 1), early=4)
    figure(agency, birth, date(2025, 7, 1), pending=8)
    response = page(client_as(secretary), year=2025, quarter=2)
    assert (response.context["period"].start, response.context["period"].end) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
    )
    assert agency_lines(response) == {"XTIENDUNG": (6, 4, 0, 2, 0)}


def test_a_month_range_overrides_the_year(client_as, secretary, agency, birth):
    figure(agency, birth, date(2024, 11, 1), on_time=1)
    figure(agency, birth, date(2025, 2, 1), late=2)
    figure(agency, birth, date(2025, 3, 1), early=4)
    response = page(client_as(secretary), year=2020, month_from="2024-11", month_to="2025-02")
    assert (response.context["period"].start, response.context["period"].end) == (
        date(2024, 11, 1),
        date(2025, 2, 28),
    )
    assert agency_lines(response) == {"XTIENDUNG": (3, 0, 1, 2, 0)}


@pytest.mark.parametrize(
    ("month_from", "month_to"), [("2025-03", ""), ("2025-03", "2025-01"), ("2025-13", "2025-12")]
)
def test_an_incomplete_or_reversed_month_range_is_refused(client_as, secretary, agency, month_from, month_to):
    response = page(client_as(secretary), month_from=month_from, month_to=month_to)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_reviewer_filters_by_agency_and_by_level(client_as, reviewer, agency, province, birth):
    department = AgencyFactory(
        province=province, code="STP", name="Sở Tư pháp", level=Agency.Level.DEPARTMENT
    )
    figure(agency, birth, date(2025, 1, 1), on_time=1)
    figure(department, birth, date(2025, 1, 1), late=3)
    client = client_as(reviewer)
    assert set(agency_lines(page(client, year=2025, agency=agency.pk))) == {"XTIENDUNG"}
    assert set(agency_lines(page(client, year=2025, level=Agency.Level.DEPARTMENT))) == {"STP"}
    assert set(agency_lines(page(client, year=2025, q="tien dung"))) == {"XTIENDUNG"}


def test_agencies_sort_by_lowest_on_time_rate(client_as, reviewer, agency, other_agency, province, birth):
    best = AgencyFactory(province=province, code="XAN", name="UBND xã An")
    figure(agency, birth, date(2025, 1, 1), on_time=1, late=1)
    figure(other_agency, birth, date(2025, 1, 1), late=1)
    figure(best, birth, date(2025, 1, 1), on_time=1)
    response = page(client_as(reviewer), year=2025, sort="rate")
    assert list(agency_lines(response)) == ["XLONGHUNG", "XTIENDUNG", "XAN"]


def test_procedures_late_most_often_are_the_top_ten_by_late_count(client_as, reviewer, agency):
    procedures = [AdministrativeProcedureFactory(code=f"1.{n:06d}") for n in range(12)]
    for late, procedure in enumerate(procedures):
        figure(agency, procedure, date(2025, 1, 1), on_time=5, late=late)
    response = page(client_as(reviewer), year=2025)
    lines = response.context["late_most_often"]
    assert [line.subject.code for line in lines] == [f"1.{n:06d}" for n in range(11, 1, -1)]
    assert lines[0].rate == Rate(received=16, on_time=5, late=11)
    assert lines[0].of_processed_percent == 5 / 16 * 100


def test_an_empty_period_shows_the_empty_state(client_as, reviewer, agency, birth):
    figure(agency, birth, date(2025, 1, 1), on_time=1)
    response = page(client_as(reviewer), year=2021)
    assert response.status_code == 200
    assert agency_lines(response) == {}
    assert response.context["late_most_often"] == []
    assert 'data-empty="statistics"' in response.content.decode()


def test_the_agency_table_exports_to_xlsx(client_as, reviewer, agency, other_agency, foreign_agency, birth):
    figure(agency, birth, date(2025, 1, 1), early=3, on_time=5, late=1, pending=1)
    figure(other_agency, birth, date(2025, 1, 1), pending=2)
    figure(foreign_agency, birth, date(2025, 1, 1), late=3)
    response = page(client_as(reviewer), year=2025, export="xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="one-stop-statistics-202501-202512.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[1:3] + row[4:] for row in rows[1:-1]] == [
        ("XLONGHUNG", "UBND xã Long Hưng", 2, 0, 0, 0, 2, 0, None),
        ("XTIENDUNG", "UBND xã Tiến Dũng", 10, 3, 5, 1, 1, 80.0, 88.9),
    ]
    assert rows[-1][4:] == (12, 3, 5, 1, 3, 66.7, 88.9)  # the total


def test_anonymous_is_sent_to_login_from_the_statistics(client):
    response = page(client)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("size", [2, 8])
def test_the_page_query_count_does_not_grow_with_agencies(
    client_as, reviewer, province, birth, marriage, size, django_assert_num_queries
):
    for agency in AgencyFactory.create_batch(size, province=province):
        figure(agency, birth, date(2025, 1, 1), on_time=2, late=1)
        figure(agency, marriage, date(2025, 2, 1), early=1, late=1)
    client = client_as(reviewer)
    # Expect 9 queries: the session, the user, the user's memberships, the provinces the user sees,
    # the sums per agency, those agencies with their province, the sums per procedure, the procedures
    # late most often, and the agencies offered by the filter.
    with django_assert_num_queries(9):
        response = page(client, year=2025)
    assert len(response.context["page_obj"].object_list) == size
