"""What the audits app adds to the home page (see qms_portal.panels)."""

from django.db.models import BooleanField, ExpressionWrapper
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Action
from .selectors import actions_for
from .services.actions import REMINDER_DAYS, reminder_due_q

HOME_LIMIT = 30


def home_actions(request) -> str | None:
    """The user's own actions not closed yet; those due within a week or overdue first, as in the
    reminders they receive."""
    today = timezone.localdate()
    actions = list(
        actions_for(request.user)
        .filter(owner=request.user)
        .exclude(status=Action.Status.CLOSED)
        .annotate(needs_attention=ExpressionWrapper(reminder_due_q(today), output_field=BooleanField()))
        .select_related("agency")
        .order_by("due_date", "pk")[: HOME_LIMIT + 1]
    )
    if not actions:
        return None
    more = len(actions) > HOME_LIMIT
    actions = actions[:HOME_LIMIT]
    for action in actions:
        action.overdue = action.is_overdue(today)
    return render_to_string(
        "audits/panel_home_actions.html",
        {
            "attention": [action for action in actions if action.needs_attention],
            "others": [action for action in actions if not action.needs_attention],
            "more": more,
            "reminder_days": REMINDER_DAYS,
        },
        request=request,
    )
