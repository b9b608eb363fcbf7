"""What the procedures app adds to the home page and the agency page (see qms_portal.panels)."""

from django.template.loader import render_to_string
from django.utils import timezone

from agencies.access import Action, agencies_for, can, grants_for

from .models import ReviewFlag
from .selectors import agency_summaries


def home_flags(request) -> str | None:
    """Processes of the user's own agencies that must be reviewed after a change in the law."""
    own = grants_for(request.user).agency_ids.get(Action.VIEW_DRAFTS, frozenset())
    if not own:
        return None
    flags = (
        ReviewFlag.objects.filter(process__agency_id__in=own, resolved_on__isnull=True)
        .select_related("process__agency", "legal_document")
        .order_by("due_on")[:20]
    )
    flags = list(flags)
    if not flags:
        return None
    return render_to_string(
        "procedures/panel_home_flags.html", {"flags": flags, "today": timezone.localdate()}, request=request
    )


def agency_procedures_panel(request, agency) -> str:
    summary = agency_summaries(agencies_for(request.user).filter(pk=agency.pk)).get(agency.pk)
    return render_to_string(
        "procedures/panel_agency.html",
        {
            "agency": agency,
            "summary": summary,
            "can_edit": can(request.user, Action.EDIT, agency) or can(request.user, Action.OVERSEE, agency),
        },
        request=request,
    )
