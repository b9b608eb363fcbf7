"""The steering committee's dashboard and reports through a real Chromium: `bcd` follows a figure to the
agencies behind it, requests the provincial summary and downloads it; `canbo` downloads their agency's
report."""

import datetime
import shutil
import subprocess

import pytest

from agencies.models import Role
from scoring.models import Report
from scoring.services.reports import request_report
from tests.conftest import require
from tests.factories import PASSWORD, DeclarationFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = datetime.datetime.now(tz=datetime.UTC).year


@pytest.fixture(autouse=True)
def eager_celery():
    """The live server runs in this process: produce reports in it (a real worker is tested elsewhere)."""
    from qms_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def people(province, agency, other_agency):
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")
    require(
        shutil.which("pdftotext") is not None, "pdftotext is not installed (apt-get install -y poppler-utils)"
    )
    DeclarationFactory(agency=agency, changed_on=datetime.date(YEAR - 1, 5, 4))
    reviewer = UserFactory(username="bcd")
    MembershipFactory(user=reviewer, role=Role.PROVINCIAL_REVIEWER, agency=None, province=province)
    staff = UserFactory(username="canbo")
    MembershipFactory(user=staff, role=Role.STAFF, agency=agency)
    return {"bcd": reviewer, "canbo": staff}


def log_in(browser, live_server, username):
    page = browser.new_context(locale="vi-VN", accept_downloads=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_bcd_drills_down_and_downloads_the_summary_canbo_downloads_the_agency_report(
    people, province, agency, other_agency, live_server, browser, tmp_path
):
    reviewer = log_in(browser, live_server, "bcd")
    reviewer.goto(f"{live_server.url}/scoring/dashboard/")
    reviewer.locator("main a[href*='/scoring/dashboard/agencies/']").first.click()
    reviewer.wait_for_url("**/scoring/dashboard/agencies/**")
    listed = reviewer.locator("main").inner_text()
    assert agency.name in listed or other_agency.name in listed

    reviewer.goto(f"{live_server.url}/scoring/reports/")
    reviewer.select_option("#id_kind", Report.Kind.PROVINCE_SUMMARY)
    reviewer.select_option("#id_province", str(province.pk))
    reviewer.fill("#id_year", str(YEAR))
    reviewer.click("#report-request button[type=submit]")
    reviewer.wait_for_selector("[data-download]")
    with reviewer.expect_download() as download:
        reviewer.click("[data-download]")
    summary = tmp_path / "summary.pdf"
    download.value.save_as(summary)
    assert summary.read_bytes().startswith(b"%PDF")
    assert "Hưng Yên" in pdf_text(summary)

    report = request_report(kind=Report.Kind.AGENCY_COMPLIANCE, user=people["bcd"], agency=agency, year=YEAR)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    staff = log_in(browser, live_server, "canbo")
    staff.goto(f"{live_server.url}{report.get_absolute_url()}")
    with staff.expect_download() as download:
        staff.click("[data-download]")
    mine = tmp_path / "agency.pdf"
    download.value.save_as(mine)
    assert "UBND xã Tiến Dũng" in pdf_text(mine)
