"""`manage.py publish_results --rubric ID`: publish a rubric's results from the command line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.models import Rubric
from scoring.results import rubric_results
from scoring.services.results import publish_results


class Command(BaseCommand):
    help = "Finalize a rubric's official assessments and publish its results to the province's agencies."

    def add_arguments(self, parser):
        parser.add_argument("--rubric", type=int, required=True, help="the rubric's id")

    def handle(self, *args, rubric: int, **options):
        try:
            target = Rubric.objects.select_related("province").get(pk=rubric)
        except Rubric.DoesNotExist as exc:
            raise CommandError(_("No rubric has the id %(id)s.") % {"id": rubric}) from exc
        try:
            publication = publish_results(target, None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(publication.message)
        if publication.already_published:
            return
        results = rubric_results(publication.rubric)
        for share in results.bands:
            self.stdout.write(
                _("%(label)s: %(count)s (%(share)s %%)")
                % {"label": share.label, "count": share.count, "share": share.share}
            )
