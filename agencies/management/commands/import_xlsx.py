"""`manage.py import_xlsx KIND FILE`: the browser imports, for operators. Apps register their kinds."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Province
from agencies.services import AGENCY_COLUMNS, ImportRejected, agencies_import
from qms_portal.imports import ImportOptionError, registered_imports
from qms_portal.spreadsheets import SpreadsheetError, read_table


def import_agencies(file, *, province: Province) -> str:
    """The `agencies` kind: create or update the province's agencies."""
    result = agencies_import(province=province, rows=read_table(file, AGENCY_COLUMNS))
    return _("%(created)s agencies created, %(updated)s updated.") % {
        "created": result.created,
        "updated": result.updated,
    }


class Command(BaseCommand):
    help = "Import a spreadsheet, all or nothing: every row is checked before anything is saved."

    def add_arguments(self, parser):
        kinds = registered_imports()
        # The kind's own options are passed by their names (a --kind option among them): the positional
        # argument gets a name of its own.
        parser.add_argument(
            "import_kind",
            metavar="kind",
            choices=list(kinds),
            help="; ".join(f"{name}: {kind.help}" for name, kind in kinds.items()),
        )
        parser.add_argument("file", type=Path)
        parser.add_argument("--province", help="province code (required by some kinds)")
        # Every kind's own options share this parser: a flag is added once, and "required" is checked
        # in handle() for the kind being run only.
        added: set[str] = {"--province"}
        for name, kind in kinds.items():
            for flag, spec in kind.options:
                if flag in added:
                    continue
                added.add(flag)
                arguments = {key: value for key, value in spec.items() if key != "required"}
                arguments["help"] = f"{arguments.get('help', '')} ({name})".strip()
                parser.add_argument(flag, **arguments)

    def handle(self, *args, import_kind: str, file: Path, province: str | None = None, **options):
        kind = registered_imports()[import_kind]
        if not file.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": file})
        target = None
        if province:
            try:
                target = Province.objects.get(code=province)
            except Province.DoesNotExist as exc:
                raise CommandError(_("No province has the code %(code)s.") % {"code": province}) from exc
        elif kind.province_required:
            raise CommandError(
                _("--province CODE is required for the %(kind)s import.") % {"kind": import_kind}
            )
        extra = {}
        for flag, destination, required in kind.option_names():
            value = options.get(destination)
            if value is None:
                if required:
                    raise CommandError(
                        _("%(option)s is required for the %(kind)s import.")
                        % {"option": flag, "kind": import_kind}
                    )
                continue
            extra[destination] = value
        try:
            with file.open("rb") as handle:
                summary = kind.handler(handle, province=target, **extra)
        except (SpreadsheetError, ImportOptionError) as exc:
            raise CommandError(str(exc)) from exc
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(
                    _("Row %(row)s: %(message)s") % {"row": error.row, "message": error.message}
                )
            raise CommandError(
                _("Nothing was saved: %(count)s row(s) have errors.") % {"count": len(exc.errors)}
            ) from None
        self.stdout.write(self.style.SUCCESS(summary))
