"""The Celery app: Redis in production, kombu's filesystem transport in embedded mode (no server)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

app = Celery("qms_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """The filesystem transport fails on a missing folder, so create them before anyone connects."""
    from django.conf import settings

    folder = getattr(settings, "CELERY_BROKER_DIR", None)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for sibling in ("processed", "control"):
            (folder.parent / sibling).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(**_kwargs) -> None:
    ensure_broker_folders()


@app.task(name="qms_portal.ping")
def ping() -> str:
    """Round trip used by the health check and the worker integration test."""
    return "pong"
