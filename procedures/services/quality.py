"""The quality policy and quality objectives of an agency, year by year (DESIGN §2)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency

from ..models import QualityObjective, QualityPolicy

FIRST_YEAR = 2000
# Stored in the history beside the withdrawn approval (a record, not screen text: not translated).
APPROVAL_WITHDRAWN_REASON = "Approval withdrawn: the text changed"


@dataclass(frozen=True)
class ObjectiveData:
    objective: str
    indicator: str
    target: str
    achieved: str = ""
    met: bool | None = None  # None: not evaluated yet


def last_year() -> int:
    """Next year: objectives are planned before the year starts."""
    return timezone.localdate().year + 1


def year_problem(year: int) -> str | None:
    """Why `year` cannot hold a policy or objectives, or None when it can."""
    if FIRST_YEAR <= year <= last_year():
        return None
    return _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last_year()}


def objective_problems(*, year: int | None, achieved: str, met: bool | None) -> dict[str, str]:
    """The rules an objective must meet beyond its required fields, by field name."""
    problems = {}
    if year is not None and (problem := year_problem(year)):
        problems["year"] = problem
    if met is not None and not achieved.strip():
        problems["met"] = _("Enter the achieved value before saying whether the objective was met.")
    return problems


def _clean_text(text: str) -> str:
    # Browsers post CRLF; storing one form of line break keeps "unchanged" unchanged.
    return text.replace("\r\n", "\n").strip()


def policy_save(*, agency: Agency, year: int, text: str, acting_user) -> QualityPolicy:
    """Write the agency's quality policy for `year`; changing an approved text withdraws the approval."""
    if problem := year_problem(year):
        raise ValidationError({"year": problem})
    text = _clean_text(text)
    with transaction.atomic():
        policy = QualityPolicy.objects.select_for_update().filter(agency=agency, year=year).first()
        if policy is None:
            policy = QualityPolicy(agency=agency, year=year)
        elif policy.text == text:
            return policy
        elif policy.approved_at is not None:
            policy.approved_by, policy.approved_at = None, None
            policy._change_reason = APPROVAL_WITHDRAWN_REASON
        policy.text = text
        policy._history_user = acting_user
        policy.full_clean()
        policy.save()
    return policy


def policy_approve(*, policy: QualityPolicy, acting_user) -> QualityPolicy:
    """The agency leader approves the policy text as it stands."""
    with transaction.atomic():
        policy = QualityPolicy.objects.select_for_update().get(pk=policy.pk)
        if not policy.text.strip():
            raise ValidationError(_("An empty quality policy cannot be approved."))
        if policy.approved_at is not None:
            raise ValidationError(_("This quality policy is already approved."))
        policy.approved_by, policy.approved_at = acting_user, timezone.now()
        policy._history_user = acting_user
        policy.full_clean()
        policy.save()
    return policy


def objective_save(
    *,
    agency: Agency,
    year: int,
    objective: QualityObjective | None = None,
    data: ObjectiveData,
    acting_user,
) -> QualityObjective:
    """Add a quality objective to the agency's year, or change one (`objective`)."""
    if objective is None:
        objective = QualityObjective(agency=agency)
    elif objective.agency_id != agency.pk:
        raise ValueError("The objective belongs to another agency.")
    objective.year = year
    objective.objective = data.objective.strip()
    objective.indicator = data.indicator.strip()
    objective.target = data.target.strip()
    objective.achieved = data.achieved.strip()
    objective.met = data.met
    objective._history_user = acting_user
    problems = objective_problems(year=year, achieved=objective.achieved, met=objective.met)
    errors: dict[str, list] = {field: [message] for field, message in problems.items()}
    with transaction.atomic():
        try:
            objective.full_clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        objective.save()
    return objective
