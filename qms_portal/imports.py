"""The kinds `manage.py import_xlsx KIND FILE` knows: each app registers its own in AppConfig.ready().

The command lives in `agencies`, which may not import the apps to its right; they come to it instead.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from .spreadsheets import Column


@dataclass(frozen=True)
class RowError:
    row: int
    message: str


class ImportRejected(Exception):
    """The import saved nothing; `errors` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass(frozen=True)
class ImportPage:
    """What `_import_form.html` shows around an import form."""

    title: Promise
    columns: Sequence[Column]
    notes: Sequence[Promise]
    template_url: str
    csv_allowed: bool = False


class ImportOptionError(Exception):
    """A command-line option of the kind is missing or names nothing (e.g. an unknown rubric)."""


# handler(file, province=Province | None, **kind options) -> a one-line summary of what was saved.
# It raises qms_portal.spreadsheets.SpreadsheetError for an unreadable file, the app's ImportRejected
# (with row errors) when a row is wrong and ImportOptionError for a bad option; either way nothing is saved.
ImportHandler = Callable[..., str]
# (flag, argparse keyword arguments), e.g. ("--rubric", {"type": int, "required": True, "help": ...}).
# "required" is checked for this kind only, since every kind's options share the command's parser.
ImportOption = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class ImportKind:
    name: str
    handler: ImportHandler
    help: str
    province_required: bool = False
    options: tuple[ImportOption, ...] = ()

    def option_names(self) -> list[tuple[str, str, bool]]:
        """(flag, destination, required) of each extra option, as the command parses them."""
        return [
            (flag, spec.get("dest") or flag.lstrip("-").replace("-", "_"), bool(spec.get("required")))
            for flag, spec in self.options
        ]


_registry: dict[str, ImportKind] = {}


def register_import(
    kind: str,
    handler: ImportHandler,
    help: str,
    *,
    province_required: bool = False,
    options: Sequence[ImportOption] = (),
) -> None:
    """Make `kind` available to the import command; registering the same handler twice is harmless.
    `options` are extra command-line options, passed to the handler as keyword arguments."""
    existing = _registry.get(kind)
    if existing is not None and _qualified(existing.handler) != _qualified(handler):
        raise ImproperlyConfigured(
            f"Import kind {kind!r} is already registered by {_qualified(existing.handler)}."
        )
    _registry[kind] = ImportKind(kind, handler, help, province_required, tuple(options))


def registered_imports() -> dict[str, ImportKind]:
    """Every registered kind, by name."""
    return dict(sorted(_registry.items()))


def _qualified(handler: ImportHandler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"
