"""No lost update: a version per record, carried by its edit form, checked by the service that saves.

A model takes `Versioned`: every save() increments `version` (bulk updates must do it themselves). The
edit form takes `VersionedFormMixin`, which adds the hidden `version` of the record as it was loaded; a
form without it is refused. The service locks the row, calls `check_version()` and so raises `StaleEdit`
when someone else saved since; the view answers 409 with `edit_conflict()` for `_edit_conflict.html`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .text import as_text, person

VERSION = "version"
OUT_OF_DATE = gettext_lazy("This form is out of date: reload the page and enter your changes again.")


class Versioned(models.Model):
    version = models.PositiveIntegerField(gettext_lazy("edit version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], VERSION}
        super().save(*args, **kwargs)


class StaleEdit(ValidationError):
    """Someone else saved the record after the form was loaded; `current` is the record as saved now."""

    def __init__(self, current: models.Model):
        self.current = current
        super().__init__(_("Someone else saved this record after you opened it."), code="stale")


def check_version(current: models.Model, version: int | None) -> None:
    """Raise StaleEdit unless the record (locked by the caller) still has the version the form was loaded
    with. None skips the check: callers that are not edit forms (imports, demo data, workflow steps)."""
    if version is not None and current.version != version:
        raise StaleEdit(current)


class VersionedFormMixin:
    """Adds the hidden version of the record being edited (`version=`, or the form's instance's)."""

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is None:
            version = self.instance.version
        self.fields[VERSION] = forms.IntegerField(
            widget=forms.HiddenInput,
            initial=version,
            min_value=1,
            error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE},
        )

    def clean(self):
        cleaned = super().clean()
        # A hidden field's error would show nowhere near the fields: say it at the top of the form.
        if VERSION in self._errors:
            self._errors.pop(VERSION)
            self.add_error(None, OUT_OF_DATE)
        return cleaned

    @property
    def submitted_version(self) -> int | None:
        """The version the form was loaded with, as posted (None when missing or not a number)."""
        value = self.data.get(self.add_prefix(VERSION), "")
        return int(value) if str(value).isdigit() else None

    def take_version(self, version: int) -> None:
        """Carry `version` from now on, keeping what the user typed: saving again is a deliberate choice
        made with both versions in view."""
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION)] = str(version)


@dataclass
class Difference:
    label: str
    theirs: str
    yours: str


@dataclass
class EditConflict:
    what: str
    who: str
    when: datetime | None
    differences: list[Difference] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.when is None:
            return _(
                "Someone else saved this %(what)s after you opened it; your changes were not saved. "
                "Their version and yours are shown below: review them, then save again to keep yours."
            ) % {"what": self.what}
        moment = timezone.localtime(self.when)
        return _(
            "Someone else saved this %(what)s at %(time)s on %(date)s (%(name)s); your changes were not "
            "saved. Their version and yours are shown below: review them, then save again to keep yours."
        ) % {
            "what": self.what,
            "time": moment.strftime("%H:%M"),
            "date": moment.strftime("%d/%m/%Y"),
            "name": self.who,
        }


def shown(value, form_field: forms.Field | None = None) -> str:
    """A value as the form had it: choices by their label, users by name, lists one per line."""
    if isinstance(value, models.Manager):
        value = list(value.all())
    if isinstance(value, list | tuple | models.QuerySet):
        return "\n".join(shown(item) for item in value) or "—"
    if isinstance(value, str):
        value = value.strip()
    if (
        value not in (None, "")
        and getattr(form_field, "choices", None)
        and not isinstance(value, models.Model)
    ):
        labels = {str(key): label for key, label in form_field.choices}
        return str(labels.get(str(value), value))
    if hasattr(value, "get_full_name"):
        return person(value)
    return as_text(value)


def edit_conflict(current: models.Model, form: forms.BaseForm, *, what: str, extra=()) -> EditConflict:
    """Who saved `current` last and when, and the fields of `form` where the saved value and the one the
    user typed differ (fields the record does not hold are left out); `extra` adds (label, theirs, yours)."""
    latest = current.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    conflict = EditConflict(
        what=what,
        who=person(latest.history_user) if latest else _("unknown"),
        when=latest.history_date if latest else None,
    )
    typed = getattr(form, "cleaned_data", {})
    for name, form_field in form.fields.items():
        if name == VERSION or not hasattr(current, name) or name not in typed:
            continue
        theirs, yours = shown(getattr(current, name), form_field), shown(typed[name], form_field)
        if theirs != yours:
            conflict.differences.append(Difference(str(form_field.label or name), theirs, yours))
    for label, theirs, yours in extra:
        if theirs != yours:
            conflict.differences.append(Difference(str(label), theirs, yours))
    return conflict
