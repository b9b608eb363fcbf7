"""A process from draft to in force, through a real Chromium: secretary, leader, then staff."""

import shutil
from decimal import Decimal

import pytest

from agencies.models import Role
from procedures.models import Process, ProcessRevision
from tests.conftest import require
from tests.factories import (
    PASSWORD,
    AdministrativeProcedureFactory,
    AgencyProcedureFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(agency):
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")
    procedure = AdministrativeProcedureFactory(
        code="1.001193", name="Đăng ký khai sinh", statutory_days=Decimal("3")
    )
    AgencyProcedureFactory(agency=agency, procedure=procedure)
    for username, role in (
        ("thuky", Role.ISO_SECRETARY),
        ("lanhdao", Role.AGENCY_LEADER),
        ("canbo", Role.STAFF),
    ):
        MembershipFactory(user=UserFactory(username=username), role=role, agency=agency)
    return procedure


def log_in(browser, live_server, username):
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_secretary_drafts_leader_approves_staff_reads(people, live_server, browser):
    page = log_in(browser, live_server, "thuky")
    page.goto(f"{live_server.url}/procedures/processes/new/")
    page.fill("#id_code", "QT-07")
    page.fill("#id_title", "Quy trình đăng ký khai sinh")
    page.select_option("#id_kind", "procedure")
    page.select_option("#id_procedure", label=str(people))
    page.click("main button[type=submit]")
    page.wait_for_selector("#steps-title")

    page.fill("#id_purpose", "Quy định trình tự, thời gian đăng ký khai sinh tại UBND xã.")
    page.fill("#id_scope", "Bộ phận một cửa và công chức tư pháp - hộ tịch.")
    steps = [
        ("Tiếp nhận, kiểm tra hồ sơ", "0.5", True),
        ("Thẩm định, trình ký", "1.5", True),
        ("Trả kết quả cho công dân", "0.5", False),
    ]
    for index, (action, days, counted) in enumerate(steps):
        page.click("[data-add-form=steps]")
        page.fill(f"#id_steps-{index}-action", action)
        page.fill(f"#id_steps-{index}-responsible", "Công chức tư pháp - hộ tịch")
        page.fill(f"#id_steps-{index}-time_days", days)
        if not counted:
            page.uncheck(f"#id_steps-{index}-time_counted")
    # Move the second step down and back up: the order saved is the order shown.
    rows = page.locator(".formset-rows[data-prefix=steps] > .formset-row")
    rows.nth(1).locator("[data-move=down]").click()
    assert "Thẩm định" in rows.nth(2).locator("textarea").input_value()
    rows.nth(2).locator("[data-move=up]").click()
    page.click("button[name=submit]")
    page.wait_for_selector(".badge.text-bg-info")
    revision = ProcessRevision.objects.get(process__code="QT-07")
    assert revision.status == ProcessRevision.Status.IN_REVIEW
    assert list(revision.steps.values_list("action", flat=True)) == [s[0] for s in steps]

    leader = log_in(browser, live_server, "lanhdao")
    leader.goto(f"{live_server.url}{revision.get_absolute_url()}")
    leader.click(f"form[action$='/revisions/{revision.pk}/approve/'] button[type=submit]")
    leader.wait_for_selector(".badge.text-bg-success")
    revision.refresh_from_db()
    assert revision.status == ProcessRevision.Status.IN_FORCE

    staff = log_in(browser, live_server, "canbo")
    staff.goto(f"{live_server.url}{Process.objects.get(code='QT-07').get_absolute_url()}")
    main = staff.locator("main").inner_text()
    assert "Trả kết quả cho công dân" in main
    assert "Thẩm định, trình ký" in main
    assert staff.locator(".badge.text-bg-success").first.is_visible()
