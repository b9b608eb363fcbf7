"""A secretary logs in through a real Chromium and finds their commune, in Vietnamese."""

import shutil

import pytest

from agencies.models import Role
from tests.conftest import require
from tests.factories import PASSWORD, DeclarationFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_available():
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")


def test_secretary_logs_in_and_sees_their_commune_and_status(chromium_available, live_server, page, agency):
    DeclarationFactory(agency=agency, changed_on="2022-06-15", decision_number="45/QĐ-UBND")
    user = UserFactory(username="thuky")
    MembershipFactory(user=user, role=Role.ISO_SECRETARY, agency=agency)

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Tên đăng nhập").fill("thuky")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url(f"{live_server.url}/")
    body = page.locator("main")
    assert "UBND xã Tiến Dũng" in body.inner_text()
    assert "Đã công bố" in body.inner_text()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_language_switch_to_english(chromium_available, live_server, page, agency):
    user = UserFactory(username="thuky")
    MembershipFactory(user=user, role=Role.ISO_SECRETARY, agency=agency)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#language-select").select_option("en")
    page.get_by_role("button", name="Thay đổi").click()
    assert page.get_by_role("button", name="Log in").is_visible()
