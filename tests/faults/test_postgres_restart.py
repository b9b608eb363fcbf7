"""PostgreSQL restarted under a running portal (an upgrade, a failover): the next requests succeed, and the
Celery worker keeps producing reports. Connections are checked before reuse (CONN_HEALTH_CHECKS), so a
connection the restart closed is replaced rather than failing a request."""

import shutil
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import require
from tests.faults.conftest import PASSWORD, can_log_in
from tests.faults.stack import (
    POSTGRES_BIN,
    PostgresCluster,
    Visitor,
    celery_worker,
    production_env,
    serve,
    wait_for,
)

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

REPORT = {"kind": "agency_compliance", "year": "2026", "quarter": ""}


@pytest.fixture
def cluster():
    require((POSTGRES_BIN / "initdb").exists(), f"no PostgreSQL server binaries in {POSTGRES_BIN}")
    require(shutil.which("runuser") is not None, "runuser is not installed")
    # Not under pytest's folders (private to root): the postgres user must reach the cluster's folder.
    folder = Path(tempfile.mkdtemp(prefix="qms-fault-pg-"))
    server = PostgresCluster(folder)
    server.init()
    server.pg_ctl("start")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_after_a_postgres_restart_the_next_requests_and_reports_succeed(
    shared_database, cluster, redis_server, stack, leader, agency, tmp_path
):
    can_log_in(leader)
    url = cluster.copy_database(shared_database, "qms_fault")
    # Persistent connections, as behind a busy gunicorn: the restart leaves each worker a dead one.
    env = production_env(
        DATABASE_URL=url, REDIS_URL=redis_server.url, MEDIA_ROOT=str(tmp_path / "media"), CONN_MAX_AGE="600"
    )
    web, base = serve(env, tmp_path / "web.log")
    stack.append(web)
    worker = celery_worker(env, tmp_path / "worker.log")
    stack.append(worker)
    visitor = Visitor(base)
    visitor.log_in(leader.username, PASSWORD)
    pages = (
        reverse("home"),
        reverse("agencies:detail", args=[agency.pk]),
        reverse("procedures:process_list"),
        reverse("scoring:report_list"),
    )
    for path in pages:
        assert visitor.get(path)[0] == 200, path

    cluster.pg_ctl("restart")

    for path in pages:
        status, _location, body = visitor.get(path)
        assert status == 200, (path, status, body[-1500:], web.tail())
    status, report_page, body = visitor.post_form(
        reverse("scoring:report_request"),
        {**REPORT, "agency": agency.pk},
        form_page=reverse("scoring:report_list"),
    )
    assert status == 302, body[-1500:]

    download = reverse("scoring:report_download", args=[int(report_page.rstrip("/").rsplit("/", 1)[-1])])

    def produced():
        return download in visitor.get(report_page)[2]

    wait_for(produced, timeout=60, what=f"the report after the restart; worker log:\n{worker.tail()}")
