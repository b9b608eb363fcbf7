"""The benchmark, one command (PostgreSQL and Redis on 127.0.0.1, wrk installed):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qms_bench .venv/bin/python bench/run.py --scales 0.03,1

For each scale it uses the database `<name>_<scale>` (qms_bench_0_03, qms_bench_1), creating, migrating and
generating it (bench/generate.py) when it holds no agencies, then measures it in-process (bench/measure.py).
At the largest scale it also loads gunicorn (2 workers, 127.0.0.1) with wrk — the provincial dashboard as
its reviewer beside the login page as the minimal Django view — and times a province's agency reports with
one Celery worker process and with two. Production settings (DEBUG off, hashed static files). The table
goes to bench/RESULTS.md and is printed.
"""

import argparse
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 8765


def environment(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-only-not-a-secret-" + "x" * 40,
        ALLOWED_HOSTS="testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        REDIS_URL=env.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        DJANGO_SETTINGS_MODULE="qms_portal.settings",
    )
    return env


def database_for(base_url: str, scale: float) -> str:
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") + "_" + f"{scale:g}".replace(".", "_")
    return urlunsplit(parts._replace(path="/" + name))


def run(args: list[str], env: dict, capture: bool = False) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, capture_output=capture)  # noqa: S603
    return result.stdout if capture else ""


def prepare(database_url: str, scale: float) -> None:
    """Create, migrate and generate the scale's database unless it holds agencies already."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(database_url) as conn:
        exists = conn.execute("SELECT to_regclass('agencies_agency')").fetchone()[0]
        populated = exists and conn.execute("SELECT EXISTS (SELECT 1 FROM agencies_agency)").fetchone()[0]
    if populated:
        return
    env = environment(database_url)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    started = time.monotonic()
    run([PYTHON, "bench/generate.py", "--scale", str(scale)], env)
    print(f"generated scale {scale} in {time.monotonic() - started:.0f} s", flush=True)


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def wrk(url: str, cookie: str | None, seconds: int) -> float:
    args = ["wrk", "-t2", "-c8", f"-d{seconds}s", url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    output = subprocess.run(args, check=True, text=True, capture_output=True).stdout  # noqa: S603
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"wrk got {non_2xx.group(1)} error responses from {url}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def throughput(env: dict, province_url: str, cookie: str, seconds: int) -> dict:
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            PYTHON,
            "-m",
            "gunicorn",
            "qms_portal.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(PORT)
        base = f"http://127.0.0.1:{PORT}"
        wrk(base + province_url, cookie, 2)  # warm-up
        dashboard = wrk(base + province_url, cookie, seconds)
        minimal = wrk(base + "/accounts/login/", None, seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"dashboard": dashboard, "minimal": minimal}


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def table(results: dict[float, dict], extra: dict) -> str:
    scales = sorted(results)
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}), "
        "PostgreSQL and Redis on 127.0.0.1, production settings. Times in milliseconds.",
        "",
        "| page or report | "
        + " | ".join(
            f"scale {s:g} ({results[s]['agencies']:,} agencies): median / p95 / queries" for s in scales
        )
        + " |",
        "|---|" + "---|" * len(scales),
    ]
    for name in results[scales[0]]["pages"]:
        cells = [
            f"{fmt(r['median'])} / {fmt(r['p95'])} / {r['queries']}"
            for r in (results[s]["pages"][name] for s in scales)
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    raw = [results[s]["raw_sql"] for s in scales]
    lines.append(
        "| provincial dashboard's figures, its SQL replayed on a bare cursor | "
        + " | ".join(f"{fmt(r['median'])} / {fmt(r['p95'])} / {r['queries']}" for r in raw)
        + " |"
    )
    for label, page in (
        ("provincial dashboard ÷ its SQL (medians)", "provincial dashboard"),
        ("same, figures computed ÷ its SQL", "provincial dashboard, figures computed (cache stale)"),
    ):
        ratio = [results[s]["pages"][page]["median"] / results[s]["raw_sql"]["median"] for s in scales]
        lines.append(f"| {label} | " + " | ".join(f"{r:.2f}×" for r in ratio) + " |")
    for kind in results[scales[0]]["reports"]:
        for part in ("gather", "render"):
            cells = []
            for s in scales:
                r = results[s]["reports"][kind][part]
                queries = r["queries"] if r["queries"] is not None else "—"
                cells.append(f"{fmt(r['median'])} / {fmt(r['p95'])} / {queries}")
            lines.append(
                f"| report {kind}: {'gathering data' if part == 'gather' else 'WeasyPrint rendering'} | "
                + " | ".join(cells)
                + " |"
            )
    if extra:
        load, workers = extra["throughput"], extra["workers"]
        lines += [
            "",
            f"At scale {extra['scale']:g}:",
            "",
            "| measure | value |",
            "|---|---|",
            f"| provincial dashboard, req/s (wrk, 8 connections, gunicorn -w 2) | {load['dashboard']:.1f} |",
            f"| minimal Django view (login page GET), requests/s | {load['minimal']:.1f} |",
            f"| dashboard ÷ minimal view | {load['dashboard'] / load['minimal']:.2f} |",
            f"| {workers['reports']} agency reports, 1 Celery worker process | {workers['one']:.1f} s |",
            f"| same, 2 worker processes | {workers['two']:.1f} s |",
            f"| speed-up | {workers['one'] / workers['two']:.2f}× |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks; write bench/RESULTS.md.")
    parser.add_argument("--scales", default="0.03,1")
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=15)
    parser.add_argument("--reports", type=int, default=12, help="agency reports for the worker comparison")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench")
    scales = sorted(float(s) for s in args.scales.split(","))
    results, extra = {}, {}
    for scale in scales:
        url = database_for(base, scale)
        prepare(url, scale)
        env = environment(url)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        cookie_file = ROOT / "var" / "bench-cookie"
        output = run(
            [PYTHON, "bench/measure.py", "--runs", str(args.runs), "--cookie-file", str(cookie_file)],
            env,
            True,
        )
        results[scale] = json.loads(output.strip().splitlines()[-1])
        print(f"measured scale {scale}", flush=True)
        if scale == scales[-1]:
            province_url = results[scale]["province_url"]
            extra = {
                "scale": scale,
                "throughput": throughput(env, province_url, cookie_file.read_text(), args.load_seconds),
            }
            output = run([PYTHON, "bench/measure.py", "--workers", str(args.reports)], env, True)
            extra["workers"] = json.loads(output.strip().splitlines()[-1])
    text = table(results, extra)
    (ROOT / "bench" / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
