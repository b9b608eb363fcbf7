"""A nonconformity from finding to closed, through a real Chromium: secretary, staff, then leader."""

import shutil

import pytest
from django.utils import timezone

from agencies.models import Role
from audits.models import Action, Audit
from tests.conftest import require
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(agency):
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")
    users = {}
    for username, role in (
        ("thuky", Role.ISO_SECRETARY),
        ("lanhdao", Role.AGENCY_LEADER),
        ("canbo", Role.STAFF),
    ):
        users[username] = UserFactory(username=username, first_name=username.capitalize(), last_name="Nguyễn")
        MembershipFactory(user=users[username], role=role, agency=agency)
    return users


def log_in(browser, live_server, username):
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def step(page, **fields):
    """Fill the one next-step form on the action page and send it."""
    form = page.locator("form[action$='/step/']")
    for name, value in fields.items():
        if name == "effective":
            form.locator(f"input[name=effective][value={value}]").check()
        else:
            form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_nonconformity_goes_from_finding_to_closed(people, live_server, browser):
    today = timezone.localdate().strftime("%d/%m/%Y")
    secretary = log_in(browser, live_server, "thuky")
    secretary.goto(f"{live_server.url}/audits/new/")
    secretary.fill("#id_title", "Đánh giá nội bộ lần 1")
    secretary.fill("#id_planned_start", today)
    secretary.fill("#id_planned_end", today)
    secretary.click("main form button[type=submit] >> nth=-1")
    audit = Audit.objects.get(title="Đánh giá nội bộ lần 1")
    secretary.goto(f"{live_server.url}{audit.get_absolute_url()}")
    secretary.fill("#id_actual_start", today)
    secretary.click(f"form[action$='/{audit.pk}/start/'] button[type=submit]")
    secretary.goto(f"{live_server.url}/audits/{audit.pk}/findings/new/")
    secretary.select_option("#id_grade", "minor")
    secretary.fill("#id_description", "Sổ theo dõi hồ sơ không ghi ngày trả kết quả")
    secretary.select_option("#id_owner", str(people["canbo"].pk))
    secretary.click("main form button[type=submit] >> nth=-1")
    action = Action.objects.get(finding__audit=audit)
    assert (action.owner, action.status) == (people["canbo"], Action.Status.OPEN)

    staff = log_in(browser, live_server, "canbo")
    assert "Sổ theo dõi hồ sơ không ghi ngày trả kết quả" in staff.locator("main").inner_text()
    staff.goto(f"{live_server.url}{action.get_absolute_url()}")
    step(staff, root_cause="Biểu mẫu sổ cũ không có cột ngày trả kết quả")
    step(staff, action_plan="Thay mẫu sổ theo quy trình QT-07, hướng dẫn công chức ghi đủ")
    step(staff, implementation_note="Đã thay sổ từ ngày hôm nay và hướng dẫn bộ phận một cửa")
    action.refresh_from_db()
    assert action.status == Action.Status.IMPLEMENTED

    leader = log_in(browser, live_server, "lanhdao")
    leader.goto(f"{live_server.url}{action.get_absolute_url()}")
    step(leader, effective="yes", note="Kiểm tra 20 hồ sơ: đều ghi đủ ngày trả kết quả")
    step(leader, effectiveness_note="Hành động khắc phục có hiệu lực; đóng điểm không phù hợp")
    action.refresh_from_db()
    assert action.status == Action.Status.CLOSED
    assert action.verified_by == people["lanhdao"]
