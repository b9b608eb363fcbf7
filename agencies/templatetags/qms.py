from django import template
from django.utils.html import format_html

from agencies.models import QmsStatus

register = template.Library()


@register.simple_tag
def status_badge(status: str | None):
    """A coloured badge for a QMS status value; no record yet reads as not started."""
    status = status or QmsStatus.NOT_STARTED
    return format_html(
        '<span class="badge status-badge status-{}">{}</span>', status, QmsStatus(status).label
    )


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def days(value) -> str:
    """Working days as people write them: 0.50 → 0,5."""
    from decimal import Decimal

    from django.utils import formats

    if value in (None, ""):
        return ""
    normalized = Decimal(value).normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    return formats.number_format(normalized, use_l10n=True)
