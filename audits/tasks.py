from celery import shared_task
from django.utils import timezone

from .services.actions import action_reminders_send


@shared_task(name="audits.send_action_reminders", acks_late=True)
def send_action_reminders() -> int:
    """Email owners about actions due within a week or overdue, once a day (run daily by beat)."""
    return action_reminders_send(today=timezone.localdate())
