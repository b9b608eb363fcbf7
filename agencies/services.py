"""Writes of the agencies app: QMS status changes and the agency import."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms_portal.imports import ImportRejected, RowError
from qms_portal.spreadsheets import Column, Row, parse_date

from .models import Agency, Province, StatusChange


def status_change_record(
    *,
    agency: Agency,
    acting_user,
    status: str,
    changed_on: date,
    iso_version: str = "",
    decision_number: str = "",
    decision_date: date | None = None,
    scope: str = "",
    note: str = "",
) -> StatusChange:
    """Record a dated QMS status change (or declaration) of `agency`."""
    change = StatusChange(
        agency=agency,
        status=status,
        changed_on=changed_on,
        iso_version=iso_version,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        scope=scope.strip(),
        note=note.strip(),
        recorded_by=acting_user,
    )
    with transaction.atomic():
        change.full_clean()
        change.save()
    return change


AGENCY_COLUMNS = [
    Column("code", gettext_lazy("Agency code")),
    Column("name", gettext_lazy("Agency name")),
    Column("level", gettext_lazy("Level")),
    Column("parent_code", gettext_lazy("Parent agency code"), required=False),
    Column("active_from", gettext_lazy("Active from"), required=False),
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def level_from_cell(value: object) -> str | None:
    """A level key (`commune`) or any label the portal shows for it, in Vietnamese or English."""
    text = str(value or "").strip()
    if not text:
        return None
    for level in Agency.Level:
        if text.lower() == level.value:
            return level.value
        for language in ("vi", "en"):
            with translation.override(language):
                if text.lower() == str(level.label).lower():
                    return level.value
    return None


def agencies_import(*, province: Province, rows: list[Row]) -> ImportResult:
    """Create or update the province's agencies from spreadsheet rows, all or nothing."""
    errors: list[RowError] = []
    existing = {a.code: a for a in Agency.objects.filter(province=province)}
    seen: dict[str, int] = {}
    parsed = []
    for row in rows:
        values = row.values
        code = str(values.get("code") or "").strip()
        name = str(values.get("name") or "").strip()
        problems = []
        if not code:
            problems.append(_("the code is empty"))
        elif len(code) > Agency._meta.get_field("code").max_length:
            problems.append(
                _("the code is longer than %(limit)s characters")
                % {"limit": Agency._meta.get_field("code").max_length}
            )
        elif code in seen:
            problems.append(
                _("code %(code)s already appears in row %(row)s") % {"code": code, "row": seen[code]}
            )
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > Agency._meta.get_field("name").max_length:
            problems.append(
                _("the name is longer than %(limit)s characters")
                % {"limit": Agency._meta.get_field("name").max_length}
            )
        level = level_from_cell(values.get("level"))
        if level is None:
            problems.append(
                _("unknown level “%(value)s” (use %(choices)s)")
                % {"value": values.get("level") or "", "choices": ", ".join(Agency.Level.values)}
            )
        try:
            active_from = parse_date(values.get("active_from"))
        except ValueError:
            problems.append(
                _("“%(value)s” is not a date (use dd/mm/yyyy)") % {"value": values.get("active_from")}
            )
            active_from = None
        if code and code not in seen:
            seen[code] = row.number
        parent_code = str(values.get("parent_code") or "").strip()
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        parsed.append((row.number, code, name, level, parent_code, active_from))

    file_codes = {code for _number, code, *_rest in parsed}
    for number, code, _name, _level, parent_code, _active in parsed:
        if parent_code and parent_code not in file_codes and parent_code not in existing:
            errors.append(
                RowError(
                    number,
                    _("parent agency %(code)s is neither in the file nor in the province")
                    % {"code": parent_code},
                )
            )
        elif parent_code and parent_code == code:
            errors.append(RowError(number, _("an agency cannot be its own parent")))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))

    result = ImportResult()
    with transaction.atomic():
        by_code = dict(existing)
        for _number, code, name, level, _parent_code, active_from in parsed:
            agency = by_code.get(code)
            if agency is None:
                agency = Agency(province=province, code=code)
                result.created += 1
            else:
                result.updated += 1
            agency.name, agency.level = name, level
            if active_from is not None:
                agency.active_from = active_from
            agency.save()
            by_code[code] = agency
        for _number, code, _name, _level, parent_code, _active in parsed:
            if parent_code:
                agency = by_code[code]
                agency.parent = by_code[parent_code]
                agency.save(update_fields=["parent"])
    return result
