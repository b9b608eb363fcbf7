"""Pages built from many records (the dashboards) are cached until any of those records changes, whatever
wrote it: a form, a bulk import, a Celery task, raw SQL.

The cache holds one data version, a random token. A database execute wrapper sees every statement that
writes a table of the portal's own apps (reports and the history tables aside: they change no figure) and
renews the token at once, so the writer's next read misses the cache, and again when the transaction
commits, so that a reader who took the new token before the commit and cached what it still saw is
superseded. A cached value is kept beside the token it was built under and only served while that token is
current.

The cache failing (Redis down) costs speed, never an answer: the value is built afresh and not kept. A
version renewed while Redis was unreachable is lost; `settings.QMS_CACHE_SECONDS` bounds how long an entry
can outlive such a change.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)
T = TypeVar("T")

WATCHED_APPS = ("agencies", "procedures", "audits", "scoring")
IGNORED_MODELS = {("scoring", "report")}
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)

_watched_tables: frozenset[str] | None = None


def _namespace() -> str:
    # Two databases behind one Redis (the test workers, a staging copy) must not share entries.
    return f"qms:{settings.DATABASES['default']['NAME']}"


def _version_key() -> str:
    return f"{_namespace()}:data-version"


def renew() -> None:
    """Make every cached value stale."""
    try:
        cache.set(_version_key(), uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - the entries expire on their own (QMS_CACHE_SECONDS)
        logger.warning("Could not renew the data version: the cache is unreachable.")


def remember(parts: tuple, build: Callable[[], T]) -> T:
    """The value `build()` returns, cached under `parts` until the data version changes."""
    key = f"{_namespace()}:value:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    try:
        found = cache.get_many([_version_key(), key])
        version = found.get(_version_key())
        if version is None:
            cache.add(_version_key(), uuid.uuid4().hex, timeout=None)
            version = cache.get(_version_key())
    except Exception:  # noqa: BLE001 - without the cache the page is only slower
        logger.warning("The cache is unreachable: building %s afresh.", parts[0])
        return build()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    # The version was read before building: a change made meanwhile renews it and supersedes this entry.
    value = build()
    try:
        cache.set(key, (version, value), timeout=settings.QMS_CACHE_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("The cache is unreachable: %s is not kept.", parts[0])
    return value


def _tables() -> frozenset[str]:
    global _watched_tables
    if _watched_tables is None:
        _watched_tables = frozenset(
            model._meta.db_table
            for label in WATCHED_APPS
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
            if (label, model._meta.model_name) not in IGNORED_MODELS
            and not model.__name__.startswith("Historical")
        )
    return _watched_tables


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = WRITE.match(sql) if isinstance(sql, str) else None
    if match and match.group(1) in _tables():
        renew()
        connection = context["connection"]
        if connection.in_atomic_block and not any(entry[1] is renew for entry in connection.run_on_commit):
            connection.on_commit(renew)
    return result


def _install(connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch the writes of every database connection, open or to come (called once, at start-up)."""
    connection_created.connect(_install, dispatch_uid="qms_portal.freshness")
    for connection in connections.all(initialized_only=True):
        _install(connection)
