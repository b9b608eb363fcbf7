"""Sections that later apps add to the pages of earlier ones (the home page, the agency page).

`agencies` imports no other app, yet its pages must show what procedures, audits and scoring know;
each app registers a provider in its AppConfig.ready(), and the page renders whatever is registered.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

Provider = Callable[..., str | None]
_providers: dict[str, list[tuple[int, Provider]]] = {}


def register(page: str, provider: Provider, *, order: int = 50) -> None:
    entries = _providers.setdefault(page, [])
    if all(existing is not provider for _order, existing in entries):
        entries.append((order, provider))
        entries.sort(key=lambda entry: entry[0])


def render(page: str, request, **context) -> list[SafeString]:
    """The HTML of every panel registered for `page`, in order; a provider returning None adds nothing."""
    html = (provider(request, **context) for _order, provider in _providers.get(page, []))
    return [mark_safe(fragment) for fragment in html if fragment]  # noqa: S308 - providers render templates
