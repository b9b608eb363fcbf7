"""The real stack as subprocesses, for the fault tests: private Redis and PostgreSQL servers the tests may
stop and restart, gunicorn, Celery workers, and a small HTTP client that logs in and posts forms."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.test_production_shape import ROOT, NoRedirect, free_port

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET_KEY = "fault-tests-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2):
    """Poll until `condition()` is truthy and return its value; AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def production_env(**overrides: str) -> dict[str, str]:
    """Production settings (DEBUG off) as docker-compose runs them, minus TLS, which is not here."""
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "DATABASE_URL", "CELERY_TASK_ALWAYS_EAGER"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        # The manifest storage would need collectstatic first; static files are not what is tested here.
        PLAIN_STATIC="true",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


class Process:
    """A subprocess in its own process group, its output kept in a log file for the failure message."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path, user: str | None = None):
        self.log = log
        prefix = ["runuser", "-u", user, "--"] if user else []
        with log.open("ab") as output:
            self.popen = subprocess.Popen(
                [*prefix, *args],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the whole group (a prefork worker's children too), as the OOM killer or a
        container stop would, and wait for the leader to go."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class RedisServer:
    """A private redis-server on a free port, without persistence: stopping it loses its queues, like a
    crash would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None

    def start(self) -> None:
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = Process(args, env=dict(os.environ), log=self.folder / "redis.log")
        wait_for(self.answers, timeout=10, what="redis-server to answer")

    def answers(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None


class PostgresCluster:
    """A private PostgreSQL cluster (initdb, then pg_ctl as the postgres OS user) on a free port."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url_base = f"postgres://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=60
        )

    def init(self) -> None:
        self.folder.chmod(0o777)  # the postgres user writes the cluster and its socket here
        self._run(str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        (self.folder / "options").write_text(options)

    def pg_ctl(self, action: str) -> None:
        options = (self.folder / "options").read_text()
        log = str(self.folder / "postgres.log")
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", action)

    def copy_database(self, source_url: str, name: str) -> str:
        """Create `name` here with the schema and rows of `source_url`; answers its URL."""
        self._psql("postgres", f'CREATE DATABASE "{name}"')
        dump = subprocess.run(
            [str(POSTGRES_BIN / "pg_dump"), "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        target = f"{self.url_base}/{name}"
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=dump, check=True, capture_output=True
        )
        return target

    def _psql(self, database: str, sql: str) -> None:
        subprocess.run(
            ["psql", "-q", f"{self.url_base}/{database}", "-c", sql], check=True, capture_output=True
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("stop")


def database_url(settings_dict: dict) -> str:
    """The URL of the database the test process uses (the test database), for the subprocesses."""
    user = urllib.parse.quote(settings_dict["USER"] or "")
    password = urllib.parse.quote(settings_dict["PASSWORD"] or "")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def serve(env: dict[str, str], log: Path) -> tuple[Process, str]:
    """gunicorn with two workers, as docker-compose runs it; answers the process and its base URL."""
    port = free_port()
    args = [sys.executable, "-m", "gunicorn", "qms_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    args += ["--workers", "2", "--timeout", "60"]
    process = Process(args, env=env, log=log)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.popen.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{process.tail()}")
        return Visitor(base).get("/accounts/login/")[0] == 200

    wait_for(up, timeout=30, what="gunicorn to serve the login page")
    return process, base


def celery_worker(env: dict[str, str], log: Path) -> Process:
    """A Celery worker as docker-compose runs it (prefork, one process), ready to take tasks."""
    args = [sys.executable, "-m", "celery", "-A", "qms_portal", "worker", "--concurrency=1"]
    args += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = Process(args, env=env, log=log)

    def ready() -> bool:
        if process.popen.poll() is not None:
            raise AssertionError(f"the worker exited:\n{process.tail()}")
        return " ready." in log.read_text(errors="replace")

    wait_for(ready, timeout=60, what="the Celery worker to be ready")
    return process


class Visitor:
    """A user's browser, reduced to cookies and forms; redirects are answered, not followed. Production
    cookies are Secure and there is no TLS here, so the cookies are sent back by hand."""

    def __init__(self, base_url: str, *, language: str = "en"):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.language = language

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, Location header, body) of a GET, or a POST when `data` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)
        request.add_unredirected_header("Cookie", f"django_language={self.language}; {cookies}")
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request(path)

    def post_form(self, path: str, data: dict, *, form_page: str | None = None) -> tuple[int, str, str]:
        """POST `data` with the CSRF token of the form on `form_page` (default: the same path)."""
        status, _location, page = self.get(form_page or path)
        assert status == 200, f"GET {form_page or path} answered {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(path, {"csrfmiddlewaretoken": token, **data})

    def log_in(self, username: str, password: str) -> None:
        status, location, body = self.post_form(
            "/accounts/login/", {"username": username, "password": password}
        )
        assert status == 302 and "/accounts/login/" not in location, (status, location, body[-1500:])
