from .access import Action, grants_for
from .models import Role


def navigation(request) -> dict:
    """Which menu entries the user's roles open; links only, the views still check access."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    return {
        "nav": {
            "oversees": grants.superuser or bool(grants.province_ids.get(Action.OVERSEE)),
            "national": Role.NATIONAL_VIEWER in grants.roles,
            "admin": user.is_staff,
        }
    }
