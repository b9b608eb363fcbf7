import shutil

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.conftest import require
from tests.faults.stack import RedisServer, database_url

PASSWORD = "demo1234"


@pytest.fixture
def shared_database(transactional_db) -> str:
    """The test database's URL: the web and the worker subprocesses read and write the same rows."""
    require(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: the fault tests share the test database with subprocesses",
    )
    return database_url(connection.settings_dict)


@pytest.fixture
def redis_server(tmp_path):
    """A private Redis the test may stop: the machine's own Redis keeps serving the other tests."""
    require(
        shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None,
        "redis-server is not installed",
    )
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(tmp_path):
    """Collects the subprocesses a test starts and stops them all at its end, whatever happened."""
    started = []
    yield started
    for process in reversed(started):
        process.kill()


def can_log_in(user) -> None:
    """Give `user` the demo password hashed the way the subprocesses check it (the suite hashes with MD5,
    which production settings do not accept); few iterations, since only the format matters here."""
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "faulttestsalt", iterations=1000)
    user.save(update_fields=["password"])
