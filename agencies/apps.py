from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies")

    def ready(self):
        from qms_portal.imports import register_import

        from .management.commands.import_xlsx import import_agencies

        register_import(
            "agencies", import_agencies, "agencies of a province (--province)", province_required=True
        )
