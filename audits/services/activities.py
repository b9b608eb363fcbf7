"""Steering committee meetings and training sessions (họp Ban chỉ đạo ISO, tập huấn): rubric evidence that
the system lives, each with its minutes or attendance sheet."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from qms_portal.uploads import validate_document

from ..models import Activity


@dataclass(frozen=True)
class ActivityData:
    kind: str
    held_on: date
    topic: str
    participants: str = ""
    participant_count: int | None = None
    file: object = None  # an UploadedFile to store, or None to keep the current one
    remove_file: bool = False


def activity_problems(*, held_on: date | None, participant_count: int | None) -> dict[str, str]:
    """The rules an activity must meet beyond its required fields, by field name."""
    problems = {}
    if held_on is not None and held_on > timezone.localdate():
        problems["held_on"] = _(
            "Record a meeting or training once it has taken place: the date is in the future."
        )
    if participant_count is not None and participant_count < 1:
        problems["participant_count"] = _("Enter at least one participant, or leave the number blank.")
    return problems


def _save(activity: Activity, data: ActivityData, acting_user) -> Activity:
    activity.kind = data.kind
    activity.held_on = data.held_on
    activity.topic = " ".join(data.topic.split())
    activity.participants = data.participants.replace("\r\n", "\n").strip()
    activity.participant_count = data.participant_count
    errors: dict[str, list] = {
        field: [message]
        for field, message in activity_problems(
            held_on=data.held_on, participant_count=data.participant_count
        ).items()
    }
    if data.file is not None:
        try:
            validate_document(data.file)
        except ValidationError as exc:
            errors.setdefault("file", []).extend(exc.messages)
    if data.remove_file and data.file is None:
        activity.file = ""
    try:
        activity.full_clean(exclude=["file"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Checked before the file is stored, so a refused record leaves no file behind. Files replaced or
        # removed stay in storage: the history still points at them.
        if data.file is not None:
            activity.file.save(data.file.name, data.file, save=False)
        activity._history_user = acting_user
        activity.save()
    return activity


def activity_create(*, agency: Agency, data: ActivityData, acting_user) -> Activity:
    """Record a meeting or training of `agency` that has taken place."""
    return _save(Activity(agency=agency, created_by=acting_user), data, acting_user)


def activity_update(*, activity: Activity, data: ActivityData, acting_user) -> Activity:
    """Correct a recorded meeting or training; a new file replaces the old one."""
    # A fresh copy: a refused change leaves the caller's object as it was.
    return _save(Activity.objects.get(pk=activity.pk), data, acting_user)
