"""The three spreadsheet imports of the procedures app and their templates, on one page layout."""

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from agencies.access import Action, can_anywhere
from qms_portal.imports import ImportPage
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, Column, Row, SpreadsheetError, template_for

from ..forms.imports import ImportForm
from ..models import AdministrativeProcedure
from ..services.imports import (
    AGENCY_PROCEDURE_COLUMNS,
    DOSSIER_COLUMNS,
    PROCEDURE_COLUMNS,
    AgencyScope,
    ImportRejected,
    agency_procedures_import,
    dossier_scope,
    dossier_statistics_import,
    overseen_scope,
    procedures_import,
    read_rows,
)

CATALOGUE_PAGE = ImportPage(
    title=gettext_lazy("Import administrative procedures"),
    columns=PROCEDURE_COLUMNS,
    notes=[
        gettext_lazy("Level: central, provincial, district, commune, or the label shown in the portal."),
        gettext_lazy("Statutory time in working days, counted in quarter days: 3, 2.5 or 2,5."),
        gettext_lazy(
            "Mechanism: mot_cua or lien_thong, or the label shown in the portal; empty means one-stop."
        ),
        gettext_lazy(
            "Legal basis: document numbers separated by “;”. A number not yet in the register is added with "
            "its number only — complete it under Legal documents."
        ),
        gettext_lazy(
            "A procedure whose code already exists is updated, others are created. An optional column left "
            "out of the file leaves the stored values as they are."
        ),
    ],
    template_url="procedures:procedure_import_template",
)
AGENCY_PROCEDURE_PAGE = ImportPage(
    title=gettext_lazy("Import the procedures agencies handle"),
    columns=AGENCY_PROCEDURE_COLUMNS,
    notes=[
        gettext_lazy("Agency codes are looked up among the agencies of the province(s) you oversee."),
        gettext_lazy("Procedure codes are those of the catalogue (import the catalogue first)."),
        gettext_lazy("A pair already declared, or repeated in the file, is kept once; nothing is removed."),
    ],
    template_url="procedures:agency_procedure_import_template",
)
DOSSIER_PAGE = ImportPage(
    title=gettext_lazy("Import one-stop dossier statistics"),
    columns=DOSSIER_COLUMNS,
    notes=[
        gettext_lazy(
            "One row per agency, procedure and month. Month: YYYY-MM (e.g. 2025-03) or a date in it."
        ),
        gettext_lazy("Counts are whole numbers that add up: received = early + on time + late + pending."),
        gettext_lazy("Figures already imported for the same agency, procedure and month are replaced."),
        gettext_lazy(
            "Reviewers import for the agencies of their province, ISO secretaries and leaders for their "
            "own agency; a row of another agency is an error."
        ),
        gettext_lazy("A CSV file must be UTF-8 (with or without BOM), separated by commas or semicolons."),
    ],
    template_url="procedures:dossier_import_template",
    csv_allowed=True,
)


def _require_overseer(user) -> None:
    """Catalogue and procedures-handled imports: reviewers of a province (Action.OVERSEE)."""
    if not can_anywhere(user, Action.OVERSEE):
        raise PermissionDenied


def _require_dossier_importer(user) -> None:
    """Dossier figures: reviewers, and ISO secretaries and leaders of an agency (Action.EDIT)."""
    if not (can_anywhere(user, Action.OVERSEE) or can_anywhere(user, Action.EDIT)):
        raise PermissionDenied


def _import(request, page: ImportPage, run: Callable[[list[Row]], object], success_url: str):
    form = ImportForm(request.POST or None, request.FILES or None, csv_allowed=page.csv_allowed)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = run(read_rows(form.cleaned_data["file"], page.columns, csv_allowed=page.csv_allowed))
        except SpreadsheetError as exc:
            form.add_error("file", str(exc))
        except ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Import done: %(summary)s") % {"summary": result.summary()})
            return redirect(success_url)
    return render(
        request,
        "_import_form.html",
        {"page": page, "form": form, "errors": errors, "columns": page.columns},
        status=400 if request.method == "POST" else 200,
    )


def _template_response(columns: Sequence[Column], rows: list[tuple], filename: str) -> HttpResponse:
    response = HttpResponse(template_for(columns, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _example_agency_codes(scope: AgencyScope) -> list[str]:
    """Codes of the importer's own agencies, so that the template is a useful start."""
    return list(scope.writable.order_by("code").values_list("code", flat=True)[:2]) or ["XAN", "SKHCN"]


@require_http_methods(["GET", "POST"])
def procedure_import(request):
    _require_overseer(request.user)
    return _import(
        request,
        CATALOGUE_PAGE,
        lambda rows: procedures_import(rows=rows, acting_user=request.user),
        "procedures:procedure_list",
    )


@require_GET
def procedure_import_template(request):
    _require_overseer(request.user)
    level, mechanism = AdministrativeProcedure.Level, AdministrativeProcedure.Mechanism
    example = [
        (
            "1.001193",
            "Thủ tục đăng ký khai sinh",
            "Hộ tịch",
            str(level.COMMUNE.label),
            "0.5",
            "Miễn lệ phí",
            str(mechanism.ONE_STOP.label),
            "60/2014/QH13; 123/2015/NĐ-CP",
        ),
        (
            "2.000908",
            "Thủ tục cấp bản sao từ sổ gốc",
            "Chứng thực",
            "district",
            "1",
            "8.000 đồng/bản",
            "mot_cua",
            "23/2015/NĐ-CP",
        ),
    ]
    return _template_response(PROCEDURE_COLUMNS, example, "procedures-template.xlsx")


@require_http_methods(["GET", "POST"])
def agency_procedure_import(request):
    _require_overseer(request.user)
    scope = overseen_scope(request.user)
    return _import(
        request,
        AGENCY_PROCEDURE_PAGE,
        lambda rows: agency_procedures_import(rows=rows, scope=scope, acting_user=request.user),
        "procedures:procedure_list",
    )


@require_GET
def agency_procedure_import_template(request):
    _require_overseer(request.user)
    agency_code = _example_agency_codes(overseen_scope(request.user))[0]
    example = [(agency_code, "1.001193"), (agency_code, "2.000908")]
    return _template_response(AGENCY_PROCEDURE_COLUMNS, example, "procedures-handled-template.xlsx")


@require_http_methods(["GET", "POST"])
def dossier_import(request):
    _require_dossier_importer(request.user)
    scope = dossier_scope(request.user)
    return _import(
        request,
        DOSSIER_PAGE,
        lambda rows: dossier_statistics_import(rows=rows, scope=scope, acting_user=request.user),
        "procedures:statistics",
    )


@require_GET
def dossier_import_template(request):
    _require_dossier_importer(request.user)
    agency_code = _example_agency_codes(dossier_scope(request.user))[0]
    example = [
        (agency_code, "1.001193", "2025-01", 120, 30, 80, 6, 4),
        (agency_code, "2.000908", "2025-01", 45, 10, 35, 0, 0),
    ]
    return _template_response(DOSSIER_COLUMNS, example, "dossier-statistics-template.xlsx")
