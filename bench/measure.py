"""Measure one generated database in-process: pages (median, p95, query count), the raw SQL of the dashboard's
figures, and each report kind split into gathering and rendering. Prints one JSON object; bench/run.py
drives it once per scale. Also writes a session cookie of the provincial reviewer for the load generator."""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from agencies.models import Agency, Membership, Province, StatusChange  # noqa: E402
from audits.models import Audit  # noqa: E402
from qms_portal import freshness  # noqa: E402
from qms_portal.pdf import render_template_pdf_with_pages  # noqa: E402
from scoring import reporting  # noqa: E402
from scoring.dashboard import dashboard_figures  # noqa: E402
from scoring.models import Report, Rubric  # noqa: E402

Y = timezone.localdate().year


def timed(function, runs: int) -> tuple[list[float], int]:
    """Times in milliseconds of `runs` calls after one warm-up call, and the queries of the last one."""
    function()
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return times, queries


def summary(times: list[float], queries: int | None) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "queries": queries}


def page(client: Client, url: str, runs: int, cold: bool = False) -> dict:
    """`cold`: the cached dashboards made stale before each request, so that the page computes its figures."""

    def get():
        if cold:
            freshness.renew()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return summary(*timed(get, runs))


def login(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_pages(runs: int) -> dict:
    reviewer, national = login("bench_reviewer"), login("bench_national")
    secretary = login("bench_secretary")
    province = Membership.objects.get(user__username="bench_reviewer").province_id
    home = Membership.objects.filter(user__username="bench_secretary").values_list("agency_id", flat=True)[0]
    ranking = Rubric.objects.get(province_id=province, year=Y - 1).pk
    provincial, national_url = f"/scoring/dashboard/?province={province}", "/scoring/dashboard/"
    return {
        "provincial dashboard": page(reviewer, provincial, runs),
        "provincial dashboard, figures computed (cache stale)": page(reviewer, provincial, runs, cold=True),
        "national dashboard": page(national, national_url, runs),
        "national dashboard, figures computed (cache stale)": page(national, national_url, runs, cold=True),
        "agency home": page(secretary, f"/agencies/{home}/", runs),
        "process list": page(reviewer, "/procedures/processes/", runs),
        "NC list": page(reviewer, "/audits/actions/", runs),
        "ranking": page(reviewer, f"/scoring/results/{ranking}/", runs),
    }


def measure_raw_sql(runs: int) -> dict:
    """The database's own time for the provincial dashboard's figures: the statements the page sends for
    them, captured once and replayed through a bare cursor, so that the page over this is what Django adds
    (building the figures in Python, rendering, the request)."""
    province = Province.objects.filter(pk=Membership.objects.get(user__username="bench_reviewer").province_id)
    with CaptureQueriesContext(connection) as captured:
        dashboard_figures(provinces=province, year=Y, include_unpublished=True)
    statements = [query["sql"] for query in captured.captured_queries]

    def run():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    times, _ = timed(run, runs)
    return summary(times, len(statements))


def report_for(kind: str) -> Report:
    province = Province.objects.get(pk=Membership.objects.get(user__username="bench_reviewer").province_id)
    agency = Agency.objects.filter(province=province, level="commune").order_by("pk").first()
    if kind == Report.Kind.PROVINCE_SUMMARY:
        return Report(kind=kind, province=province, year=Y)
    if kind == Report.Kind.INSPECTION_MINUTES:
        audit = Audit.objects.filter(agency__province=province, kind="inspection", status="reported").first()
        return Report(kind=kind, agency=audit.agency, audit=audit, year=audit.plan.year)
    if kind == Report.Kind.DECLARATION:
        declared = StatusChange.objects.filter(agency__province=province, status="redeclared").first()
        return Report(kind=kind, agency=declared.agency, year=declared.changed_on.year)
    return Report(kind=kind, agency=agency, year=Y)


def measure_reports(runs: int) -> dict:
    figures = {}
    for kind in Report.Kind.values:
        report = report_for(kind)
        report.requested_at = timezone.now()
        entry = reporting.kind_of(report)
        contexts = []
        with translation.override("vi"):
            gather_times, gather_queries = timed(lambda: contexts.append(entry.gather(report)), runs)  # noqa: B023
            context = {"report": report, **contexts[-1]}
            render_times, _ = timed(
                lambda: render_template_pdf_with_pages(entry.template, context),  # noqa: B023
                max(2, runs // 3),
            )
        figures[kind] = {
            "gather": summary(gather_times, gather_queries),
            "render": summary(render_times, None),
        }
    return figures


def measure_workers(count: int, concurrency: int) -> float:
    """Seconds one Celery worker with `concurrency` processes takes to produce `count` agency compliance
    reports of the reviewer's province (after a warm-up report per process)."""
    import subprocess

    from scoring.services import reports as service

    province = Membership.objects.get(user__username="bench_reviewer").province_id
    agencies = list(Agency.objects.filter(province_id=province).order_by("pk")[: count + concurrency])

    def queue(batch):
        reports = [service.new_report(kind=Report.Kind.AGENCY_COMPLIANCE, agency=a, year=Y) for a in batch]
        for report in reports:
            service.send(report)
        return [report.pk for report in reports]

    def wait(ids):
        while Report.objects.filter(
            pk__in=ids, status__in=[Report.Status.QUEUED, Report.Status.RUNNING]
        ).exists():
            time.sleep(0.05)
        failed = Report.objects.filter(pk__in=ids, status=Report.Status.FAILED).first()
        assert failed is None, failed and failed.error

    worker = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "qms_portal",
            "worker",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
    )
    try:
        wait(queue(agencies[:concurrency]))
        started = time.perf_counter()
        wait(queue(agencies[concurrency:]))
        return time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--cookie-file", default="")
    parser.add_argument("--workers", type=int, default=0, help="also time N reports with 1 and 2 processes")
    args = parser.parse_args()
    if args.workers:
        one, two = measure_workers(args.workers, 1), measure_workers(args.workers, 2)
        print(json.dumps({"reports": args.workers, "one": one, "two": two}))
        return
    result = {
        "database": settings.DATABASES["default"]["NAME"],
        "agencies": Agency.objects.count(),
        "province_url": "/scoring/dashboard/?province={}".format(
            Membership.objects.get(user__username="bench_reviewer").province_id
        ),
        "pages": measure_pages(args.runs),
        "raw_sql": measure_raw_sql(args.runs),
        "reports": measure_reports(max(3, args.runs // 2)),
    }
    if args.cookie_file:
        client = login("bench_reviewer")
        Path(args.cookie_file).write_text(client.cookies[settings.SESSION_COOKIE_NAME].value)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
