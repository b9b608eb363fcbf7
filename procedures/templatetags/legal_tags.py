from django import template
from django.utils.html import format_html

from agencies.access import Action
from procedures.models import LegalDocument, ReviewFlag
from procedures.selectors import process_can

register = template.Library()

_COLOURS = {
    LegalDocument.Status.IN_FORCE: "text-bg-success",
    LegalDocument.Status.AMENDED: "text-bg-warning",
    LegalDocument.Status.REPLACED: "text-bg-secondary",
    LegalDocument.Status.EXPIRED: "text-bg-dark",
}


@register.simple_tag
def legal_status_badge(status: str):
    return format_html(
        '<span class="badge {}">{}</span>', _COLOURS[status], LegalDocument.Status(status).label
    )


@register.filter
def can_resolve(flag: ReviewFlag, user) -> bool:
    """Whether `user` may close the flag as "no change needed" (the same rule the service applies)."""
    return flag.resolved_on is None and process_can(user, Action.APPROVE, flag.process)
