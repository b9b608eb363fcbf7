"""Provincial targets: set, change, remove. The baseline is measured when the target is set (and again
when what it measures or when it counts from changes), so that the pace since then can be projected."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Province

from .. import targets
from ..models import Target


@dataclass(frozen=True)
class TargetData:
    measure: str
    level: str
    value: Decimal
    start_on: date
    deadline: date
    note: str = ""


def target_problems(*, value: Decimal | None, start_on: date | None, deadline: date | None) -> dict[str, str]:
    """The rules a target must meet beyond its required fields, by field name."""
    problems = {}
    if value is not None and not Decimal(0) < value <= Decimal(100):
        problems["value"] = _("A target is a percentage above 0 and at most 100.")
    if start_on and deadline and deadline <= start_on:
        problems["deadline"] = _("The deadline must come after the date the target counts from.")
    return problems


def _apply(target: Target, data: TargetData) -> None:
    target.measure = data.measure
    target.level = data.level or ""
    target.value = data.value
    target.start_on = data.start_on
    target.deadline = data.deadline
    target.note = data.note.replace("\r\n", "\n").strip()
    problems = target_problems(value=data.value, start_on=data.start_on, deadline=data.deadline)
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    target.full_clean(exclude=["created_by"])


@transaction.atomic
def target_create(*, province: Province, data: TargetData, acting_user) -> Target:
    """A new target of the province, with its baseline measured as of its start."""
    target = Target(province=province, created_by=acting_user)
    _apply(target, data)
    target.baseline = targets.baseline(target)
    target._history_user = acting_user
    target.save()
    return target


@transaction.atomic
def target_update(*, target: Target, data: TargetData, acting_user) -> Target:
    """Change a target; the baseline is measured again when the measure, level or start changes."""
    before = (target.measure, target.level, target.start_on)
    _apply(target, data)
    if (target.measure, target.level, target.start_on) != before:
        target.baseline = targets.baseline(target)
    target._history_user = acting_user
    target.save()
    return target


@transaction.atomic
def target_delete(*, target: Target, acting_user) -> None:
    target._history_user = acting_user
    target.delete()
