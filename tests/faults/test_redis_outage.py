"""Redis stopped while the web runs: pages still answer, a requested report waits in the queue, and it is
produced once Redis is back and the stale-report sweep sends it again."""

import datetime
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring.models import Report
from tests.faults.conftest import PASSWORD, can_log_in
from tests.faults.stack import ROOT, Visitor, celery_worker, production_env, serve, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]

WAITING = "Waiting for the report service to pick it up."


def test_with_redis_down_pages_answer_and_a_report_waits_until_redis_is_back(
    shared_database, redis_server, stack, leader, reviewer, agency, tmp_path
):
    can_log_in(leader)
    can_log_in(reviewer)
    env = production_env(
        DATABASE_URL=shared_database, REDIS_URL=redis_server.url, MEDIA_ROOT=str(tmp_path / "media")
    )
    web, base = serve(env, tmp_path / "web.log")
    stack.append(web)
    worker = celery_worker(env, tmp_path / "worker.log")
    stack.append(worker)

    redis_server.stop()
    visitor = Visitor(base)
    visitor.log_in(leader.username, PASSWORD)  # sessions and login throttling live in the database
    for path in (
        reverse("home"),
        reverse("agencies:detail", args=[agency.pk]),
        reverse("procedures:process_list"),
        reverse("scoring:report_list"),
    ):
        status, _location, body = visitor.get(path)
        assert status == 200, (path, status, body[-1500:])
    committee = Visitor(base)
    committee.log_in(reviewer.username, PASSWORD)
    for path in (reverse("scoring:dashboard"), reverse("agencies:list")):
        status, _location, body = committee.get(path)
        assert status == 200, (path, status, body[-1500:])
    status, _location, body = visitor.get(reverse("healthz"))
    assert status == 503 and '"broker": "error' in body and '"database": "ok"' in body

    status, location, body = visitor.post_form(
        reverse("scoring:report_request"),
        {"kind": "agency_compliance", "agency": agency.pk, "year": "2026", "quarter": ""},
        form_page=reverse("scoring:report_list"),
    )
    report = Report.objects.get()
    assert (status, location) == (302, reverse("scoring:report_detail", args=[report.pk])), body[-1500:]
    status, _location, body = visitor.get(location)
    assert status == 200 and WAITING in body
    assert report.status == Report.Status.QUEUED and report.attempts == 0

    redis_server.start()
    # Ten minutes pass (the report has waited that long), then beat's sweep runs on the worker.
    Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=11))
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "qms_portal", "call", "scoring.requeue_stale_reports"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )

    def finished():
        report.refresh_from_db()
        return not report.is_pending

    wait_for(finished, timeout=60, what=f"the report to be produced; worker log:\n{worker.tail()}")
    assert (report.status, report.attempts, report.error) == (Report.Status.DONE, 1, "")
    assert [path.name for path in (tmp_path / "media").rglob("*.pdf")] == [report.file.name.split("/")[-1]]
    status, _location, body = visitor.get(reverse("scoring:report_detail", args=[report.pk]))
    assert status == 200 and reverse("scoring:report_download", args=[report.pk]) in body
    assert WAITING not in body
    assert visitor.get(reverse("healthz"))[0] == 200
