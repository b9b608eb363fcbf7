"""Results of a rubric through HTTP: ranks with ties, bands at their bounds, shares, the change against last
year, the bottom of the table, who sees what before and after publication, publishing, the breakdown."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency, Role
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentEvent, AssessmentLine, Band, Criterion, Rubric
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
Kind = Assessment.Kind
Status = Assessment.Status


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def login(client_as):
    """A logged-in client reading the portal in English, so assertions can quote the page."""

    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def published_rubric(province, year: int = 2026, *, results_published: bool = False, **fields) -> Rubric:
    rubric = create_default_rubric(province, year, **fields)
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = timezone.now()
    if results_published:
        rubric.results_published_at = timezone.now()
    rubric.save()
    return rubric


def official(rubric, agency, total, status=Status.FINALIZED) -> Assessment:
    return Assessment.objects.create(
        rubric=rubric, agency=agency, kind=Kind.OFFICIAL, status=status, total=Decimal(str(total))
    )


def self_score(rubric, agency, total, status=Status.SUBMITTED) -> Assessment:
    return Assessment.objects.create(
        rubric=rubric, agency=agency, kind=Kind.SELF, status=status, total=Decimal(str(total))
    )


def agencies(province, count: int, level=Agency.Level.COMMUNE) -> list[Agency]:
    return AgencyFactory.create_batch(count, province=province, level=level)


def results_url(rubric, **params) -> str:
    url = reverse("scoring:results", args=[rubric.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def table(html: str, table_id: str = "ranking") -> list[dict[str, str]]:
    """The rows of a table of the page: per row its data-* attribute and the text of each marked cell."""
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    if not match:
        return []
    body = re.search(r"<tbody>(.*?)</tbody>", match.group(0), re.S).group(1)
    rows = []
    for row in re.findall(r"<tr(.*?)</tr>", body, re.S):
        cells = dict(re.findall(r"<td[^>]*data-([a-z-]+)[^>]*>(.*?)</td>", row, re.S))
        key = re.match(r'[^>]*data-([a-z]+)="(\d+)"', row)
        cells = {name: re.sub(r"<[^>]+>|\s+", " ", text).split() for name, text in cells.items()}
        cells = {name: " ".join(words) for name, words in cells.items()}
        if key:
            cells["id"] = key.group(2)
        rows.append(cells)
    return rows


def ranks(response) -> list[tuple[str, str]]:
    """(agency name, rank) of the ranking as shown."""
    html = response.content.decode()
    names = {str(agency.pk): agency.name for agency in Agency.objects.all()}
    return [(names[row["id"]], row.get("rank", "")) for row in table(html)]


# --- ranks, bands, shares -----------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips(login, reviewer, province):
    rubric = published_rubric(province)
    for name, total in [("A", 95), ("B", 85), ("C", 85), ("D", 70)]:
        official(rubric, AgencyFactory(province=province, name=f"UBND xã {name}"), total)

    response = login(reviewer).get(results_url(rubric))

    assert response.status_code == 200
    assert ranks(response) == [("UBND xã A", "1"), ("UBND xã B", "2"), ("UBND xã C", "2"), ("UBND xã D", "4")]


def test_ranks_within_a_level_when_the_level_is_chosen(login, reviewer, province):
    rubric = published_rubric(province)
    official(rubric, AgencyFactory(province=province, name="Sở Tư pháp", level=Agency.Level.DEPARTMENT), 97)
    official(rubric, AgencyFactory(province=province, name="UBND xã A"), 90)
    official(rubric, AgencyFactory(province=province, name="UBND xã B"), 80)

    response = login(reviewer).get(results_url(rubric, level="commune"))

    rows = table(response.content.decode())
    assert [row["rank"] for row in rows] == ["1 (2)", "2 (3)"]
    assert "Ranking: Commune People&#x27;s Committee" in response.content.decode()


def test_a_total_on_an_inclusive_bound_is_in_the_band_and_on_an_exclusive_bound_below_it(
    login, reviewer, province
):
    rubric = published_rubric(province)
    Band.objects.filter(rubric=rubric, label="Tốt").update(inclusive=False)  # Tốt: > 80
    on_inclusive = AgencyFactory(province=province, name="UBND xã Chín Mươi")
    on_exclusive = AgencyFactory(province=province, name="UBND xã Tám Mươi")
    just_above = AgencyFactory(province=province, name="UBND xã Tám Mươi Phẩy")
    official(rubric, on_inclusive, "90.00")
    official(rubric, on_exclusive, "80.00")
    official(rubric, just_above, "80.25")

    rows = {row["id"]: row for row in table(login(reviewer).get(results_url(rubric)).content.decode())}

    assert rows[str(on_inclusive.pk)]["band"] == "Rất tốt"
    assert rows[str(on_exclusive.pk)]["band"] == "Khá"
    assert rows[str(just_above.pk)]["band"] == "Tốt"


def test_band_shares_are_computed_and_add_up_to_100(login, reviewer, province):
    rubric = published_rubric(province)
    for total in (95, 92, 91, 85, 75, 40):
        official(rubric, AgencyFactory(province=province), total)

    response = login(reviewer).get(results_url(rubric))

    bands = [(row["count"], row["share"]) for row in table(response.content.decode(), "band-distribution")]
    assert bands == [("3", "50.00"), ("1", "16.67"), ("1", "16.67"), ("0", "0.00"), ("1", "16.66")]
    assert sum(Decimal(share) for _count, share in bands) == Decimal("100.00")


def test_the_band_filter_and_the_search_ignore_diacritics(login, reviewer, province):
    rubric = published_rubric(province)
    official(rubric, AgencyFactory(province=province, name="UBND xã Tiến Dũng"), 95)
    official(rubric, AgencyFactory(province=province, name="UBND xã Long Hưng"), 60)
    very_good = Band.objects.get(rubric=rubric, label="Rất tốt")
    client = login(reviewer)

    assert [name for name, _rank in ranks(client.get(results_url(rubric, q="tien dung")))] == [
        "UBND xã Tiến Dũng"
    ]
    assert [name for name, _rank in ranks(client.get(results_url(rubric, band=very_good.pk)))] == [
        "UBND xã Tiến Dũng"
    ]


# --- change against last year, bottom of the table ----------------------------------------------------


def test_change_against_the_previous_year_uses_its_last_published_results(login, reviewer, province):
    improved, new = AgencyFactory(province=province), AgencyFactory(province=province)
    superseded = published_rubric(province, 2025, name="Bộ tiêu chí 2025 (cũ)", results_published=True)
    Rubric.objects.filter(pk=superseded.pk).update(
        results_published_at=timezone.now() - datetime.timedelta(days=30)
    )
    last_year = published_rubric(province, 2025, results_published=True)
    unpublished = published_rubric(province, 2025, name="Bộ tiêu chí 2025 (nháp kết quả)")
    official(superseded, improved, 10)
    official(unpublished, improved, 20)
    official(last_year, improved, "70.00")
    rubric = published_rubric(province)
    official(rubric, improved, "82.50")
    official(rubric, new, "60.00")

    rows = {row["id"]: row for row in table(login(reviewer).get(results_url(rubric)).content.decode())}

    assert rows[str(improved.pk)]["change"] == "+12.50"
    assert rows[str(new.pk)]["change"] == "—"


def test_the_bottom_of_the_table_holds_the_last_five_places_with_ties(login, reviewer, province):
    rubric = published_rubric(province)
    for total in (95, 90, 85, 80, 80, 70, 65, 60, 55):
        official(rubric, AgencyFactory(province=province, name=f"UBND xã {total:03d}"), total)
    # Two agencies tie at 80 (rank 4): the fifth place from the bottom, so both belong to the bottom.

    response = login(reviewer).get(results_url(rubric))

    bottom = [row for row in table(response.content.decode(), "bottom-of-table")]
    assert len(bottom) == 6
    assert (
        "UBND xã 085" not in response.content.decode().split('id="bottom-of-table"')[1].split("</table>")[0]
    )


# --- scoping before and after publication --------------------------------------------------------------


@pytest.fixture
def scored(province, agency, other_agency):
    rubric = published_rubric(province)
    official(rubric, agency, 75)
    official(rubric, other_agency, 88)
    self_score(rubric, agency, 80)
    return rubric


def test_before_publication_an_agency_sees_only_its_own_row_without_rank(login, secretary, agency, scored):
    response = login(secretary).get(results_url(scored))

    assert response.status_code == 200
    rows = table(response.content.decode())
    assert [row["id"] for row in rows] == [str(agency.pk)]
    assert "rank" not in rows[0]
    assert rows[0]["total"] == "75.00"
    assert rows[0]["self"] == "80.00"
    assert "UBND xã Long Hưng" not in response.content.decode()
    assert 'id="band-distribution"' not in response.content.decode()


def test_before_publication_the_official_total_waits_for_finalization(login, secretary, agency, scored):
    Assessment.objects.filter(agency=agency, kind=Kind.OFFICIAL).update(status=Status.SUBMITTED)

    rows = table(login(secretary).get(results_url(scored)).content.decode())

    assert rows[0]["total"] == "not final yet"
    assert rows[0]["band"] == "—"


def test_after_publication_an_agency_sees_the_full_table_with_ranks(login, secretary, agency, scored):
    Rubric.objects.filter(pk=scored.pk).update(results_published_at=timezone.now())

    response = login(secretary).get(results_url(scored))

    assert ranks(response) == [("UBND xã Long Hưng", "1"), ("UBND xã Tiến Dũng", "2")]
    assert 'id="band-distribution"' in response.content.decode()


def test_reviewers_and_national_viewers_see_everything_before_publication(
    login, reviewer, national_viewer, scored
):
    for user in (reviewer, national_viewer):
        response = login(user).get(results_url(scored))
        assert ranks(response) == [("UBND xã Long Hưng", "1"), ("UBND xã Tiến Dũng", "2")]
        assert "Not published" in response.content.decode()


def test_other_provinces_get_404(login, foreign_reviewer, foreign_agency, scored):
    foreign_secretary = UserFactory(username="thuky-tb")
    MembershipFactory(user=foreign_secretary, role=Role.ISO_SECRETARY, agency=foreign_agency)
    for user in (foreign_reviewer, foreign_secretary):
        client = login(user)
        assert client.get(results_url(scored)).status_code == 404
        assert client.get(reverse("scoring:results_export", args=[scored.pk])).status_code == 404


def test_a_draft_rubric_has_no_results_page_for_agencies(login, secretary, reviewer, province):
    draft = create_default_rubric(province, 2026)

    assert login(secretary).get(results_url(draft)).status_code == 404
    assert login(reviewer).get(results_url(draft)).status_code == 200


def test_anonymous_users_are_sent_to_log_in(client, scored):
    response = client.get(results_url(scored))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_export_holds_what_the_reader_may_see(login, reviewer, secretary, agency, scored):
    workbook = load_workbook(
        io.BytesIO(login(reviewer).get(reverse("scoring:results_export", args=[scored.pk])).content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Rank", "Rank in the province", "Agency code", "Agency")
    assert [(row[0], row[3], row[6]) for row in rows[1:]] == [
        (1, "UBND xã Long Hưng", 88),
        (2, "UBND xã Tiến Dũng", 75),
    ]

    own = load_workbook(
        io.BytesIO(login(secretary).get(reverse("scoring:results_export", args=[scored.pk])).content)
    )
    own_rows = list(own.active.iter_rows(values_only=True))[1:]
    assert [(row[0], row[3]) for row in own_rows] == [(None, "UBND xã Tiến Dũng")]


def test_the_index_lists_the_published_rubrics_of_the_users_provinces(
    login, secretary, province, other_province
):
    mine = published_rubric(province, results_published=True)
    create_default_rubric(province, 2027, name="Bộ tiêu chí nháp")
    published_rubric(other_province, name="Bộ tiêu chí tỉnh khác")

    response = login(secretary).get(reverse("scoring:results_index"))

    content = response.content.decode()
    assert re.findall(r'data-rubric="(\d+)"', content) == [str(mine.pk)]
    assert reverse("scoring:results", args=[mine.pk]) in content


# --- publishing --------------------------------------------------------------------------------------------


def test_a_reviewer_publishes_and_every_official_assessment_is_finalized(
    login, reviewer, agency, other_agency, province
):
    rubric = published_rubric(province)
    draft = official(rubric, agency, 75, status=Status.DRAFT)
    done = official(rubric, other_agency, 88)

    response = login(reviewer).post(reverse("scoring:results_publish", args=[rubric.pk]), follow=True)

    assert (
        "are published: 2 agencies ranked, 1 official assessments finalized now" in response.content.decode()
    )
    rubric.refresh_from_db()
    assert rubric.results_published_by == reviewer
    assert rubric.results_published_at is not None
    draft.refresh_from_db()
    assert (draft.status, draft.finalized_by) == (Status.FINALIZED, reviewer)
    assert list(AssessmentEvent.objects.values_list("assessment_id", "kind")) == [(draft.pk, "finalized")]
    assert draft.history.first().status == Status.FINALIZED
    assert Assessment.objects.get(pk=done.pk).finalized_by is None


def test_publishing_twice_changes_nothing(login, reviewer, agency, province):
    rubric = published_rubric(province)
    official(rubric, agency, 75)
    client = login(reviewer)
    client.post(reverse("scoring:results_publish", args=[rubric.pk]))
    first = Rubric.objects.get(pk=rubric.pk).results_published_at

    response = client.post(reverse("scoring:results_publish", args=[rubric.pk]), follow=True)

    assert "were already published on" in response.content.decode()
    assert Rubric.objects.get(pk=rubric.pk).results_published_at == first


def test_publishing_without_an_official_assessment_is_refused(login, reviewer, agency, province):
    rubric = published_rubric(province)
    self_score(rubric, agency, 75)

    response = login(reviewer).post(reverse("scoring:results_publish", args=[rubric.pk]), follow=True)

    assert "has no official assessment yet" in response.content.decode()
    assert Rubric.objects.get(pk=rubric.pk).results_published_at is None


def test_a_draft_rubric_cannot_publish_results(login, reviewer, agency, province):
    draft = create_default_rubric(province, 2026)
    official(draft, agency, 75, status=Status.DRAFT)

    response = login(reviewer).post(reverse("scoring:results_publish", args=[draft.pk]), follow=True)

    assert "is still a draft" in response.content.decode()
    assert Rubric.objects.get(pk=draft.pk).results_published_at is None
    assert Assessment.objects.get().status == Status.DRAFT


def test_only_the_provinces_reviewers_publish(
    login, secretary, leader, national_viewer, foreign_reviewer, scored
):
    url = reverse("scoring:results_publish", args=[scored.pk])
    for user in (secretary, leader, national_viewer):
        assert login(user).post(url).status_code == 403
    assert login(foreign_reviewer).post(url).status_code == 404
    assert login(secretary).get(url).status_code == 405
    assert Rubric.objects.get(pk=scored.pk).results_published_at is None


def test_the_publish_button_shows_for_reviewers_only(login, reviewer, national_viewer, scored):
    url = reverse("scoring:results_publish", args=[scored.pk])
    assert url in login(reviewer).get(results_url(scored)).content.decode()
    assert url not in login(national_viewer).get(results_url(scored)).content.decode()


def test_the_command_publishes_and_prints_a_summary(agency, other_agency, province):
    rubric = published_rubric(province)
    official(rubric, agency, 75, status=Status.SUBMITTED)
    official(rubric, other_agency, 95)
    out = io.StringIO()

    call_command("publish_results", "--rubric", str(rubric.pk), stdout=out)

    assert "2 agencies ranked, 1 official assessments finalized now" in out.getvalue()
    assert "Rất tốt: 1 (50.00 %)" in out.getvalue()
    assert Rubric.objects.get(pk=rubric.pk).results_published_at is not None
    assert not Assessment.objects.exclude(status=Status.FINALIZED).exists()


def test_the_command_refuses_an_unknown_rubric_or_one_without_scores(province):
    rubric = published_rubric(province)

    with pytest.raises(CommandError, match="No rubric has the id 999999"):
        call_command("publish_results", "--rubric", "999999")
    with pytest.raises(CommandError, match="no official assessment yet"):
        call_command("publish_results", "--rubric", str(rubric.pk))
    assert Rubric.objects.get(pk=rubric.pk).results_published_at is None


# --- the breakdown ------------------------------------------------------------------------------------------


@pytest.fixture
def lines(scored, agency):
    """A1 (max 6): self 6, official 4 with an override reason; A4 (max 3): self 3, official 2 with a comment;
    A2 (max 4): both 4."""
    own = Assessment.objects.get(rubric=scored, agency=agency, kind=Kind.SELF)
    theirs = Assessment.objects.get(rubric=scored, agency=agency, kind=Kind.OFFICIAL)
    criteria = {criterion.code: criterion for criterion in Criterion.objects.filter(rubric=scored)}
    for code, mine, given, reason, comment in [
        ("A1", "6", "4", "Hai thủ tục chưa có quy trình hiệu lực", ""),
        ("A4", "3", "2", "", "Thiếu biểu mẫu ở QT-03"),
        ("A2", "4", "4", "", "Đạt"),
    ]:
        AssessmentLine.objects.create(assessment=own, criterion=criteria[code], points=Decimal(mine))
        AssessmentLine.objects.create(
            assessment=theirs,
            criterion=criteria[code],
            points=Decimal(given),
            override_reason=reason,
            comment=comment,
        )
    return scored


def breakdown_url(rubric, agency) -> str:
    return reverse("scoring:agency_breakdown", args=[rubric.pk, agency.pk])


def criteria_rows(response) -> dict[str, dict[str, str]]:
    html = response.content.decode()
    rows = {}
    for code, row in re.findall(r'<tr data-criterion="([A-Z0-9]+)"[^>]*>(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r"<td[^>]*data-([a-z]+)[^>]*>(.*?)</td>", row, re.S))
        rows[code] = {name: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for name, text in cells.items()}
    return rows


def test_the_breakdown_keeps_the_reviewers_reason_beside_both_scores(login, reviewer, agency, lines):
    rows = criteria_rows(login(reviewer).get(breakdown_url(lines, agency)))

    assert rows["A1"] == {
        "self": "6.00",
        "official": "4.00",
        "difference": "-2.00",
        "reason": "Hai thủ tục chưa có quy trình hiệu lực",
    }
    assert rows["A4"]["reason"] == "Thiếu biểu mẫu ở QT-03"
    assert rows["A2"] == {"self": "4.00", "official": "4.00", "difference": "0.00", "reason": ""}
    assert rows["B1"]["self"] == "—"


def test_the_breakdown_sums_each_group(login, reviewer, agency, lines):
    html = login(reviewer).get(breakdown_url(lines, agency)).content.decode()

    group = re.search(r'<tr class="table-light" data-group="A">(.*?)</tr>', html, re.S).group(1)
    figures = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", group, re.S)
    ]
    assert figures[:4] == ["20.00", "13.00", "10.00", "-3.00"]


def test_an_agency_sees_its_breakdown_and_the_official_points_once_finalized(login, secretary, agency, lines):
    client = login(secretary)
    assert criteria_rows(client.get(breakdown_url(lines, agency)))["A1"]["official"] == "4.00"

    Assessment.objects.filter(agency=agency, kind=Kind.OFFICIAL).update(status=Status.SUBMITTED)
    rows = criteria_rows(client.get(breakdown_url(lines, agency)))
    assert rows["A1"] == {"self": "6.00", "official": "—", "difference": "", "reason": ""}


def test_another_agencys_breakdown_is_not_found(
    login, other_leader, secretary, foreign_reviewer, agency, lines
):
    Rubric.objects.filter(pk=lines.pk).update(results_published_at=timezone.now())
    assert login(other_leader).get(breakdown_url(lines, agency)).status_code == 404
    assert login(foreign_reviewer).get(breakdown_url(lines, agency)).status_code == 404
    assert login(secretary).get(breakdown_url(lines, agency)).status_code == 200


def test_staff_do_not_see_a_draft_self_assessments_points(login, staff_user, agency, lines):
    Assessment.objects.filter(agency=agency, kind=Kind.SELF).update(status=Status.DRAFT)

    rows = criteria_rows(login(staff_user).get(breakdown_url(lines, agency)))

    assert rows["A1"]["self"] == "—"
    assert rows["A1"]["official"] == "4.00"


# --- query count ------------------------------------------------------------------------------------------


def scored_province(province, count: int, year: int) -> Rubric:
    """`count` agencies scored by themselves and by the province in `year`, and by the province the year
    before."""
    rubric = published_rubric(province, year)
    last_year = published_rubric(province, year - 1, results_published=True)
    levels = [Agency.Level.COMMUNE, Agency.Level.DEPARTMENT]
    batch = [AgencyFactory(province=province, level=levels[index % 2]) for index in range(count)]

    def assessment(rubric, agency, kind, total):
        return Assessment(
            rubric=rubric, agency=agency, kind=kind, status=Status.FINALIZED, total=Decimal(total)
        )

    Assessment.objects.bulk_create(
        [assessment(rubric, agency, Kind.OFFICIAL, 40 + index % 60) for index, agency in enumerate(batch)]
        + [assessment(rubric, agency, Kind.SELF, 50 + index % 50) for index, agency in enumerate(batch)]
        + [assessment(last_year, agency, Kind.OFFICIAL, 45) for agency in batch]
    )
    return rubric


def test_the_results_page_query_count_does_not_grow_with_the_agencies(
    login, reviewer, province, django_assert_num_queries
):
    client = login(reviewer)
    small = scored_province(province, 10, 2024)
    with CaptureQueriesContext(connection) as measured:
        response = client.get(results_url(small))
    assert len(response.context["page_obj"]) == 10
    # Expect 8 queries: the session, the user, the user's memberships; the rubric; its bands; its
    # assessments of both kinds; last year's rubric with published results; last year's totals.
    assert len(measured) == 8

    large = scored_province(province, 100, 2026)
    with django_assert_num_queries(len(measured)):
        response = client.get(results_url(large))
    assert len(response.context["page_obj"]) == 100


# --- the home panel -----------------------------------------------------------------------------------------


def text_of(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_an_agency_sees_its_latest_published_result_on_the_home_page(
    login, secretary, agency, other_agency, province
):
    older = published_rubric(province, 2024, name="Bộ tiêu chí 2024", results_published=True)
    official(older, agency, 60)
    latest = published_rubric(province, 2025, results_published=True)
    official(latest, agency, "75.50")
    official(latest, other_agency, 88)
    unpublished = published_rubric(province, 2026)
    official(unpublished, agency, 99)

    html = login(secretary).get(reverse("home")).content.decode()

    result = re.search(r"<p[^>]*data-latest-result>(.*?)</p>", html, re.S).group(1)
    assert text_of(result) == "Results 2025: 75.50 / 100.00 · Khá · rank 2 of 2"
    assert reverse("scoring:agency_breakdown", args=[latest.pk, agency.pk]) in html


def test_the_home_page_shows_this_years_self_assessment(login, secretary, agency, province):
    rubric = published_rubric(province, 2026, self_assessment_deadline=datetime.date(2026, 12, 15))
    client = login(secretary)

    def line() -> str:
        html = client.get(reverse("home")).content.decode()
        return text_of(re.search(r"data-self-assessment[^>]*>(.*?)</p>", html, re.S).group(1))

    assert line() == "Self-assessment 2026: not started Start the self-assessment · due 15/12/2026"
    html = client.get(reverse("home")).content.decode()
    start = re.search(
        rf'<form method="post" action="{reverse("scoring:assessment_start")}".*?</form>', html, re.S
    )
    assert re.findall(r'name="(rubric|agency|kind)" value="([^"]+)"', start.group(0)) == [
        ("rubric", str(rubric.pk)),
        ("agency", str(agency.pk)),
        ("kind", "self"),
    ]

    own = self_score(rubric, agency, 70, status=Status.SUBMITTED)
    assert line() == "Self-assessment 2026: Submitted View · due 15/12/2026"
    assert reverse("scoring:assessment_detail", args=[own.pk]) in client.get(reverse("home")).content.decode()


def test_staff_see_the_self_assessment_status_without_a_start_button(login, staff_user, agency, province):
    published_rubric(province, 2026)

    html = login(staff_user).get(reverse("home")).content.decode()

    assert "Self-assessment 2026: not started" in text_of(html)
    assert reverse("scoring:assessment_start") not in html


def test_reviewers_see_the_results_left_to_publish_on_the_home_page(
    login, reviewer, agency, other_agency, province
):
    pending = published_rubric(province, 2026)
    official(pending, agency, 70, status=Status.DRAFT)
    self_score(pending, agency, 75, status=Status.SUBMITTED)
    self_score(pending, other_agency, 75, status=Status.DRAFT)
    published_rubric(province, 2025, results_published=True)

    html = login(reviewer).get(reverse("home")).content.decode()

    rows = table(html, "results-to-publish")
    assert [(row["id"], row["awaiting"]) for row in rows] == [(str(pending.pk), "1")]


def test_users_with_nothing_scored_get_no_scoring_panel(login, staff_user):

    assert 'id="home-scoring"' not in login(staff_user).get(reverse("home")).content.decode()
