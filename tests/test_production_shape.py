"""What docker-compose runs, proven here: gunicorn with production settings, migrated and collected."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, **headers: str) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_compose_runs_the_five_services_with_health_checks():
    for service in ("postgres:", "redis:", "web:", "worker:", "beat:"):
        assert f"\n  {service}" in COMPOSE
    assert COMPOSE.count("healthcheck:") == 5
    assert "gunicorn qms_portal.wsgi" in COMPOSE
    assert "migrate --noinput" in COMPOSE and "collectstatic --noinput" in COMPOSE


@pytest.mark.services
def test_gunicorn_serves_production_settings(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"PLAIN_STATIC", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "false",
        "SECRET_KEY": "production-shape-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    if "postgres" not in env.get("DATABASE_URL", ""):
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*manage, "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "qms_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _headers, body = fetch(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert status == 200, body
        status, headers, _body = fetch(f"http://127.0.0.1:{port}/")
        assert status == 301
        assert headers["Location"].startswith("https://")
        # Behind the TLS proxy: the login page and the hashed static files it links to are served.
        status, headers, body = fetch(
            f"http://127.0.0.1:{port}/accounts/login/", **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "Strict-Transport-Security" in headers
        stylesheet = body.decode().split('href="/static/vendor/bootstrap/')[1].split('"')[0]
        assert stylesheet != "bootstrap.min.css"  # the manifest storage names files by content hash
        status, headers, _body = fetch(
            f"http://127.0.0.1:{port}/static/vendor/bootstrap/{stylesheet}", **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=30)
