"""The dashboard's figures are cached until their data changes, however it changes, and the page answers
with the cache unreachable."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, QmsStatus, StatusChange
from qms_portal import freshness
from scoring.models import Report
from tests.factories import AgencyFactory, StatusChangeFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
DASHBOARD = reverse("scoring:dashboard") + "?year=2026"
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def communes(province, agency, other_agency):
    for commune in (agency, other_agency):
        StatusChangeFactory(agency=commune, status=QmsStatus.APPLIED, changed_on=datetime.date(2024, 5, 1))
    return [agency, other_agency]


def figures(client) -> tuple[str, str]:
    """(applying/total, declared) of the communes, as the page shows them."""
    html = client.get(DASHBOARD).content.decode()
    found = re.search(
        r'data-level="commune">\s*<a href="[^"]+"><strong data-applying>([\d/]+)</strong>.*?'
        r"<strong data-declared>(\d+)</strong>",
        html,
        re.DOTALL,
    )
    assert found, html
    return found.groups()


def declare(agency) -> None:
    StatusChange.objects.create(
        agency=agency,
        status=QmsStatus.DECLARED,
        changed_on=datetime.date(2026, 11, 20),
        iso_version="2015",
        decision_number="7/QĐ-UBND",
        decision_date=datetime.date(2026, 11, 18),
    )


def test_a_second_visit_is_served_from_the_cache(client_as, reviewer, communes):
    client = client_as(reviewer)
    with CaptureQueriesContext(connection) as first:
        first_page = client.get(DASHBOARD).content.decode()
    with CaptureQueriesContext(connection) as second:
        second_page = client.get(DASHBOARD).content.decode()

    assert len(second) < len(first) - 10, [query["sql"][:100] for query in second.captured_queries]
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", second_page) == token.sub("", first_page)


def test_a_declaration_recorded_in_the_portal_shows_on_the_next_visit(client_as, reviewer, communes):
    client = client_as(reviewer)
    assert figures(client) == ("2/2", "0")

    response = client.post(
        reverse("agencies:status_create", args=[communes[0].pk]),
        {
            "status": "declared",
            "changed_on": "2026-11-20",
            "iso_version": "2015",
            "decision_number": "125/QĐ-UBND",
            "decision_date": "2026-11-18",
            "scope": "Toàn bộ thủ tục hành chính",
            "note": "",
        },
    )

    assert response.status_code == 302
    assert figures(client) == ("2/2", "1")


def _bulk_create(agencies):
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                agency=agency,
                status=QmsStatus.DECLARED,
                changed_on=datetime.date(2026, 11, 20),
                iso_version="2015",
                decision_number=f"{agency.pk}/QĐ-UBND",
                decision_date=datetime.date(2026, 11, 18),
            )
            for agency in agencies
        ]
    )


def _update(agencies):
    StatusChange.objects.filter(agency=agencies[0]).update(status=QmsStatus.BUILDING)


def _raw_sql(agencies):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agencies_statuschange SET status = %s WHERE agency_id = %s",
            [QmsStatus.BUILDING, agencies[0].pk],
        )


def _in_a_transaction(agencies):
    with transaction.atomic():
        declare(agencies[0])
        declare(agencies[1])


@pytest.mark.parametrize(
    "write, shown",
    [
        pytest.param(lambda agencies: declare(agencies[0]), ("2/2", "1"), id="save"),
        pytest.param(_bulk_create, ("2/2", "2"), id="bulk_create"),
        pytest.param(_update, ("1/2", "0"), id="queryset_update"),
        pytest.param(_raw_sql, ("1/2", "0"), id="raw_sql"),
        pytest.param(_in_a_transaction, ("2/2", "2"), id="transaction"),
        pytest.param(
            lambda agencies: StatusChange.objects.filter(agency=agencies[0]).delete(),
            ("1/2", "0"),
            id="delete",
        ),
    ],
)
def test_every_way_of_writing_renews_the_figures(client_as, reviewer, communes, write, shown):
    client = client_as(reviewer)
    assert figures(client) == ("2/2", "0")

    write(communes)

    assert figures(client) == shown


def test_a_new_agency_counts_at_once(client_as, reviewer, province, communes):
    client = client_as(reviewer)
    assert figures(client) == ("2/2", "0")

    AgencyFactory(province=province, level=Agency.Level.COMMUNE)

    assert figures(client) == ("2/3", "0")


def test_producing_a_report_keeps_the_cache(client_as, reviewer, province, communes):
    client = client_as(reviewer)
    figures(client)
    Report.objects.create(kind=Report.Kind.PROVINCE_SUMMARY, province=province, year=2026)

    with CaptureQueriesContext(connection) as visit:
        client.get(DASHBOARD)
    assert not any("agencies_agency" in query["sql"] for query in visit.captured_queries)


def test_each_language_has_its_own_figures(client, client_as, reviewer, communes):
    client = client_as(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert "Cơ quan, đơn vị theo cấp và tình trạng HTQLCL" in client.get(DASHBOARD).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Agencies by level and QMS status" in client.get(DASHBOARD).content.decode()


def test_reviewers_and_national_viewers_do_not_share_preliminary_figures(
    client_as, reviewer, national_viewer, province, communes
):
    from tests.scoring.test_dashboard import official, published_rubric

    official(published_rubric(province, 2026, results=False), communes[0], 88)
    reviewer_page = client_as(reviewer).get(DASHBOARD + f"&province={province.pk}").content.decode()
    national_page = client_as(national_viewer).get(DASHBOARD + f"&province={province.pk}").content.decode()

    assert 'id="preliminary"' in reviewer_page
    assert 'id="preliminary"' not in national_page


@override_settings(CACHES=UNREACHABLE)
def test_the_dashboard_answers_and_stays_true_with_the_cache_unreachable(client_as, reviewer, communes):
    client = client_as(reviewer)
    assert figures(client) == ("2/2", "0")

    declare(communes[0])  # the write succeeds though its renewal cannot be noted

    assert figures(client) == ("2/2", "1")


@pytest.mark.django_db(transaction=True)
def test_what_was_cached_before_a_commit_is_superseded_by_it(agency):
    parts = ("test", agency.pk)
    with transaction.atomic():
        declare(agency)
        # Another request that took the version renewed by the write and cached what it saw then.
        assert freshness.remember(parts, lambda: "seen before the commit") == "seen before the commit"

    assert freshness.remember(parts, lambda: "seen after the commit") == "seen after the commit"
