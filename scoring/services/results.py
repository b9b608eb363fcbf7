"""Publishing a rubric's results: the official scores become final and every agency of the province sees
the whole table."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from ..models import Assessment, AssessmentEvent, Rubric


@dataclass(frozen=True)
class Publication:
    rubric: Rubric
    assessed: int  # official assessments in the table
    finalized_now: int  # of which were finalized by publishing
    already_published: bool = False

    @property
    def message(self) -> str:
        if self.already_published:
            return _("The results of “%(rubric)s” were already published on %(date)s; nothing changed.") % {
                "rubric": self.rubric,
                "date": timezone.localtime(self.rubric.results_published_at).strftime("%d/%m/%Y"),
            }
        return _(
            "The results of “%(rubric)s” are published: %(assessed)s agencies ranked, "
            "%(finalized)s official assessments finalized now."
        ) % {"rubric": self.rubric, "assessed": self.assessed, "finalized": self.finalized_now}


def publish_results(rubric: Rubric, user) -> Publication:
    """Finalize every official assessment of the rubric not finalized yet and publish the results.

    Refuses (ValidationError) a draft rubric or one without any official assessment; publishing twice
    changes nothing the second time."""
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        official = Assessment.objects.filter(rubric=rubric, kind=Assessment.Kind.OFFICIAL)
        assessed = official.count()
        if rubric.results_published_at is not None:
            return Publication(rubric=rubric, assessed=assessed, finalized_now=0, already_published=True)
        if not rubric.is_published:
            raise ValidationError(
                _("Publish the rubric before its results: “%(rubric)s” is still a draft.")
                % {"rubric": rubric}
            )
        if not assessed:
            raise ValidationError(
                _("“%(rubric)s” has no official assessment yet: there are no results to publish.")
                % {"rubric": rubric}
            )
        now = timezone.now()
        pending = list(official.exclude(status=Assessment.Status.FINALIZED).select_for_update())
        for assessment in pending:
            assessment.status = Assessment.Status.FINALIZED
            assessment.finalized_at = now
            assessment.finalized_by = user
        if pending:
            bulk_update_with_history(
                pending,
                Assessment,
                ["status", "finalized_at", "finalized_by"],
                default_user=user,
                default_change_reason="results published",
            )
            AssessmentEvent.objects.bulk_create(
                AssessmentEvent(
                    assessment=assessment,
                    kind=AssessmentEvent.Kind.FINALIZED,
                    reason=_("Finalized when the results were published."),
                    by=user,
                )
                for assessment in pending
            )
        rubric.results_published_at = now
        rubric.results_published_by = user
        rubric._history_user = user
        rubric.save(update_fields=["results_published_at", "results_published_by"])
    return Publication(rubric=rubric, assessed=assessed, finalized_now=len(pending))
