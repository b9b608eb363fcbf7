"""Query counts at two data sizes for the pages the benchmark (bench/run.py) measures and that have no such
test beside their app's: the national viewer's dashboard, the agency page and the dashboard's drill-down.
The other list and dashboard pages keep theirs in their app's tests (grep "query_count")."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms_portal import freshness
from tests.factories import (
    ActionFactory,
    AgencyFactory,
    FindingFactory,
    InForceRevisionFactory,
    ProvinceFactory,
)
from tests.scoring.test_dashboard import _grow, held_audit, published_rubric


def _queries(client, url: str) -> list[dict]:
    freshness.renew()  # the page's own work, not the cached dashboard's
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries


def test_the_national_dashboard_costs_the_same_queries_with_few_or_many_agencies(
    client_as, national_viewer, province
):
    second = ProvinceFactory()
    rubrics = {p: published_rubric(p, 2026) for p in (province, second)}
    client = client_as(national_viewer)
    url = reverse("scoring:dashboard") + "?year=2026"
    for p, rubric in rubrics.items():
        _grow(p, 3, rubric)
    client.get(url)  # warm the session
    small = _queries(client, url)
    for p, rubric in rubrics.items():
        _grow(p, 20, rubric)
    large = _queries(client, url)

    assert len(large) == len(small), [query["sql"][:120] for query in large]


def test_the_drill_down_list_costs_the_same_queries_for_10_or_60_agencies(client_as, reviewer, province):
    rubric = published_rubric(province, 2026)
    client = client_as(reviewer)
    url = reverse("scoring:dashboard_agencies") + "?year=2026&figure=agencies"
    _grow(province, 10, rubric)
    client.get(url)
    small = _queries(client, url)
    _grow(province, 50, rubric)
    large = _queries(client, url)

    assert len(large) == len(small), [query["sql"][:120] for query in large]


def _busy(agency, count: int) -> None:
    """`count` processes in force, and an audit with `count` nonconformities being acted on."""
    for _ in range(count):
        InForceRevisionFactory(process__agency=agency)
    audit = held_audit(agency, datetime.date(2026, 3, 1))
    for _ in range(count):
        ActionFactory(agency=agency, finding=FindingFactory(audit=audit), due_date=datetime.date(2026, 5, 1))


def test_the_agency_page_costs_the_same_queries_with_few_or_many_records(client_as, secretary, agency):
    client = client_as(secretary)
    url = agency.get_absolute_url()
    _busy(agency, 1)
    client.get(url)
    small = _queries(client, url)
    _busy(agency, 15)
    AgencyFactory.create_batch(5, province=agency.province, parent=agency)
    large = _queries(client, url)

    assert len(large) == len(small), [query["sql"][:120] for query in large]


def test_the_national_dashboard_costs_the_same_queries_for_2_or_5_provinces(client_as, national_viewer):
    client = client_as(national_viewer)
    url = reverse("scoring:dashboard") + "?year=2026"

    def add_province():
        province = ProvinceFactory()
        published_rubric(province, 2025)
        _grow(province, 2, published_rubric(province, 2026))

    add_province()
    add_province()
    client.get(url)
    small = _queries(client, url)
    for _ in range(3):
        add_province()
    large = _queries(client, url)

    assert len(large) == len(small), [query["sql"][:120] for query in large]
