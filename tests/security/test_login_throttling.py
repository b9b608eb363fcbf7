"""Login throttling: repeated wrong passwords lock one username from one address out for a while."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD
from tests.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db

LOCKED_OUT = "Too many failed logins"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong", address)
    return response


def test_wrong_passwords_below_the_limit_show_the_login_form_again(english, secretary):
    response = fail(english, "thuky", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert LOCKED_OUT not in response.content.decode()


def test_the_failure_at_the_limit_locks_out_with_a_clear_message(english, secretary):
    response = fail(english, "thuky", settings.AXES_FAILURE_LIMIT)
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED_OUT in html
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"The password was wrong {settings.AXES_FAILURE_LIMIT} times in a row for this account." in html
    assert f"blocked for {minutes} minutes after the last attempt" in html
    assert reverse("login") in html


def test_a_locked_out_user_is_refused_even_with_the_right_password(english, secretary):
    fail(english, "thuky", settings.AXES_FAILURE_LIMIT)
    response = log_in(english, "thuky", PASSWORD)
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in english.session


def test_the_lockout_page_is_a_portal_page_in_the_chosen_language(client, secretary):
    response = fail(client, "thuky", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "registration/lockout.html" in [template.name for template in response.templates]
    assert '<html lang="vi">' in response.content.decode()


def test_the_lock_lifts_once_the_cool_off_has_passed(client, secretary):
    fail(client, "thuky", settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="thuky")
    attempt.attempt_time -= settings.AXES_COOLOFF_TIME
    attempt.save(update_fields=["attempt_time"])

    response = log_in(client, "thuky", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_successful_login_starts_the_count_again(client, secretary):
    fail(client, "thuky", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "thuky", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    response = fail(client, "thuky", settings.AXES_FAILURE_LIMIT - 1)

    assert response.status_code == 200
    assert log_in(client, "thuky", PASSWORD).status_code == 302


def test_the_lock_holds_one_username_from_one_address_only(client, secretary, leader):
    """A colleague at the same office, or the same user elsewhere, still logs in."""
    fail(client, "thuky", settings.AXES_FAILURE_LIMIT, address="10.0.0.1")

    assert log_in(client, "lanhdao", PASSWORD, address="10.0.0.1").status_code == 302
    client.post(reverse("logout"))
    assert log_in(client, "thuky", PASSWORD, address="10.0.0.2").status_code == 302


def test_the_admin_login_is_throttled_too(english, db):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = english.post(
            reverse("admin:login"), {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
        )
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()


def test_limit_and_cool_off_come_from_the_environment():
    probe = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    result = manage(
        "shell", "--no-imports", "-c", probe, **PRODUCTION, AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="90"
    )
    assert result.stdout.split() == ["3", "1:30:00"], result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "five", "2.5"])
def test_a_malformed_limit_stops_the_process(value):
    result = manage("check", **PRODUCTION, AXES_FAILURE_LIMIT=value)
    assert result.returncode != 0
    assert "AXES_FAILURE_LIMIT must be a whole number of at least 1" in result.stderr
