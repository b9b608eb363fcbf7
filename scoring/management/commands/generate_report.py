"""`manage.py generate_report KIND ...`: produce one report synchronously and print its file's path.

    generate_report agency --agency CODE --period 2025
    generate_report province --province CODE --period 2025-Q3   (or --period 2025 for the annual summary)
    generate_report inspection --audit ID
    generate_report declaration --agency CODE                   (the year of the latest declaration)

Agency codes are unique within a province: --province tells two agencies with the same code apart.
"""

import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Agency, Province
from audits.models import Audit
from scoring.models import Report
from scoring.services import reports as service

KINDS = {
    "agency": Report.Kind.AGENCY_COMPLIANCE,
    "province": Report.Kind.PROVINCE_SUMMARY,
    "inspection": Report.Kind.INSPECTION_MINUTES,
    "declaration": Report.Kind.DECLARATION,
}
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-?Q(?P<quarter>[1-4]))?$", re.IGNORECASE)


def parse_period(text: str) -> tuple[int, int | None]:
    """`2025` → (2025, None); `2025-Q3` → (2025, 3)."""
    match = PERIOD.match(text.strip())
    if not match:
        raise CommandError(
            _("The period %(period)s is not a year (2025) or a quarter (2025-Q3).") % {"period": text}
        )
    quarter = match["quarter"]
    return int(match["year"]), int(quarter) if quarter else None


class Command(BaseCommand):
    help = "Produce one report (PDF) now, without a Celery worker, and print the path of its file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="the kind of report")
        parser.add_argument("--agency", help="the agency's code (agency and declaration reports)")
        parser.add_argument(
            "--province", help="the province's code (provincial summary; tells agency codes apart)"
        )
        parser.add_argument("--period", help="a year (2025) or a quarter (2025-Q3)")
        parser.add_argument("--audit", type=int, help="the inspection's id (inspection minutes)")

    def handle(self, *args, kind: str, agency=None, province=None, period=None, audit=None, **options):
        arguments = {"kind": KINDS[kind]}
        province_object = self._province(province) if province else None
        if kind in ("agency", "declaration"):
            if not agency:
                raise CommandError(_("Give the agency's code with --agency."))
            arguments["agency"] = self._agency(agency, province_object)
        elif kind == "province":
            if province_object is None:
                raise CommandError(_("Give the province's code with --province."))
            arguments["province"] = province_object
        else:
            if audit is None:
                raise CommandError(_("Give the inspection's id with --audit."))
            arguments["audit"] = self._inspection(audit)
        if kind in ("agency", "province"):
            if not period:
                raise CommandError(_("Give the period with --period, e.g. 2025 or 2025-Q3."))
            arguments["year"], arguments["quarter"] = parse_period(period)
        elif period:
            raise CommandError(_("This kind of report takes no --period."))
        try:
            report = service.new_report(**arguments)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        report = service.produce(report.pk)
        if report is None or report.status != Report.Status.DONE:
            error = report.error if report is not None else ""
            raise CommandError(_("The report could not be produced: %(error)s") % {"error": error})
        self.stdout.write(report.file.path)

    def _province(self, code: str) -> Province:
        try:
            return Province.objects.get(code__iexact=code.strip())
        except Province.DoesNotExist:
            raise CommandError(_("No province has the code %(code)s.") % {"code": code}) from None
        except Province.MultipleObjectsReturned:
            raise CommandError(_("Several provinces have the code %(code)s.") % {"code": code}) from None

    def _agency(self, code: str, province: Province | None) -> Agency:
        agencies = Agency.objects.filter(code__iexact=code.strip()).select_related("province")
        if province is not None:
            agencies = agencies.filter(province=province)
        found = list(agencies[:2])
        if not found:
            raise CommandError(_("No agency has the code %(code)s.") % {"code": code})
        if len(found) > 1:
            raise CommandError(
                _("Several provinces have an agency with the code %(code)s: add --province.") % {"code": code}
            )
        return found[0]

    def _inspection(self, pk: int) -> Audit:
        audit = Audit.objects.select_related("agency__province").filter(pk=pk).first()
        if audit is None:
            raise CommandError(_("No inspection has the id %(id)s.") % {"id": pk})
        return audit
