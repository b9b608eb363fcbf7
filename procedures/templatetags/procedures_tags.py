from django import template
from django.utils.html import format_html

from procedures.models import ProcessRevision

register = template.Library()

_COLOURS = {
    ProcessRevision.Status.DRAFT: "text-bg-light border",
    ProcessRevision.Status.IN_REVIEW: "text-bg-info",
    ProcessRevision.Status.APPROVED: "text-bg-primary",
    ProcessRevision.Status.IN_FORCE: "text-bg-success",
    ProcessRevision.Status.SUPERSEDED: "text-bg-secondary",
}


@register.simple_tag
def revision_badge(status: str):
    return format_html(
        '<span class="badge {}">{}</span>', _COLOURS[status], ProcessRevision.Status(status).label
    )
