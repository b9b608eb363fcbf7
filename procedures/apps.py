from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Procedures and processes")

    def ready(self) -> None:
        from qms_portal import panels
        from qms_portal.demo import register_seeder
        from qms_portal.imports import register_import

        from . import demo
        from . import panels as procedure_panels
        from .services import imports

        panels.register("home", procedure_panels.home_flags, order=20)
        panels.register("agency_detail", procedure_panels.agency_procedures_panel, order=20)
        register_seeder("procedures", demo.seed_procedures, order=20)

        register_import("procedures", imports.import_procedures_file, "the national TTHC catalogue")
        register_import(
            "agency_procedures",
            imports.import_agency_procedures_file,
            "procedures handled by the province's agencies (--province)",
            province_required=True,
        )
        register_import(
            "dossier_stats",
            imports.import_dossier_statistics_file,
            "monthly one-stop dossier figures, .xlsx or .csv (--province)",
            province_required=True,
        )
