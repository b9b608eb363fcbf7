from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from .celery import app as celery_app
from .celery import ensure_broker_folders


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the state we report
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _broker_state() -> str:
    try:
        ensure_broker_folders()
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """JSON state of the database and the broker: 200 when both answer, 503 otherwise."""
    state = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(value == "ok" for value in state.values())
    state["status"] = "ok" if healthy else "degraded"
    return JsonResponse(state, status=200 if healthy else 503)


# The login page offers the language switch too, so it must work before login.
public_set_language = login_not_required(set_language)
