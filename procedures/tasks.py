from celery import shared_task

from .services.revisions import revisions_activate_due


@shared_task(name="procedures.activate_due_revisions", acks_late=True)
def activate_due_revisions() -> int:
    """Bring into force the approved revisions whose effective date has come (run daily by beat)."""
    return revisions_activate_due()
