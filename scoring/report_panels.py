"""The reports panel of the home page (registered in ScoringConfig.ready): the user's latest reports."""

from django.template.loader import render_to_string

from agencies.access import Action, can_anywhere

from .report_selectors import latest_for_home

LIMIT = 5


def home(request) -> str | None:
    if not can_anywhere(request.user, Action.REPORTS):
        return None
    reports = latest_for_home(request.user, LIMIT)
    if not reports:
        return None
    return render_to_string("scoring/report_panel_home.html", {"reports": reports}, request=request)
