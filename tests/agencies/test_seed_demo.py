"""`manage.py seed_demo`: the demo province behind `make run`, safe to run twice, never in production."""

import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Agency, Membership, Province, QmsStatus, Role, StatusChange

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "status changes": StatusChange.objects.count(),
        "memberships": Membership.objects.count(),
        "users": User.objects.count(),
        "provinces": Province.objects.count(),
    }


def test_seeding_builds_the_hung_yen_demo_province_with_its_history_and_logins(debug, client):
    output = seed()

    province = Province.objects.get(code="HY")
    assert province.name == "Tỉnh Hưng Yên"
    agencies = Agency.objects.filter(province=province)
    provincial = agencies.filter(level__in=[Agency.Level.DEPARTMENT, Agency.Level.BRANCH])
    assert 20 <= provincial.count() <= 30
    assert not agencies.filter(level=Agency.Level.BRANCH, parent__isnull=True).exists()
    districts = agencies.filter(level=Agency.Level.DISTRICT)
    assert districts.count() == 10
    assert set(districts.values_list("active_until", flat=True)) == {date(2025, 6, 30)}
    communes = agencies.filter(level=Agency.Level.COMMUNE)
    assert communes.count() >= 75
    assert not communes.filter(Q(parent__isnull=True) | ~Q(parent__level=Agency.Level.DISTRICT)).exists()

    merged = agencies.filter(merged_into__isnull=False)
    assert merged.count() == 2
    assert set(merged.values_list("active_until", flat=True)) == {date(2025, 6, 30)}
    assert len({agency.merged_into_id for agency in merged}) == 1
    successor = merged.first().merged_into
    assert successor.active_from == date(2025, 7, 1)
    assert successor.is_operating()
    assert all(agency.status_changes.exists() for agency in merged)

    home = agencies.get(code="XTIENDUNG")
    assert home.name == "UBND xã Tiến Dũng"
    assert Agency.objects.filter(name="UBND xã Tiến Dũng").count() == 1
    assert agencies.with_current_status().get(pk=home.pk).current_status in QmsStatus.declarations()

    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").is_staff
    assert Membership.objects.filter(
        user__username="bcd", role=Role.PROVINCIAL_REVIEWER, province=province
    ).exists()
    for username, role in [
        ("lanhdao", Role.AGENCY_LEADER),
        ("thuky", Role.ISO_SECRETARY),
        ("canbo", Role.STAFF),
    ]:
        assert Membership.objects.filter(user__username=username, role=role, agency=home).exists()
    assert User.objects.get(username="thuky").get_full_name() == "Thu Nguyễn Thị"
    # django-axes throttles logins per request; Client.login has none of its own.
    assert client.login(request=HttpRequest(), username="thuky", password="demo1234")
    assert "thuky" in output and "demo1234" in output


def test_seeding_twice_changes_no_counts(debug):
    seed()
    first = counts()

    seed()

    assert counts() == first


def test_seeding_with_debug_off_is_refused_and_creates_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert all(total == 0 for total in counts().values())


def test_if_empty_does_nothing_when_an_agency_already_exists(debug, agency):
    before = counts()

    output = seed("--if-empty")

    assert counts() == before
    assert not User.objects.filter(username="thuky").exists()
    assert output.strip()


def test_if_empty_seeds_an_empty_database(debug):
    seed("--if-empty")

    assert Agency.objects.filter(code="XTIENDUNG").exists()


def test_every_declaration_is_complete_and_no_status_change_is_in_the_future(debug):
    seed()
    today = timezone.localdate()

    declarations = StatusChange.objects.filter(status__in=QmsStatus.declarations())
    assert declarations.exists()
    for change in declarations:
        assert change.decision_number.endswith(("/QĐ-UBND", f"/QĐ-{change.agency.code}", "/QĐ-VP", "/QĐ-TTr"))
        assert change.decision_date is not None and change.decision_date <= change.changed_on
        assert change.iso_version in {"2008", "2015"}
        assert change.scope
        if change.changed_on.year >= 2016:
            assert change.iso_version == "2015"
    assert not StatusChange.objects.filter(Q(changed_on__gt=today) | Q(decision_date__gt=today)).exists()
    assert not StatusChange.objects.filter(changed_on__lt=date(2014, 1, 1)).exists()
    # Abolished and merged agencies have no history after their last day.
    assert not StatusChange.objects.filter(
        agency__active_until__isnull=False, changed_on__gt=date(2025, 6, 30)
    ).exists()
