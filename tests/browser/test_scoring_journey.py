"""Official scores from a committee's spreadsheet to a published ranking, through a real Chromium: the
reviewer imports and publishes, the commune's ISO secretary finds the commune's rank."""

import io
import shutil

import pytest
from openpyxl import Workbook

from agencies.models import Role
from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, Criterion
from scoring.services.rubrics import publish
from tests.conftest import require
from tests.factories import PASSWORD, AgencyFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(province, agency, other_agency):
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")
    reviewer = UserFactory(username="bcd")
    MembershipFactory(user=reviewer, role=Role.PROVINCIAL_REVIEWER, agency=None, province=province)
    secretary = UserFactory(username="thuky")
    MembershipFactory(user=secretary, role=Role.ISO_SECRETARY, agency=agency)
    third = AgencyFactory(province=province, code="XMINHHAI", name="UBND xã Minh Hải")
    rubric = create_default_rubric(province, 2026)
    publish(rubric, reviewer)
    return {"rubric": rubric, "agencies": [agency, other_agency, third]}


def score_sheet(rubric, shares: dict[str, float], path) -> None:
    """The committee's paper scores: every manual criterion, each agency at its share of the maximum."""
    sheet = Workbook()
    rows = sheet.active
    rows.append(["agency_code", "criterion_code", "points", "comment"])
    for criterion in Criterion.objects.filter(rubric=rubric, metric=""):
        for code, share in shares.items():
            points = int(float(criterion.max_points) * 4 * share) / 4
            rows.append([code, criterion.code, points, "Kiểm tra hồ sơ tại cơ quan"])
    buffer = io.BytesIO()
    sheet.save(buffer)
    path.write_bytes(buffer.getvalue())


def log_in(browser, live_server, username):
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_the_committee_publishes_official_scores_and_the_secretary_sees_the_rank(
    scene, live_server, browser, tmp_path
):
    rubric = scene["rubric"]
    home, second, third = scene["agencies"]
    scores = tmp_path / "diem-chinh-thuc.xlsx"
    score_sheet(rubric, {second.code: 1.0, home.code: 0.8, third.code: 0.5}, scores)

    reviewer = log_in(browser, live_server, "bcd")
    reviewer.goto(f"{live_server.url}/scoring/rubrics/{rubric.pk}/scores/import/")
    reviewer.set_input_files("#id_file", str(scores))
    reviewer.click("main form button[type=submit]")
    reviewer.wait_for_load_state()
    official = Assessment.objects.filter(rubric=rubric, kind=Assessment.Kind.OFFICIAL)
    assert official.count() == 3

    reviewer.goto(f"{live_server.url}/scoring/results/{rubric.pk}/")
    reviewer.click(f"form[action$='/results/{rubric.pk}/publish/'] button[type=submit]")
    reviewer.wait_for_load_state()
    rubric.refresh_from_db()
    assert rubric.results_published
    assert set(official.values_list("status", flat=True)) == {Assessment.Status.FINALIZED}

    secretary = log_in(browser, live_server, "thuky")
    secretary.goto(f"{live_server.url}/scoring/results/{rubric.pk}/")
    ranking = secretary.locator("#ranking")
    assert ranking.locator(f"tr[data-agency='{home.pk}'] [data-rank]").inner_text().strip() == "2"
    assert ranking.locator(f"tr[data-agency='{second.pk}'] [data-rank]").inner_text().strip() == "1"
    assert third.name in ranking.inner_text()
