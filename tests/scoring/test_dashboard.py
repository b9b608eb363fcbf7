"""The provincial dashboard: its figures on a hand-built province, who sees it, the agencies behind each
figure, its query count at two sizes, and the provincial summary report printing the same figures."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone
from openpyxl import load_workbook

from agencies.models import Agency, Province, QmsStatus
from audits.models import Action, Audit, Finding, ManagementReview
from qms_portal import freshness
from qms_portal.pdf import render_template_pdf
from scoring import reporting
from scoring.dashboard import dashboard_figures
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, Report, Rubric, Target
from scoring.province_report import TEMPLATE, filename, gather, period_end
from tests.factories import (
    ActionFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    AuditFactory,
    ClauseFactory,
    DeclarationFactory,
    FindingFactory,
    InForceRevisionFactory,
    ManagementReviewFactory,
    ProcessFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
YEAR = 2026
DEPARTMENT = Agency.Level.DEPARTMENT
COMMUNE = Agency.Level.COMMUNE


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def login(client_as):
    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def on(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, tzinfo=datetime.UTC)


def status(agency, value, changed_on=datetime.date(2024, 5, 1)):
    if value in QmsStatus.declarations():
        return DeclarationFactory(agency=agency, status=value, changed_on=changed_on)
    return StatusChangeFactory(agency=agency, status=value, changed_on=changed_on)


def procedures(agency, handled: int, in_force: int) -> None:
    for index in range(handled):
        link = AgencyProcedureFactory(agency=agency)
        if index < in_force:
            InForceRevisionFactory(process=ProcessFactory(agency=agency, procedure=link.procedure))


def held_audit(agency, start: datetime.date, **fields) -> Audit:
    return AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        planned_start=start,
        planned_end=start,
        actual_start=start,
        actual_end=start,
        **fields,
    )


def nonconformity(audit, clause: str, *, grade=Finding.Grade.MINOR, due=None, created=None):
    finding = FindingFactory(audit=audit, clause=ClauseFactory(number=clause), grade=grade)
    if due is None:
        return finding
    action = ActionFactory(finding=finding, due_date=due)
    Action.objects.filter(pk=action.pk).update(created_at=created or on(2026, 6, 1))
    return finding


def published_rubric(province, year, *, results=True) -> Rubric:
    rubric = create_default_rubric(province, year)
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = on(year, 1, 5)
    if results:
        rubric.results_published_at = on(year, 11, 1)
    rubric.save()
    return rubric


def official(rubric, agency, total):
    return Assessment.objects.create(
        rubric=rubric,
        agency=agency,
        kind=Assessment.Kind.OFFICIAL,
        status=Assessment.Status.FINALIZED,
        total=Decimal(str(total)),
    )


@pytest.fixture
def dataset(province, agency, other_agency, foreign_agency):
    """Three departments (declared, declared, applied) and three communes (declared, building, not
    started) in Hưng Yên; one declared commune in another province that must never count."""
    d1 = AgencyFactory(province=province, level=DEPARTMENT, name="Sở Tư pháp")
    d2 = AgencyFactory(province=province, level=DEPARTMENT, name="Sở Nội vụ")
    d3 = AgencyFactory(province=province, level=DEPARTMENT, name="Sở Y tế")
    c3 = AgencyFactory(province=province, level=COMMUNE, name="UBND xã Hòa Bình")
    status(d1, QmsStatus.DECLARED)
    status(d2, QmsStatus.DECLARED)
    status(d3, QmsStatus.BUILDING, datetime.date(2023, 1, 1))
    status(d3, QmsStatus.APPLIED)
    status(agency, QmsStatus.DECLARED)
    status(other_agency, QmsStatus.BUILDING)
    status(foreign_agency, QmsStatus.DECLARED)
    # A merged agency no longer operates: not counted.
    AgencyFactory(province=province, level=COMMUNE, name="UBND xã Cũ", merged_into=agency)

    # Coverage: 2/2, 1/2, 0/1 → 3/5 procedures; one agency at 100 %.
    procedures(agency, 2, 2)
    procedures(other_agency, 2, 1)
    procedures(d1, 1, 0)
    procedures(foreign_agency, 3, 3)

    # Audits of the year: Tiến Dũng, Sở Tư pháp (and Long Hưng, below); Tiến Dũng a management review.
    audit = held_audit(agency, datetime.date(2026, 5, 10))
    nonconformity(audit, "8.5", due=datetime.date(2026, 8, 1))  # overdue
    audit_d1 = held_audit(d1, datetime.date(2026, 4, 2))
    nonconformity(audit_d1, "7.5", grade=Finding.Grade.MAJOR, due=datetime.date(2026, 12, 31))  # open
    nonconformity(audit_d1, "7.5", grade=Finding.Grade.OBSERVATION)  # not a nonconformity
    ManagementReviewFactory(
        agency=agency, held_on=datetime.date(2026, 10, 1), status=ManagementReview.Status.FINALIZED
    )
    # Last year: the same clause 8.5 at Tiến Dũng in the previous audit — a repeat.
    nonconformity(held_audit(agency, datetime.date(2025, 6, 1)), "8.5")
    # Long Hưng: 8.5 in 2025, then an audit without findings, then 8.5 again — not consecutive.
    nonconformity(held_audit(other_agency, datetime.date(2025, 3, 1)), "8.5")
    held_audit(other_agency, datetime.date(2025, 11, 1))
    nonconformity(held_audit(other_agency, datetime.date(2026, 3, 1)), "8.5")
    # Foreign findings never count.
    nonconformity(held_audit(foreign_agency, datetime.date(2026, 3, 1)), "8.5", due=datetime.date(2026, 2, 1))

    # Scores: 2026 published (92, 85, 75, 45 → one per band but "Trung bình"), 2025 published.
    rubric = published_rubric(province, 2026)
    for target, total in [(agency, 92), (d1, 85), (other_agency, 75), (d2, 45)]:
        official(rubric, target, total)
    last_year = published_rubric(province, 2025)
    official(last_year, agency, 80)
    official(last_year, other_agency, 60)
    official(published_rubric(foreign_agency.province, 2026), foreign_agency, 10)

    target = Target.objects.create(
        province=province,
        measure=Target.Measure.DECLARED,
        level=COMMUNE,
        value=Decimal(100),
        start_on=datetime.date(2026, 1, 1),
        deadline=datetime.date(2027, 12, 31),
    )
    return {"d1": d1, "d2": d2, "d3": d3, "c3": c3, "rubric": rubric, "target": target}


def figures(province, **options):
    return dashboard_figures(provinces=Province.objects.filter(pk=province.pk), year=YEAR, **options)


# --- the figures -------------------------------------------------------------------------------------


def test_agencies_by_level_and_status_with_shares_of_two_decimals(province, dataset):
    board = figures(province)

    levels = {row.level: row for row in board.levels}
    assert set(levels) == {DEPARTMENT, COMMUNE}
    departments = levels[DEPARTMENT]
    assert (departments.applying.count, departments.total.count, departments.applying.share) == (
        3,
        3,
        Decimal("100.00"),
    )
    assert (departments.declared.count, departments.declared.share) == (2, Decimal("66.67"))
    assert {status: (figure.count, figure.share) for status, _label, figure in departments.statuses} == {
        "not_started": (0, Decimal("0.00")),
        "building": (0, Decimal("0.00")),
        "applied": (1, Decimal("33.33")),
        "declared": (2, Decimal("66.67")),
        "redeclared": (0, Decimal("0.00")),
    }
    communes = levels[COMMUNE]
    shares = [figure.share for _status, _label, figure in communes.statuses]
    assert sum(shares) == Decimal("100.00")
    assert (communes.applying.count, communes.total.count, communes.applying.share) == (
        1,
        3,
        Decimal("33.33"),
    )
    assert board.overall.total.count == 6
    assert (board.overall.declared.count, board.overall.declared.share) == (3, Decimal("50.00"))


def test_coverage_audits_and_nonconformities(province, dataset):
    board = figures(province)

    assert (board.coverage.in_force, board.coverage.handled, board.coverage.share) == (3, 5, Decimal("60.00"))
    assert (board.coverage.full.count, board.coverage.full.share) == (1, Decimal("16.67"))
    assert (board.coverage.incomplete.count, board.coverage.nothing_declared.count) == (2, 3)
    # Tiến Dũng, Sở Tư pháp and Long Hưng held an internal audit in 2026.
    assert (board.audits.internal_audit.count, board.audits.internal_audit.share) == (3, Decimal("50.00"))
    assert (board.audits.management_review.count, board.audits.management_review.share) == (
        1,
        Decimal("16.67"),
    )
    assert (board.ncs.open, board.ncs.overdue) == (2, 1)
    assert board.ncs.with_overdue.count == 1
    assert [(row.agency.name, row.open, row.overdue) for row in board.ncs.top] == [
        ("UBND xã Tiến Dũng", 1, 1),
        ("Sở Tư pháp", 1, 0),
    ]


def test_band_shares_ranking_and_trend(province, dataset):
    board = figures(province)
    scores = board.scores

    assert not scores.preliminary
    assert scores.ranked.count == 4
    assert scores.average == Decimal("74.25")
    assert [(band.label, band.figure.count, band.figure.share) for band in scores.bands] == [
        ("Rất tốt", 1, Decimal("25.00")),
        ("Tốt", 1, Decimal("25.00")),
        ("Khá", 1, Decimal("25.00")),
        ("Trung bình", 0, Decimal("0.00")),
        ("Yếu", 1, Decimal("25.00")),
    ]
    assert [row.agency.name for row in scores.bottom] == [
        "UBND xã Tiến Dũng",
        "Sở Tư pháp",
        "UBND xã Long Hưng",
        "Sở Nội vụ",
    ]
    trend = {entry.year: entry for entry in scores.trend}
    assert list(trend) == [2022, 2023, 2024, 2025, 2026]
    assert (trend[2025].ranked, trend[2025].average) == (2, Decimal("70.00"))
    assert trend[2025].bands["Tốt"] == Decimal("50.00") and trend[2025].bands["Trung bình"] == Decimal(
        "50.00"
    )
    assert (trend[2026].average, trend[2024].average) == (Decimal("74.25"), None)


def test_unpublished_results_count_only_as_preliminary_for_reviewers(province, agency):
    rubric = published_rubric(province, 2026, results=False)
    official(rubric, agency, 88)

    assert figures(province).scores.ranked.count == 0
    preliminary = figures(province, include_unpublished=True).scores
    assert preliminary.preliminary and preliminary.ranked.count == 1


def test_heat_map_by_clause_and_level_with_the_repeat_finding(province, agency, dataset):
    heat = figures(province).heatmap

    assert [level for level, _label in heat.levels] == list(Agency.Level.values)
    cells = {(row.clause, cell.level): cell.count for row in heat.rows for cell in row.cells if cell.count}
    assert cells == {("7.5", DEPARTMENT): 1, ("8.5", COMMUNE): 2}
    assert [row.clause for row in heat.rows] == ["7.5", "8.5"]
    assert [(repeat.agency.name, repeat.clause, repeat.previous_on) for repeat in heat.repeats] == [
        ("UBND xã Tiến Dũng", "8.5", datetime.date(2025, 6, 1))
    ]
    cell = next(
        cell for row in heat.rows for cell in row.cells if row.clause == "8.5" and cell.level == COMMUNE
    )
    assert (cell.repeats, cell.intensity) == (1, 4)


def test_the_level_filter_narrows_every_figure(province, dataset):
    board = figures(province, level=DEPARTMENT)

    assert board.overall.total.count == 3
    assert board.coverage.handled == 1
    assert board.scores.ranked.count == 2
    assert [level for level, _label in board.heatmap.levels] == [DEPARTMENT]
    assert board.targets == []  # the only target is the communes'


# --- the page and who sees it ----------------------------------------------------------------------------


def test_reviewer_sees_the_figures_of_their_province(login, reviewer, province, dataset):
    response = login(reviewer).get(reverse("scoring:dashboard"), {"year": YEAR})

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-level="department">\s*<a href="[^"]+"><strong data-applying>3/3</strong>', html)
    assert re.search(r'data-level="commune">\s*<a href="[^"]+"><strong data-applying>1/3</strong>', html)
    assert "<span data-ncs-overdue" not in html  # the overdue count is a span with a class
    assert re.search(r"data-ncs-overdue>1<", html)
    assert re.search(r"data-coverage>3/5", html)
    assert re.search(r"data-average>74.25<", html)
    assert 'data-chart="chart-status"' in html and 'id="chart-status" type="application/json"' in html
    assert "<script>" not in html  # no inline script: the charts read the JSON blocks
    assert "UBND xã Đông Hòa" not in html


def test_every_figure_links_to_its_agencies(login, reviewer, province, dataset):
    html = login(reviewer).get(reverse("scoring:dashboard"), {"year": YEAR}).content.decode()
    drill = reverse("scoring:dashboard_agencies")

    links = re.findall(rf'href="{drill}\?([^"]+)"', html)
    assert len(links) > 30
    client = login(reviewer)
    for query in set(links):
        assert client.get(f"{drill}?{query.replace('&amp;', '&')}").status_code == 200, query


def test_reviewer_of_another_province_gets_404(login, foreign_reviewer, province, dataset):
    response = login(foreign_reviewer).get(reverse("scoring:dashboard"), {"province": province.pk})
    assert response.status_code == 404
    drill = login(foreign_reviewer).get(
        reverse("scoring:dashboard_agencies"), {"province": province.pk, "figure": "declared"}
    )
    assert drill.status_code == 404


def test_reviewer_without_filter_sees_only_their_province(login, foreign_reviewer, province, dataset):
    html = login(foreign_reviewer).get(reverse("scoring:dashboard")).content.decode()
    assert "Tỉnh Thái Bình" in html
    assert re.search(r'data-level="commune">\s*<a href="[^"]+"><strong data-applying>1/1</strong>', html)


def test_agency_users_have_no_dashboard(login, staff_user, agency):
    client = login(staff_user)
    response = client.get(reverse("scoring:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == agency.get_absolute_url()
    assert client.get(reverse("scoring:dashboard_agencies"), {"figure": "declared"}).status_code == 403
    assert "scoring/dashboard/" not in client.get(reverse("home")).content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("scoring:dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_national_viewer_sees_every_province_and_filters_one(login, national_viewer, province, dataset):
    client = login(national_viewer)
    everything = client.get(reverse("scoring:dashboard"), {"year": YEAR}).content.decode()
    assert re.search(r'<tfoot><tr data-level="all">.*?data-total><a [^>]+>7<', everything, re.S)
    assert 'name="province"' in everything

    one = client.get(reverse("scoring:dashboard"), {"year": YEAR, "province": province.pk}).content.decode()
    assert re.search(r'<tfoot><tr data-level="all">.*?data-total><a [^>]+>6<', one, re.S)
    # National viewers see published results only: no preliminary marker.
    assert 'id="preliminary"' not in one


def test_dashboard_nav_item_for_overseers_only(login, reviewer, national_viewer, leader):
    url = reverse("scoring:dashboard")
    assert f'href="{url}"' in login(reviewer).get(reverse("home")).content.decode()
    assert f'href="{url}"' in login(national_viewer).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in login(leader).get(reverse("home")).content.decode()


# --- the agencies behind a figure ------------------------------------------------------------------------


def listed(response) -> list[str]:
    html = response.content.decode()
    ids = re.findall(r'<tr data-agency="(\d+)"', html)
    names = dict(Agency.objects.values_list("pk", "name"))
    return sorted(names[int(pk)] for pk in ids)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"figure": "declared", "level": DEPARTMENT}, ["Sở Nội vụ", "Sở Tư pháp"]),
        ({"figure": "status", "status": "not_started", "level": COMMUNE}, ["UBND xã Hòa Bình"]),
        ({"figure": "applying"}, ["Sở Nội vụ", "Sở Tư pháp", "Sở Y tế", "UBND xã Tiến Dũng"]),
        ({"figure": "coverage_full"}, ["UBND xã Tiến Dũng"]),
        ({"figure": "coverage_incomplete"}, ["Sở Tư pháp", "UBND xã Long Hưng"]),
        ({"figure": "internal_audit"}, ["Sở Tư pháp", "UBND xã Long Hưng", "UBND xã Tiến Dũng"]),
        ({"figure": "ncs_overdue"}, ["UBND xã Tiến Dũng"]),
        ({"figure": "band", "band": "Yếu"}, ["Sở Nội vụ"]),
        ({"figure": "clause", "clause": "8.5", "level": COMMUNE}, ["UBND xã Long Hưng", "UBND xã Tiến Dũng"]),
        ({"figure": "clause", "clause": "7.5"}, ["Sở Tư pháp"]),
        ({"figure": "repeat"}, ["UBND xã Tiến Dũng"]),
    ],
)
def test_drill_down_lists_exactly_the_agencies_behind_the_figure(login, reviewer, dataset, params, expected):
    response = login(reviewer).get(reverse("scoring:dashboard_agencies"), {"year": YEAR, **params})

    assert response.status_code == 200
    assert listed(response) == expected


def test_drill_down_of_a_target_lists_the_agencies_meeting_it(login, reviewer, dataset):
    response = login(reviewer).get(
        reverse("scoring:dashboard_agencies"), {"figure": "target", "target": dataset["target"].pk}
    )
    assert listed(response) == ["UBND xã Tiến Dũng"]


def test_drill_down_of_an_unknown_figure_is_404(login, reviewer, dataset):
    client = login(reviewer)
    assert client.get(reverse("scoring:dashboard_agencies"), {"figure": "nonsense"}).status_code == 404
    assert client.get(reverse("scoring:dashboard_agencies")).status_code == 404


def test_drill_down_searches_and_exports(login, reviewer, dataset):
    client = login(reviewer)
    url = reverse("scoring:dashboard_agencies")
    assert listed(client.get(url, {"figure": "applying", "q": "tu phap"})) == ["Sở Tư pháp"]

    response = client.get(url, {"figure": "applying", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(filename=__import__("io").BytesIO(response.content)).active
    names = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["Sở Nội vụ", "Sở Tư pháp", "Sở Y tế", "UBND xã Tiến Dũng"]


# --- query count ------------------------------------------------------------------------------------------


def _grow(province, count: int, rubric) -> None:
    for index in range(count):
        agency = AgencyFactory(province=province, level=COMMUNE if index % 2 else DEPARTMENT)
        status(agency, QmsStatus.DECLARED if index % 3 else QmsStatus.BUILDING)
        procedures(agency, 1, index % 2)
        audit = held_audit(agency, datetime.date(2026, 3, 1))
        nonconformity(audit, "9.2", due=datetime.date(2026, 5, 1))
        official(rubric, agency, 40 + index % 60)


def test_query_count_is_the_same_at_10_and_100_agencies(client_as, reviewer, province):
    rubric = published_rubric(province, 2026)
    published_rubric(province, 2025)
    Target.objects.create(
        province=province,
        measure=Target.Measure.DECLARED,
        value=Decimal(100),
        start_on=datetime.date(2026, 1, 1),
        deadline=datetime.date(2027, 12, 31),
    )
    client = client_as(reviewer)
    url = reverse("scoring:dashboard")
    _grow(province, 10, rubric)
    client.get(url)  # warm the session and caches
    freshness.renew()  # count the figures' queries, not the cached page's
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(province, 90, rubric)
    freshness.renew()
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert Agency.objects.count() == 100
    assert len(large) == len(small), [query["sql"][:120] for query in large.captured_queries]


# --- the provincial summary -------------------------------------------------------------------------------


def test_the_report_kind_is_registered():
    kind = reporting.registered()[Report.Kind.PROVINCE_SUMMARY]
    assert kind.template == TEMPLATE


def test_period_end_of_quarters_and_year():
    assert period_end(2026, 1) == datetime.date(2026, 3, 31)
    assert period_end(2026, 2) == datetime.date(2026, 6, 30)
    assert period_end(2026, 4) == datetime.date(2026, 12, 31)
    assert period_end(2026, None) == datetime.date(2026, 12, 31)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_provincial_summary_prints_the_dashboard_figures(login, reviewer, province, dataset):
    report = Report.objects.create(kind=Report.Kind.PROVINCE_SUMMARY, province=province, year=YEAR)
    context = gather(report)
    pdf = render_template_pdf(TEMPLATE, context)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())

    board = figures(province)
    assert "Hưng Yên" in flat and "UBND TỈNH HƯNG YÊN" in flat
    assert filename(report) == "province-summary-HY-2026.pdf"
    number = formats.number_format
    departments = next(row for row in board.levels if row.level == DEPARTMENT)
    expected = [
        f"{departments.applying.count}/{departments.total.count} ({number(departments.applying.share)})",
        f"{board.coverage.in_force}/{board.coverage.handled} ({number(board.coverage.share)} %)",
        f"{board.audits.internal_audit.count} ({number(board.audits.internal_audit.share)} %)",
        number(board.scores.average),
        number(Decimal("25.00")),
        "UBND xã Tiến Dũng",
        "Sở Nội vụ",
    ]
    for figure in expected:
        assert figure in flat, figure
    # The dashboard shows the same numbers.
    html = login(reviewer).get(reverse("scoring:dashboard"), {"year": YEAR}).content.decode()
    assert f"data-coverage>{board.coverage.in_force}/{board.coverage.handled}" in html
    assert f"data-average>{board.scores.average}<" in html
