from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits and improvement")

    def ready(self) -> None:
        # Other engineers register panels, seeders and schedules here: add your lines, keep theirs.
        from qms_portal import panels

        from . import summary

        panels.register("agency_detail", summary.agency_panel, order=30)

        from . import panels as audit_panels

        panels.register("home", audit_panels.home_actions, order=30)

        from qms_portal.demo import register_seeder

        from . import demo

        register_seeder("audits", demo.seed_audits, order=30)
