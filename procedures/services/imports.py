"""Spreadsheet imports: the national TTHC catalogue, the procedures each agency handles, and the one-stop
system's monthly dossier figures. Every row is checked first; one bad row and nothing is saved."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agencies.access import Action, agencies_for
from agencies.models import Agency, Province
from qms_portal.imports import ImportRejected, RowError
from qms_portal.spreadsheets import Column, Row, SpreadsheetError, parse_date, read_upload
from qms_portal.text import fold

from ..models import AdministrativeProcedure, AgencyProcedure, DossierStatistic, LegalDocument

Level = AdministrativeProcedure.Level
Mechanism = AdministrativeProcedure.Mechanism

PROCEDURE_COLUMNS = [
    Column("code", gettext_lazy("Procedure code")),
    Column("name", gettext_lazy("Procedure name")),
    Column("field", gettext_lazy("Field"), required=False),
    Column("level", gettext_lazy("Level")),
    Column("statutory_days", gettext_lazy("Statutory time (working days)")),
    Column("fee", gettext_lazy("Fee"), required=False),
    Column("mechanism", gettext_lazy("Mechanism"), required=False),
    Column("legal_basis", gettext_lazy("Legal basis"), required=False),
]
AGENCY_PROCEDURE_COLUMNS = [
    Column("agency_code", gettext_lazy("Agency code")),
    Column("procedure_code", gettext_lazy("Procedure code")),
]
DOSSIER_COLUMNS = [
    Column("agency_code", gettext_lazy("Agency code")),
    Column("procedure_code", gettext_lazy("Procedure code")),
    Column("month", gettext_lazy("Month")),
    Column("received", gettext_lazy("Received")),
    Column("early", gettext_lazy("Resolved early")),
    Column("on_time", gettext_lazy("Resolved on time")),
    Column("late", gettext_lazy("Resolved late")),
    Column("pending", gettext_lazy("Pending")),
]
COUNT_KEYS = ("received", "early", "on_time", "late", "pending")

# Words the national catalogue and the one-stop systems write, folded (no case, no diacritics).
_LEVEL_WORDS = {
    "trung uong": Level.CENTRAL,
    "bo": Level.CENTRAL,
    "tinh": Level.PROVINCIAL,
    "huyen": Level.DISTRICT,
    "xa": Level.COMMUNE,
}
_MECHANISM_WORDS = {
    "mot cua": Mechanism.ONE_STOP,
    "lien thong": Mechanism.INTERCONNECTED,
    "mot cua lien thong": Mechanism.INTERCONNECTED,
}


@dataclass
class CatalogueImportResult:
    created: int = 0
    updated: int = 0
    documents_created: int = 0

    def summary(self) -> str:
        text = _("%(created)s procedures created, %(updated)s updated.") % {
            "created": self.created,
            "updated": self.updated,
        }
        if self.documents_created:
            text += " " + ngettext(
                "%(count)s legal document was added to the register with its number only.",
                "%(count)s legal documents were added to the register with their numbers only.",
                self.documents_created,
            ) % {"count": self.documents_created}
        return text


@dataclass
class AgencyProcedureImportResult:
    added: int = 0
    already: int = 0

    def summary(self) -> str:
        return _("%(added)s procedures handled added, %(already)s already declared.") % {
            "added": self.added,
            "already": self.already,
        }


@dataclass
class DossierImportResult:
    created: int = 0
    updated: int = 0

    def summary(self) -> str:
        return _("%(created)s monthly figures added, %(updated)s replaced.") % {
            "created": self.created,
            "updated": self.updated,
        }


@dataclass(frozen=True)
class AgencyScope:
    """Where the agency codes of a file are looked up, and which of those agencies the importer may write."""

    lookup: QuerySet[Agency]
    writable: QuerySet[Agency]


def province_scope(province: Province) -> AgencyScope:
    agencies = Agency.objects.filter(province=province)
    return AgencyScope(lookup=agencies, writable=agencies)


def overseen_scope(user) -> AgencyScope:
    """A reviewer's agencies: those of every province they oversee."""
    agencies = agencies_for(user, Action.OVERSEE)
    return AgencyScope(lookup=agencies, writable=agencies)


def dossier_scope(user) -> AgencyScope:
    """Reviewers write the figures of their provinces' agencies, ISO secretaries and leaders their own;
    codes are looked up in those provinces so that another agency's row is named, not skipped."""
    writable = agencies_for(user, Action.OVERSEE) | agencies_for(user, Action.EDIT)
    return AgencyScope(
        lookup=Agency.objects.filter(province__in=writable.values("province_id")), writable=writable
    )


def read_rows(file, columns: list[Column], *, csv_allowed: bool = False) -> list[Row]:
    """The data rows of an uploaded file; SpreadsheetError when it cannot be read or holds none."""
    rows = read_upload(file, columns, csv_allowed=csv_allowed)
    if not rows:
        raise SpreadsheetError(_("The spreadsheet has no data rows."))
    return rows


# --- the TTHC catalogue ---------------------------------------------------------------------------------


def procedures_import(*, rows: list[Row], acting_user=None) -> CatalogueImportResult:
    """Create or update catalogue procedures by code; a legal basis number not yet registered becomes a
    legal document with just its number. All or nothing."""
    codes = [_code(row.values.get("code")) for row in rows]
    existing = {p.code: p for p in AdministrativeProcedure.objects.filter(code__in=[c for c in codes if c])}
    names = _ProcedureNames()
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parsed: list[tuple[AdministrativeProcedure, list[str] | None]] = []
    for row, code in zip(rows, codes, strict=True):
        problems = []
        if not code:
            problems.append(_("the code is empty"))
        elif code in seen:
            problems.append(
                _("code %(code)s already appears in row %(row)s") % {"code": code, "row": seen[code]}
            )
        else:
            seen[code] = row.number
        procedure = existing.get(code) or AdministrativeProcedure(code=code)
        problems += _fill_procedure(procedure, row.values, names)
        numbers = _document_numbers(row.values["legal_basis"]) if "legal_basis" in row.values else None
        limit = LegalDocument._meta.get_field("number").max_length
        problems += [
            _("legal document number “%(number)s” is longer than %(limit)s characters")
            % {"number": number, "limit": limit}
            for number in numbers or ()
            if len(number) > limit
        ]
        if not problems:
            problems += _model_problems(procedure)
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        parsed.append((procedure, numbers))
    if errors:
        raise ImportRejected(errors)

    result = CatalogueImportResult()
    with transaction.atomic():
        documents = _documents_by_number(
            {number for _procedure, numbers in parsed for number in numbers or ()}, acting_user, result
        )
        for procedure, _numbers in parsed:
            if procedure.pk:
                result.updated += 1
            else:
                result.created += 1
            procedure.save()
        through = AdministrativeProcedure.legal_basis.through
        with_basis = [(procedure, numbers) for procedure, numbers in parsed if numbers is not None]
        through.objects.filter(administrativeprocedure__in=[p.pk for p, _numbers in with_basis]).delete()
        through.objects.bulk_create(
            {
                (procedure.pk, documents[_number_key(number)].pk): through(
                    administrativeprocedure_id=procedure.pk,
                    legaldocument_id=documents[_number_key(number)].pk,
                )
                for procedure, numbers in with_basis
                for number in numbers
            }.values()
        )
    return result


class _ProcedureNames:
    """Levels and mechanisms by every name a file may give them, folded; built once per import."""

    def __init__(self):
        self.levels = _choice_names(Level, _LEVEL_WORDS)
        self.mechanisms = _choice_names(Mechanism, _MECHANISM_WORDS)


def _fill_procedure(procedure: AdministrativeProcedure, values: dict, names: _ProcedureNames) -> list[str]:
    """Copy a row onto the procedure; returns what is wrong with the row."""
    problems = []
    procedure.name = _text(values.get("name"))
    if not procedure.name:
        problems.append(_("the name is empty"))
    procedure.level = _choice(values.get("level"), names.levels) or ""
    if not procedure.level:
        problems.append(
            _("unknown level “%(value)s” (use %(choices)s)")
            % {"value": _text(values.get("level")), "choices": ", ".join(Level.values)}
        )
    try:
        procedure.statutory_days = _days(values.get("statutory_days"))
    except ValueError:
        problems.append(
            _("“%(value)s” is not a number of working days ≥ 0 in quarter days (e.g. 3 or 2.5)")
            % {"value": _text(values.get("statutory_days"))}
        )
    # An optional column left out of the file leaves the stored value alone.
    if "field" in values:
        procedure.field = _text(values["field"])
    if "fee" in values:
        procedure.fee = _text(values["fee"])
    if "mechanism" in values:
        mechanism = _choice(values["mechanism"], names.mechanisms)
        if _text(values["mechanism"]) and mechanism is None:
            problems.append(
                _("unknown mechanism “%(value)s” (use %(choices)s)")
                % {"value": _text(values["mechanism"]), "choices": ", ".join(Mechanism.values)}
            )
        procedure.mechanism = mechanism or Mechanism.ONE_STOP
    return problems


def _documents_by_number(
    numbers: set[str], acting_user, result: CatalogueImportResult
) -> dict[str, LegalDocument]:
    """The register's documents by normalized number, creating the missing ones (status in force)."""
    wanted = {_number_key(number): number for number in numbers}
    documents: dict[str, LegalDocument] = {}
    if not wanted:
        return documents
    # Numbers are typed by hand ("QĐ" or "QD", upper or lower case): match them loosely, exact first.
    for document in LegalDocument.objects.only("pk", "number").order_by("pk"):
        key = _number_key(document.number)
        if key in wanted and (key not in documents or document.number == wanted[key]):
            documents[key] = document
    for key, number in wanted.items():
        if key not in documents:
            document = LegalDocument(number=number, status=LegalDocument.Status.IN_FORCE)
            document._history_user = acting_user
            document.full_clean()
            document.save()
            documents[key] = document
            result.documents_created += 1
    return documents


def _number_key(number: str) -> str:
    return fold(number).replace(" ", "")


def _document_numbers(value: object) -> list[str]:
    numbers: list[str] = []
    for part in re.split(r"[;\n]", _text(value)):
        number = " ".join(part.split())
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _days(value: object) -> Decimal:
    """Working days: 3, 2.5, "2,5"; at least 0, in quarter days."""
    if value is None or isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        value = repr(value)
    try:
        days = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not days.is_finite() or days < 0 or (days * 4) % 1 or days >= 10000:
        raise ValueError(value)
    return days.quantize(Decimal("0.01"))


# --- the procedures each agency handles -------------------------------------------------------------------


def agency_procedures_import(
    *, rows: list[Row], scope: AgencyScope, acting_user=None
) -> AgencyProcedureImportResult:
    """Declare that agencies handle procedures; pairs already declared or repeated are fine. All or none."""
    agencies = _AgencyCodes(scope, rows)
    procedures = _procedure_ids(rows)
    errors: list[RowError] = []
    pairs: set[tuple[int, int]] = set()
    for row in rows:
        problems = []
        agency, problem = agencies.resolve(row.values.get("agency_code"))
        if problem:
            problems.append(problem)
        procedure_id, problem = _resolve_procedure(row.values.get("procedure_code"), procedures)
        if problem:
            problems.append(problem)
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        else:
            pairs.add((agency.pk, procedure_id))
    if errors:
        raise ImportRejected(errors)

    with transaction.atomic():
        agency_ids = {agency_id for agency_id, _procedure_id in pairs}
        current = set(
            AgencyProcedure.objects.filter(agency_id__in=agency_ids).values_list("agency_id", "procedure_id")
        )
        new = pairs - current
        AgencyProcedure.objects.bulk_create(
            [
                AgencyProcedure(agency_id=agency_id, procedure_id=procedure_id)
                for agency_id, procedure_id in new
            ],
            ignore_conflicts=True,
        )
    return AgencyProcedureImportResult(added=len(new), already=len(pairs) - len(new))


# --- one-stop dossier statistics ---------------------------------------------------------------------------


def dossier_statistics_import(
    *, rows: list[Row], scope: AgencyScope, acting_user=None
) -> DossierImportResult:
    """Create or replace the monthly figures per (agency, procedure, month); the counts must add up
    (received = early + on time + late + pending). All or nothing."""
    agencies = _AgencyCodes(scope, rows)
    procedures = _procedure_ids(rows)
    errors: list[RowError] = []
    seen: dict[tuple[int, int, date], int] = {}
    parsed: list[tuple[int, int, date, dict[str, int]]] = []
    for row in rows:
        values, problems = row.values, []
        agency, problem = agencies.resolve(values.get("agency_code"))
        if problem:
            problems.append(problem)
        procedure_id, problem = _resolve_procedure(values.get("procedure_code"), procedures)
        if problem:
            problems.append(problem)
        try:
            month = _month(values.get("month"))
        except ValueError:
            month = None
            problems.append(
                _("“%(value)s” is not a month (use YYYY-MM, e.g. 2025-03)")
                % {"value": _text(values["month"])}
                if _text(values.get("month"))
                else _("the month is empty")
            )
        counts: dict[str, int] = {}
        for key in COUNT_KEYS:
            try:
                counts[key] = _count(values.get(key))
            except ValueError:
                value = _text(values.get(key))
                problems.append(
                    _("%(column)s “%(value)s” is not a whole number ≥ 0") % {"column": key, "value": value}
                    if value
                    else _("%(column)s is empty") % {"column": key}
                )
        if len(counts) == len(COUNT_KEYS):
            parts = counts["early"] + counts["on_time"] + counts["late"] + counts["pending"]
            if counts["received"] != parts:
                problems.append(
                    _(
                        "the counts do not add up: received %(received)s ≠ early %(early)s + on time "
                        "%(on_time)s + late %(late)s + pending %(pending)s = %(total)s"
                    )
                    % {**counts, "total": parts}
                )
        if not problems:
            key = (agency.pk, procedure_id, month)
            if key in seen:
                problems.append(
                    _("the figures of %(agency)s, %(procedure)s for %(month)s already appear in row %(row)s")
                    % {
                        "agency": agency.code,
                        "procedure": _code(values.get("procedure_code")),
                        "month": f"{month:%m/%Y}",
                        "row": seen[key],
                    }
                )
            else:
                seen[key] = row.number
                parsed.append((agency.pk, procedure_id, month, counts))
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
    if errors:
        raise ImportRejected(errors)

    result = DossierImportResult()
    with transaction.atomic():
        existing = {
            (figure.agency_id, figure.procedure_id, figure.month): figure
            for figure in DossierStatistic.objects.select_for_update().filter(
                agency_id__in={key[0] for key in seen},
                procedure_id__in={key[1] for key in seen},
                month__in={key[2] for key in seen},
            )
        }
        to_create, to_update = [], []
        for agency_id, procedure_id, month, counts in parsed:
            figure = existing.get((agency_id, procedure_id, month))
            if figure is None:
                to_create.append(
                    DossierStatistic(agency_id=agency_id, procedure_id=procedure_id, month=month, **counts)
                )
            else:
                for key, count in counts.items():
                    setattr(figure, key, count)
                to_update.append(figure)
        DossierStatistic.objects.bulk_create(to_create, batch_size=500)
        DossierStatistic.objects.bulk_update(to_update, COUNT_KEYS, batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    return result


def _month(value: object) -> date:
    """The first day of a month given as YYYY-MM, MM/YYYY, or a date (a date cell or dd/mm/yyyy text)."""
    if isinstance(value, datetime | date):
        return parse_date(value).replace(day=1)
    text = _text(value)
    if match := re.fullmatch(r"(\d{4})[-/.](\d{1,2})", text):
        return date(int(match[1]), int(match[2]), 1)
    if match := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", text):
        return date(int(match[2]), int(match[1]), 1)
    return parse_date(text).replace(day=1)


def _count(value: object) -> int:
    """A whole number ≥ 0; thousands may be grouped ("1.234", "1 234") since a count has no decimals."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value).replace("\u00a0", " ")
        if not re.fullmatch(r"\d+|\d{1,3}([., ]\d{3})+", text):
            raise ValueError(value)
        number = int(re.sub(r"\D", "", text))
    if number < 0:
        raise ValueError(value)
    return number


# --- shared pieces ---------------------------------------------------------------------------------------


class _AgencyCodes:
    """Resolves the agency codes of a file inside a scope, with two queries for the whole file."""

    def __init__(self, scope: AgencyScope, rows: list[Row]):
        codes = {_text(row.values.get("agency_code")) for row in rows} - {""}
        self.candidates: dict[str, list[Agency]] = defaultdict(list)
        for agency in (
            scope.lookup.filter(code__in=codes).select_related("province").order_by("province__name")
        ):
            self.candidates[agency.code].append(agency)
        self.writable = set(scope.writable.filter(code__in=codes).values_list("pk", flat=True))

    def resolve(self, value: object) -> tuple[Agency | None, str | None]:
        code = _text(value)
        if not code:
            return None, _("the agency code is empty")
        candidates = self.candidates.get(code, [])
        if not candidates:
            return None, _("no agency has the code %(code)s") % {"code": code}
        allowed = [agency for agency in candidates if agency.pk in self.writable]
        if not allowed:
            return None, _("you may not import for agency %(code)s (%(name)s)") % {
                "code": code,
                "name": candidates[0].name,
            }
        if len(allowed) > 1:
            return None, _("agency code %(code)s is ambiguous: it exists in %(provinces)s") % {
                "code": code,
                "provinces": ", ".join(agency.province.name for agency in allowed),
            }
        return allowed[0], None


def _procedure_ids(rows: list[Row]) -> dict[str, int]:
    codes = {_code(row.values.get("procedure_code")) for row in rows} - {""}
    return dict(AdministrativeProcedure.objects.filter(code__in=codes).values_list("code", "pk"))


def _resolve_procedure(value: object, procedures: dict[str, int]) -> tuple[int | None, str | None]:
    code = _code(value)
    if not code:
        return None, _("the procedure code is empty")
    if code not in procedures:
        return None, _("no procedure of the catalogue has the code %(code)s") % {"code": code}
    return procedures[code], None


def _code(value: object) -> str:
    # A code such as 1.001230 typed into a number cell comes back as 1.00123: the national
    # catalogue's codes have six decimals, so a number is written back in that shape.
    if isinstance(value, float | Decimal):
        return f"{value:.6f}"
    return _text(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    return " ".join(str(value).split())


def _choice_names(choices: type[TextChoices], words: dict[str, str]) -> dict[str, str]:
    """Folded key, Vietnamese and English label, and the usual words (`words`) → the choice's value."""
    names = dict(words)
    for choice in choices:
        names[fold(choice.value)] = choice.value
        for language in ("vi", "en"):
            with translation.override(language):
                names[fold(str(choice.label))] = choice.value
    return names


def _choice(value: object, names: dict[str, str]) -> str | None:
    """The choice a cell names, with or without the "Cấp" (level) in front; None when none."""
    text = fold(_text(value))
    if not text:
        return None
    return names.get(text) or names.get(text.removeprefix("cap "))


def _model_problems(instance) -> list[str]:
    """What full_clean finds in a row's record (lengths, choices), worded as row errors."""
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [
            f"{instance._meta.get_field(field).verbose_name}: {message}" if field != "__all__" else message
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


# --- manage.py import_xlsx KIND FILE ---------------------------------------------------------------------


def import_procedures_file(file, *, province: Province | None = None) -> str:
    """The `procedures` kind: the national catalogue (no province needed)."""
    return procedures_import(rows=read_rows(file, PROCEDURE_COLUMNS)).summary()


def import_agency_procedures_file(file, *, province: Province) -> str:
    """The `agency_procedures` kind: procedures handled by the province's agencies."""
    rows = read_rows(file, AGENCY_PROCEDURE_COLUMNS)
    return agency_procedures_import(rows=rows, scope=province_scope(province)).summary()


def import_dossier_statistics_file(file, *, province: Province) -> str:
    """The `dossier_stats` kind: monthly one-stop figures (.xlsx or .csv) of the province's agencies."""
    rows = read_rows(file, DOSSIER_COLUMNS, csv_allowed=True)
    return dossier_statistics_import(rows=rows, scope=province_scope(province)).summary()
