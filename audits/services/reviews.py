"""Management reviews (xem xét của lãnh đạo, ISO 9001:2015 9.3): prepared as a draft, finalized by the
agency leader once held, read-only after that. Decisions are Actions (see services.actions)."""

from dataclasses import dataclass, fields
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import AGENCY_ROLES, Agency

from ..models import Action, ManagementReview
from .actions import review_decision_add

User = get_user_model()

# The model's text fields, in the order of the standard's lists.
INPUT_FIELDS = (  # 9.3.2 a)–f)
    "previous_actions",
    "context_changes",
    "performance",
    "resources",
    "risks_opportunities",
    "improvement_opportunities",
)
OUTPUT_FIELDS = ("output_improvements", "output_changes", "output_resources")  # 9.3.3 a)–c)


@dataclass(frozen=True)
class ReviewData:
    held_on: date
    chair: User | None
    participants: str = ""
    previous_actions: str = ""
    context_changes: str = ""
    performance: str = ""
    resources: str = ""
    risks_opportunities: str = ""
    improvement_opportunities: str = ""
    output_improvements: str = ""
    output_changes: str = ""
    output_resources: str = ""


def agency_members(agencies: Agency | QuerySet[Agency] | list[Agency]) -> QuerySet[User]:
    """Active users holding a role in the agency (or agencies): who may chair a review or own a decision."""
    agencies = [agencies] if isinstance(agencies, Agency) else agencies
    return (
        User.objects.filter(
            is_active=True, memberships__agency__in=agencies, memberships__role__in=AGENCY_ROLES
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _clean_text(text: str) -> str:
    # Browsers post CRLF; one form of line break keeps an unchanged text unchanged in the history.
    return text.replace("\r\n", "\n").strip()


def _apply(review: ManagementReview, data: ReviewData) -> None:
    review.held_on = data.held_on
    review.chair = data.chair
    for field in fields(ReviewData):
        if field.name not in ("held_on", "chair"):
            setattr(review, field.name, _clean_text(getattr(data, field.name)))


def _save(review: ManagementReview, acting_user) -> None:
    errors: dict[str, list[str]] = {}
    if review.chair is None:
        errors["chair"] = [_("Name who chairs the review.")]
    elif not agency_members(review.agency).filter(pk=review.chair.pk).exists():
        errors["chair"] = [_("The chair must be a member of the agency.")]
    try:
        review.full_clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    review._history_user = acting_user
    review.save()


def review_create(*, agency: Agency, data: ReviewData, acting_user) -> ManagementReview:
    """A draft review of `agency`; its date may lie ahead (a planned review)."""
    review = ManagementReview(agency=agency, created_by=acting_user)
    _apply(review, data)
    with transaction.atomic():
        _save(review, acting_user)
    return review


def review_update(*, review: ManagementReview, data: ReviewData, acting_user) -> ManagementReview:
    """Change a draft review; a finalized one is read-only."""
    with transaction.atomic():
        review = ManagementReview.objects.select_for_update().get(pk=review.pk)
        if review.status != ManagementReview.Status.DRAFT:
            raise ValidationError(_("A finalized management review cannot be changed."))
        _apply(review, data)
        _save(review, acting_user)
    return review


def finalize_problems(review: ManagementReview, *, today: date | None = None) -> list[str]:
    """Why `review` cannot be finalized yet (empty when it can)."""
    today = today or timezone.localdate()
    problems = []
    if review.status != ManagementReview.Status.DRAFT:
        problems.append(_("This management review is already finalized."))
        return problems
    if review.held_on > today:
        problems.append(
            _("The review is planned for %(date)s: it can be finalized once it has been held.")
            % {"date": review.held_on.strftime("%d/%m/%Y")}
        )
    if review.chair_id is None:
        problems.append(_("Name who chaired the review."))
    if not any(getattr(review, name).strip() for name in INPUT_FIELDS):
        problems.append(_("Record at least one of the review's inputs (clause 9.3.2)."))
    if not any(getattr(review, name).strip() for name in OUTPUT_FIELDS):
        problems.append(_("Record at least one of the review's outputs (clause 9.3.3)."))
    return problems


def review_finalize(*, review: ManagementReview, acting_user) -> ManagementReview:
    """The agency leader closes the record of a review that has been held; it is read-only from then on."""
    with transaction.atomic():
        review = ManagementReview.objects.select_for_update().get(pk=review.pk)
        problems = finalize_problems(review)
        if problems:
            raise ValidationError(problems)
        review.status = ManagementReview.Status.FINALIZED
        review.finalized_by = acting_user
        review.finalized_at = timezone.now()
        review.full_clean()
        review._history_user = acting_user
        review.save()
    return review


def review_decision_create(
    *, review: ManagementReview, title: str, owner, due_date: date, acting_user
) -> Action:
    """Record a decision of a draft review as an Action (one tracking with corrective actions)."""
    with transaction.atomic():
        review = (
            ManagementReview.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=review.pk)
        )
        if review.status != ManagementReview.Status.DRAFT:
            raise ValidationError(_("A finalized management review cannot be changed."))
        if due_date < review.held_on:
            raise ValidationError({"due_date": _("A decision cannot be due before the review is held.")})
        if not title.strip():
            raise ValidationError({"title": _("Say what was decided.")})
        return review_decision_add(
            review=review, title=title, owner=owner, due_date=due_date, acting_user=acting_user
        )
