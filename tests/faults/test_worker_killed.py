"""A worker killed in the middle of a report (the OOM killer, a container stop): the report stays asked
for, and once a worker runs again it is produced, once.

Recovery is the broker's: with late acknowledgement the killed worker never acknowledged the message, and
Redis hands it out again once its visibility timeout has passed (CELERY_VISIBILITY_TIMEOUT, an hour in
production; a few seconds here). The stale-report sweep is the second line, tested with the Redis outage."""

import pytest
from django.urls import reverse

from scoring.models import Report
from tests.faults.conftest import PASSWORD, can_log_in
from tests.faults.stack import Visitor, celery_worker, production_env, serve, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_report_whose_worker_is_killed_is_produced_once_after_a_restart(
    shared_database, redis_server, stack, leader, agency, tmp_path
):
    can_log_in(leader)
    env = production_env(
        DATABASE_URL=shared_database,
        REDIS_URL=redis_server.url,
        MEDIA_ROOT=str(tmp_path / "media"),
        CELERY_VISIBILITY_TIMEOUT="3",
    )
    web, base = serve(env, tmp_path / "web.log")
    stack.append(web)
    slow = {**env, "DJANGO_SETTINGS_MODULE": "tests.faults.settings", "QMS_TEST_REPORT_DELAY": "30"}
    first = celery_worker(slow, tmp_path / "worker-1.log")
    stack.append(first)

    visitor = Visitor(base)
    visitor.log_in(leader.username, PASSWORD)
    status, location, body = visitor.post_form(
        reverse("scoring:report_request"),
        {"kind": "agency_compliance", "agency": agency.pk, "year": "2026", "quarter": ""},
        form_page=reverse("scoring:report_list"),
    )
    assert status == 302, body[-1500:]
    report = Report.objects.get()

    def running():
        report.refresh_from_db()
        return report.status == Report.Status.RUNNING

    wait_for(running, timeout=60, what=f"the worker to start the report; its log:\n{first.tail()}")
    first.kill()  # SIGKILL to the worker and its pool process, mid-gathering

    second = celery_worker(env, tmp_path / "worker-2.log")
    stack.append(second)

    def finished():
        report.refresh_from_db()
        return not report.is_pending

    wait_for(finished, timeout=90, what=f"the report to be produced again; worker log:\n{second.tail()}")
    assert (report.status, report.attempts, report.error) == (Report.Status.DONE, 2, "")
    assert [path.name for path in (tmp_path / "media").rglob("*.pdf")] == [report.file.name.split("/")[-1]]
    status, _location, body = visitor.get(reverse("scoring:report_detail", args=[report.pk]))
    assert status == 200 and reverse("scoring:report_download", args=[report.pk]) in body
