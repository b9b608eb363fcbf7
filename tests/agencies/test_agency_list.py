"""The agency list: search, filters, sort, pagination, export, and a flat query count."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Agency
from tests.factories import AgencyFactory, DeclarationFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db


def listed(client, **params):
    response = client.get(reverse("agencies:list"), params)
    assert response.status_code == 200
    return [agency.name for agency in response.context["page_obj"]]


@pytest.mark.parametrize("query", ["tien dung", "TIẾN DŨNG", "Tiến Dũng", "tiến dung", "xtiendung"])
def test_search_ignores_case_and_diacritics(client_as, reviewer, agency, other_agency, query):
    assert listed(client_as(reviewer), q=query) == ["UBND xã Tiến Dũng"]


def test_search_folds_the_letter_d_with_stroke(client_as, reviewer, province):
    AgencyFactory(province=province, name="UBND phường Đông Ngạc")
    assert listed(client_as(reviewer), q="dong ngac") == ["UBND phường Đông Ngạc"]


def test_filter_by_level_and_status(client_as, reviewer, province, agency):
    department = AgencyFactory(province=province, name="Sở Tư pháp", level=Agency.Level.DEPARTMENT)
    DeclarationFactory(agency=department)
    StatusChangeFactory(agency=agency)
    client = client_as(reviewer)
    assert listed(client, level="department") == ["Sở Tư pháp"]
    assert listed(client, status="declared") == ["Sở Tư pháp"]
    assert listed(client, status="building") == ["UBND xã Tiến Dũng"]
    assert listed(client, status="not_started") == []


def test_status_filter_follows_the_latest_change(client_as, reviewer, agency):
    DeclarationFactory(agency=agency, changed_on="2019-01-01")
    StatusChangeFactory(agency=agency, status="building", changed_on="2018-01-01")
    assert listed(client_as(reviewer), status="declared") == ["UBND xã Tiến Dũng"]
    assert listed(client_as(reviewer), status="building") == []


def test_agency_without_any_record_counts_as_not_started(client_as, reviewer, agency):
    assert listed(client_as(reviewer), status="not_started") == ["UBND xã Tiến Dũng"]


def test_sort_by_name_descending(client_as, reviewer, province):
    for name in ["UBND xã An Vĩ", "UBND xã Bình Minh", "UBND xã Cẩm Ninh"]:
        AgencyFactory(province=province, name=name)
    assert listed(client_as(reviewer), sort="-name") == [
        "UBND xã Cẩm Ninh",
        "UBND xã Bình Minh",
        "UBND xã An Vĩ",
    ]


def test_pagination_keeps_filters(client_as, reviewer, province):
    AgencyFactory.create_batch(30, province=province, level=Agency.Level.BRANCH)
    AgencyFactory(province=province, level=Agency.Level.DEPARTMENT)
    client = client_as(reviewer)
    response = client.get(reverse("agencies:list"), {"level": "branch", "page": 2})
    assert len(response.context["page_obj"]) == 5
    assert response.context["page_obj"].paginator.count == 30
    assert 'href="?level=branch&page=1"' in response.content.decode()


def test_empty_result_says_so(client_as, reviewer, agency):
    response = client_as(reviewer).get(reverse("agencies:list"), {"q": "không có"})
    assert response.context["page_obj"].paginator.count == 0
    assert 'class="alert alert-light border"' in response.content.decode()


@pytest.mark.parametrize("size", [5, 50])
def test_list_query_count_does_not_grow_with_agencies(
    client_as, reviewer, province, django_assert_num_queries, size
):
    for agency in AgencyFactory.create_batch(
        size, province=province, parent=AgencyFactory(province=province)
    ):
        DeclarationFactory(agency=agency)
    client = client_as(reviewer)
    # Expect 6 queries: session, user, memberships (grants), provinces (for the province filter),
    # count, and the page of agencies with parent, province and status subqueries.
    with django_assert_num_queries(6):
        response = client.get(reverse("agencies:list"))
    assert response.status_code == 200


def test_export_follows_the_filters_and_neutralizes_formulas(client_as, reviewer, province, agency):
    AgencyFactory(province=province, name='=HYPERLINK("http://evil")', level=Agency.Level.DEPARTMENT)
    response = client_as(reviewer).get(reverse("agencies:export"), {"level": "department"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
