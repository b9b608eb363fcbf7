"""Which administrative procedures an agency declares it handles."""

from django.db import transaction

from agencies.models import Agency

from ..models import AdministrativeProcedure, AgencyProcedure


def agency_procedures_update(
    *, agency: Agency, shown: list[int], handled: list[int], acting_user
) -> tuple[int, int]:
    """Of the procedures shown on the page, the ticked ones are handled and the others are not.
    Returns (added, removed)."""
    shown_set, handled_set = set(shown), set(handled) & set(shown)
    valid = set(AdministrativeProcedure.objects.filter(pk__in=shown_set).values_list("pk", flat=True))
    with transaction.atomic():
        current = set(
            AgencyProcedure.objects.filter(agency=agency, procedure_id__in=valid).values_list(
                "procedure_id", flat=True
            )
        )
        to_add = (handled_set & valid) - current
        to_remove = (valid - handled_set) & current
        AgencyProcedure.objects.bulk_create(AgencyProcedure(agency=agency, procedure_id=pk) for pk in to_add)
        AgencyProcedure.objects.filter(agency=agency, procedure_id__in=to_remove).delete()
    return len(to_add), len(to_remove)
