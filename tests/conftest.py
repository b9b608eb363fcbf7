import shutil

import pytest
from django.conf import settings as django_settings

from agencies.models import Role
from qms_portal import freshness
from tests.factories import AgencyFactory, MembershipFactory, ProvinceFactory, UserFactory


def pytest_configure(config):
    # Hashing real passwords dominates the suite's time and proves nothing about the portal.
    django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def require(available: bool, reason: str) -> None:
    """Skip a test whose service is missing, or fail it when CI demands the real services."""
    if available:
        return
    if django_settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is on but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _nothing_cached():
    """Each test starts with the cached pages stale: the tests of one worker share a database name, hence
    a data version, while each rolls its data back."""
    freshness.renew()


@pytest.fixture
def province(db):
    return ProvinceFactory(code="HY", name="Tỉnh Hưng Yên")


@pytest.fixture
def other_province(db):
    return ProvinceFactory(code="TB", name="Tỉnh Thái Bình")


@pytest.fixture
def agency(province):
    return AgencyFactory(province=province, code="XTIENDUNG", name="UBND xã Tiến Dũng")


@pytest.fixture
def other_agency(province):
    return AgencyFactory(province=province, code="XLONGHUNG", name="UBND xã Long Hưng")


@pytest.fixture
def foreign_agency(other_province):
    return AgencyFactory(province=other_province, code="XDONGHOA", name="UBND xã Đông Hòa")


def _member(username: str, role: str, **scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **{"agency": None, **scope})
    return user


@pytest.fixture
def staff_user(agency):
    return _member("canbo", Role.STAFF, agency=agency)


@pytest.fixture
def secretary(agency):
    return _member("thuky", Role.ISO_SECRETARY, agency=agency)


@pytest.fixture
def leader(agency):
    return _member("lanhdao", Role.AGENCY_LEADER, agency=agency)


@pytest.fixture
def other_leader(other_agency):
    return _member("lanhdao2", Role.AGENCY_LEADER, agency=other_agency)


@pytest.fixture
def reviewer(province):
    return _member("bcd", Role.PROVINCIAL_REVIEWER, province=province)


@pytest.fixture
def foreign_reviewer(other_province):
    return _member("bcd2", Role.PROVINCIAL_REVIEWER, province=other_province)


@pytest.fixture
def national_viewer(db):
    return _member("bokhcn", Role.NATIONAL_VIEWER)


@pytest.fixture
def client_as(client):
    """Log the test client in as the given user and return it."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }
