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
from qms_portal.pdf import render_template_pdf_with_pages  # noqa: E402
from scoring import reporting  # noqa: E402
from scoring.models import Report, Rubric  # noqa: E402

Y = timezone.localdate().year

# The SQL equivalent of the dashboard's figures for one province: status by level, coverage, audits held,
# open and overdue nonconformities, score bands — what scoring.dashboard aggregates, in one statement.
DASHBOARD_SQL = """
WITH scope AS (
    SELECT a.id, a.level FROM agencies_agency a
    WHERE a.province_id = %(province)s AND a.merged_into_id IS NULL
      AND (a.active_from IS NULL OR a.active_from <= %(today)s)
      AND (a.active_until IS NULL OR a.active_until >= %(today)s)
), status AS (
    SELECT s.id, s.level, (SELECT sc.status FROM agencies_statuschange sc WHERE sc.agency_id = s.id
                           ORDER BY sc.changed_on DESC, sc.id DESC LIMIT 1) AS status
    FROM scope s
), coverage AS (
    SELECT ap.agency_id, COUNT(*) AS handled,
           COUNT(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM procedures_process p JOIN procedures_processrevision r ON r.process_id = p.id
               WHERE p.agency_id = ap.agency_id AND p.procedure_id = ap.procedure_id
                 AND r.status = 'in_force'))
               AS in_force
    FROM procedures_agencyprocedure ap WHERE ap.agency_id IN (SELECT id FROM scope) GROUP BY ap.agency_id
), ontime AS (
    SELECT d.agency_id, SUM(d.early + d.on_time) AS done, SUM(d.received) AS received
    FROM procedures_dossierstatistic d
    WHERE d.agency_id IN (SELECT id FROM scope) AND d.month >= %(year_ago)s AND d.month <= %(today)s
    GROUP BY d.agency_id
), audits AS (
    SELECT au.agency_id,
           COUNT(*) FILTER (WHERE au.kind = 'internal' AND au.status IN ('reported', 'closed')) AS internal,
           COUNT(*) FILTER (WHERE au.kind = 'inspection') AS inspections
    FROM audits_audit au LEFT JOIN audits_inspectionplan pl ON pl.id = au.plan_id
    WHERE au.agency_id IN (SELECT id FROM scope)
      AND ((au.kind = 'internal' AND au.actual_end BETWEEN %(first)s AND %(today)s)
           OR (au.kind = 'inspection' AND pl.year = %(year)s))
    GROUP BY au.agency_id
), reviews AS (
    SELECT agency_id, COUNT(*) AS held FROM audits_managementreview
    WHERE agency_id IN (SELECT id FROM scope) AND status = 'finalized'
      AND held_on BETWEEN %(first)s AND %(today)s
    GROUP BY agency_id
), ncs AS (
    SELECT agency_id,
           COUNT(*) FILTER (WHERE closed_at IS NULL) AS open,
           COUNT(*) FILTER (WHERE due_date < %(today)s
                            AND status IN ('open', 'cause_analysed', 'action_planned')) AS overdue
    FROM audits_action WHERE agency_id IN (SELECT id FROM scope) AND source = 'nonconformity'
    GROUP BY agency_id
), scores AS (
    SELECT asm.agency_id, asm.total
    FROM scoring_assessment asm JOIN scoring_rubric ru ON ru.id = asm.rubric_id
    WHERE ru.province_id = %(province)s AND ru.year = %(year)s AND asm.kind = 'official'
      AND asm.status = 'finalized'
)
SELECT st.level, st.status, COUNT(*), SUM(c.handled), SUM(c.in_force), SUM(o.done), SUM(o.received),
       COUNT(*) FILTER (WHERE au.internal > 0), COUNT(*) FILTER (WHERE au.inspections > 0),
       COUNT(*) FILTER (WHERE rv.held > 0), SUM(n.open), SUM(n.overdue), AVG(sc.total),
       COUNT(*) FILTER (WHERE sc.total >= 90), COUNT(*) FILTER (WHERE sc.total >= 80 AND sc.total < 90),
       COUNT(*) FILTER (WHERE sc.total < 80)
FROM status st
LEFT JOIN coverage c ON c.agency_id = st.id LEFT JOIN ontime o ON o.agency_id = st.id
LEFT JOIN audits au ON au.agency_id = st.id LEFT JOIN reviews rv ON rv.agency_id = st.id
LEFT JOIN ncs n ON n.agency_id = st.id LEFT JOIN scores sc ON sc.agency_id = st.id
GROUP BY st.level, st.status
"""


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


def page(client: Client, url: str, runs: int) -> dict:
    def get():
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
    return {
        "provincial dashboard": page(reviewer, f"/scoring/dashboard/?province={province}", runs),
        "national dashboard": page(national, "/scoring/dashboard/", runs),
        "agency home": page(secretary, f"/agencies/{home}/", runs),
        "process list": page(reviewer, "/procedures/processes/", runs),
        "NC list": page(reviewer, "/audits/actions/", runs),
        "ranking": page(reviewer, f"/scoring/results/{ranking}/", runs),
    }


def measure_raw_sql(runs: int) -> dict:
    province = Membership.objects.get(user__username="bench_reviewer").province_id
    today = timezone.localdate()
    params = {
        "province": province,
        "today": today,
        "first": today.replace(month=1, day=1),
        "year": today.year,
        "year_ago": today.replace(year=today.year - 1, day=1),
    }

    def run():
        with connection.cursor() as cursor:
            cursor.execute(DASHBOARD_SQL, params)
            cursor.fetchall()

    return summary(*timed(run, runs))


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
