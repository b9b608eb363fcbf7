"""Settings come from the environment and are safe in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!k2@p9#q4$w8%e1^r6&t3*y5(u0)i-o+p=a[s]d{f}g;h:j'k",
    "ALLOWED_HOSTS": "iso.hungyen.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://iso.hungyen.gov.vn",
    "DATABASE_URL": "sqlite:////tmp/qms-deploy-check.sqlite3",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.hungyen.gov.vn:587",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PLAIN_STATIC", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_developer_runs_manage_py_with_no_environment_set():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["ture", "2", "maybe"])
def test_a_malformed_boolean_is_an_error_not_false(value):
    result = manage("check", **{**PRODUCTION, "DEBUG": value})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_language_and_time_zone_are_vietnamese(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]


def test_production_cookies_are_secure():
    probe = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    result = manage("shell", "--no-imports", "-c", probe, **PRODUCTION)
    assert result.stdout.split() == ["True", "True", "False"], result.stderr
