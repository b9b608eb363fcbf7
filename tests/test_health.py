"""/healthz and the Celery worker, on whatever broker the environment configures."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_json_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_healthz_reports_an_unreachable_broker_with_503(tmp_path):
    """A Redis that does not answer shows as a broker error; the page itself still answers."""
    probe = (
        "from django.test import Client; r = Client().get('/healthz', HTTP_HOST='127.0.0.1');"
        "print(r.status_code, r.json()['database'], r.json()['broker'], sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=ROOT,
        env={
            **os.environ,
            "DEBUG": "true",
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    status, database, broker = result.stdout.strip().splitlines()[-1].split("|")
    assert (status, database) == ("503", "ok"), result.stderr
    assert broker.startswith("error")


def test_redis_is_the_broker_when_configured(client, db):
    require(bool(settings.REDIS_URL), "REDIS_URL is not set: the embedded filesystem broker is in use")
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert client.get("/healthz").json()["broker"] == "ok"


@pytest.mark.services
def test_a_real_worker_runs_a_task_from_the_configured_broker(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery")}
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "qms_portal",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        send = f"from qms_portal.celery import ping; ping.apply_async(queue={queue!r})"
        subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", send],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "succeeded" not in log_path.read_text():
            time.sleep(0.2)
        assert "Task qms_portal.ping" in log_path.read_text() and "succeeded" in log_path.read_text(), (
            log_path.read_text()[-2000:]
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
