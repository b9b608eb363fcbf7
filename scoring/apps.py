from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring and reports")

    def ready(self) -> None:
        from qms_portal import freshness

        freshness.install()

        # Other engineers register panels, seeders and imports here: add your lines, keep theirs.
        from qms_portal.imports import register_import

        from . import imports

        register_import(
            "scores",
            imports.import_scores_file,
            "official or self-assessment scores of a published rubric (--rubric ID, --kind official|self)",
            options=imports.COMMAND_OPTIONS,
        )

        from qms_portal import panels

        from . import panels as scoring_panels

        panels.register("home", scoring_panels.home, order=40)

        from . import report_panels

        panels.register("home", report_panels.home, order=50)

        from qms_portal.demo import register_seeder

        from . import demo

        register_seeder("scoring", demo.seed_scoring, order=40)

        from . import report_contents, reporting
        from .models import Report

        reporting.register(
            reporting.ReportKind(
                kind=Report.Kind.AGENCY_COMPLIANCE,
                template="scoring/reports/agency_compliance.html",
                gather=report_contents.gather_agency_compliance,
                filename=report_contents.agency_compliance_filename,
            )
        )
        reporting.register(
            reporting.ReportKind(
                kind=Report.Kind.INSPECTION_MINUTES,
                template="scoring/reports/inspection_minutes.html",
                gather=report_contents.gather_inspection_minutes,
                filename=report_contents.inspection_minutes_filename,
            )
        )
        reporting.register(
            reporting.ReportKind(
                kind=Report.Kind.DECLARATION,
                template="scoring/reports/declaration.html",
                gather=report_contents.gather_declaration,
                filename=report_contents.declaration_filename,
            )
        )

        from . import province_report

        reporting.register(
            reporting.ReportKind(
                kind=Report.Kind.PROVINCE_SUMMARY,
                template=province_report.TEMPLATE,
                gather=province_report.gather,
                filename=province_report.filename,
            )
        )
