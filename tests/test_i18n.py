"""Vietnamese by default, English on request, and a Vietnamese catalogue that covers every marked string."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
APPS = [path.parent.name for path in ROOT.glob("*/apps.py")]
SOURCES = ["qms_portal", "templates", "manage.py", "locale", *APPS]


def statistics(po_file: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_vietnamese_catalogue_has_nothing_untranslated_or_fuzzy():
    summary = statistics(CATALOGUE)
    assert re.fullmatch(r"\d+ translated messages?\.", summary), summary


def test_every_marked_string_is_in_the_vietnamese_catalogue(tmp_path):
    """Regenerate the catalogue from the sources: a newly marked string shows as untranslated."""
    copy = tmp_path / "src"
    copy.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, copy / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "--no-obsolete"],
        cwd=copy,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = statistics(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    assert re.fullmatch(r"\d+ translated messages?\.", summary), f"run `make messages-update`: {summary}"


@pytest.mark.django_db
def test_pages_are_vietnamese_whatever_the_browser_prefers(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


@pytest.mark.django_db
def test_english_is_selectable(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in to the QMS Portal" in html
