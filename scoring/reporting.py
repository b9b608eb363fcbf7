"""Report kinds: what each gathers and which template renders it. The pipeline (scoring.tasks) looks a
report's kind up here; the apps that own the figures register the kinds in ScoringConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from .models import Report


@dataclass(frozen=True)
class ReportKind:
    """kind: a Report.Kind value; template: extends pdf_base.html and also renders the HTML preview;
    gather(report) -> the template's context (all the figures, read through the shared aggregate
    functions; no queries in the template); filename(report) -> the PDF's file name."""

    kind: str
    template: str
    gather: Callable[[Report], dict]
    filename: Callable[[Report], str]


_kinds: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> None:
    existing = _kinds.get(kind.kind)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Report kind {kind.kind!r} is already registered.")
    _kinds[kind.kind] = kind


def kind_of(report: Report) -> ReportKind:
    try:
        return _kinds[report.kind]
    except KeyError:
        raise ImproperlyConfigured(f"No renderer is registered for report kind {report.kind!r}.") from None


def registered() -> dict[str, ReportKind]:
    return dict(_kinds)
