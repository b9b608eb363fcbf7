"""Who changed a controlled record, when, and each field before → after, from django-simple-history.

`history_entries()` reads the historical rows of one or more sources (e.g. a revision and its steps), in
one query per source plus one per kind of record a foreign key points at, and compares each row with the
previous one of the same record through simple-history's `diff_against`. `templates/_history.html`
shows the entries.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _

from .text import as_text, person


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime
    who: object
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    reason: str = ""


@dataclass
class Source:
    """The historical rows of one model to list, and how to name the record each row is about."""

    records: models.QuerySet
    subject: Callable[[object], str]
    excluded: Iterable[str] = ()
    # False for records created in bulk with their parent (an assessment's lines): only their changes.
    show_created: bool = True


def _action_label(history_type: str) -> str:
    return {"+": _("created"), "~": _("changed"), "-": _("deleted")}.get(history_type, history_type)


def _names(raw: list[tuple[models.Field, object, object]]) -> dict[type, dict[object, str]]:
    """The text of every record a changed foreign key points at, one query per related model; only the
    keys that changed are looked up, so the page costs no more queries as records are added."""
    wanted: dict[type, set] = defaultdict(set)
    for model_field, before, after in raw:
        if model_field.is_relation:
            wanted[model_field.related_model].update(pk for pk in (before, after) if pk is not None)
    names: dict[type, dict[object, str]] = {}
    for model, pks in wanted.items():
        related = model._default_manager.filter(pk__in=pks)
        if hasattr(model, "get_full_name"):
            names[model] = {user.pk: person(user) for user in related}
        else:
            names[model] = {record.pk: str(record) for record in related}
    return names


def shown(model_field: models.Field, value, names: dict[type, dict[object, str]]) -> str:
    if value not in (None, "", []):
        if model_field.is_relation:
            return names.get(model_field.related_model, {}).get(value, f"#{value}")
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(model_field, models.FileField):
            return str(value).rsplit("/", 1)[-1]
    return as_text(value)


def history_entries(*sources: Source) -> list[HistoryEntry]:
    """Every recorded creation, change and deletion of the sources' records, newest first; a save that
    changed none of the shown fields is left out."""
    pending: list[tuple[HistoryEntry, list[tuple[models.Field, object, object]]]] = []
    for source in sources:
        rows = source.records.select_related("history_user").order_by("id", "history_date", "history_id")
        previous = None
        for row in rows:
            if previous is not None and previous.id != row.id:
                previous = None
            model = row.instance_type
            raw = []
            if row.history_type == "~" and previous is not None:
                delta = row.diff_against(previous, excluded_fields=list(source.excluded))
                raw = [(model._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
                if not raw:
                    previous = row
                    continue
            elif row.history_type == "+" and not source.show_created:
                previous = row
                continue
            entry = HistoryEntry(
                when=row.history_date,
                who=row.history_user,
                action=_action_label(row.history_type),
                subject=source.subject(row),
                reason=row.history_change_reason or "",
            )
            pending.append((entry, raw))
            previous = row
    names = _names([change for _entry, raw in pending for change in raw])
    entries = []
    for entry, raw in pending:
        fields = {model_field.name: index for index, model_field in enumerate(_fields_of(raw))}
        for model_field, before, after in sorted(raw, key=lambda change: fields[change[0].name]):
            entry.changes.append(
                Change(
                    str(model_field.verbose_name),
                    shown(model_field, before, names),
                    shown(model_field, after, names),
                )
            )
        entries.append(entry)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _fields_of(raw) -> list[models.Field]:
    """The changed fields in the model's own order (diff_against sorts them by name)."""
    if not raw:
        return []
    return [f for f in raw[0][0].model._meta.concrete_fields if any(f is change[0] for change in raw)]
