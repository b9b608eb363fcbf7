"""PDF rendering: HTML in, PDF bytes out, with WeasyPrint fetching nothing but our own static files.

Views and Celery tasks alike build a context from data, render a template extending `pdf_base.html`
(the official Vietnamese document layout of Decree 30/2020) and store or send the bytes.
"""

import mimetypes
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in our templates (`/static/…`) resolve against this origin; `.invalid` never resolves,
# so nothing can reach the network even through a mistake in the fetcher.
INTERNAL_BASE_URL = "https://qms-portal.invalid/"


class FetchRefused(ValueError):
    """The PDF asked for a resource that is not one of our static files."""


class StaticFilesFetcher(URLFetcher):
    """Serves `/static/…` (STATIC_URL) from the static files finders or STATIC_ROOT, `data:` URLs, and
    `file://` URLs inside a static folder; refuses everything else. Errors stop the rendering, so a
    missing font or image cannot silently change the document."""

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._file_in_static_folder(url)
        else:
            path = self._static_file(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _static_file(self, url: str) -> Path:
        prefix = urljoin(INTERNAL_BASE_URL, settings.STATIC_URL)
        if not url.startswith(prefix):
            raise FetchRefused(f"Refused to fetch {url}: only static files are served to PDFs.")
        name = unquote(urlsplit(url[len(prefix) :]).path)
        if not name or ".." in name.split("/"):
            raise FetchRefused(f"Refused to fetch {url}: not a static file name.")
        found = finders.find(name)
        if found:
            return Path(found)
        # With the manifest storage, templates name the hashed copies that only collectstatic writes.
        if settings.STATIC_ROOT:
            candidate = Path(safe_join(settings.STATIC_ROOT, name))
            if candidate.is_file():
                return candidate
        raise FileNotFoundError(f"No static file {name!r} for {url}.")

    def _file_in_static_folder(self, url: str) -> Path:
        path = Path(unquote(urlsplit(url).path)).resolve()
        for folder in _static_folders():
            if path.is_relative_to(folder) and path.is_file():
                return path
        raise FetchRefused(f"Refused to fetch {url}: outside the static folders.")


def _static_folders() -> list[Path]:
    folders = [settings.STATIC_ROOT] if settings.STATIC_ROOT else []
    for entry in settings.STATICFILES_DIRS:
        folders.append(entry[1] if isinstance(entry, tuple | list) else entry)
    return [Path(folder).resolve() for folder in folders]


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document; relative URLs resolve against `base_url` (our internal origin)."""
    document = HTML(string=html, base_url=base_url or INTERNAL_BASE_URL, url_fetcher=StaticFilesFetcher())
    return document.write_pdf()


def render_template_pdf(template_name: str, context: dict, request=None) -> bytes:
    """Render a template extending `pdf_base.html` to PDF; `request` is optional (Celery has none)."""
    return render_pdf(render_to_string(template_name, context, request=request))


def official_date(place: str, on: date | None) -> str:
    """`Hưng Yên, ngày 05 tháng 01 năm 2020`: zero-padded days below 10 and months 1–2 (Decree 30/2020),
    so nobody can turn 1 into 11 or 12; dotted blanks when the date is not known yet."""
    if on is None:
        return f"{place}, ngày … tháng … năm …"
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


_PROVINCE_PREFIXES = ("Tỉnh ", "Thành phố ")


def province_place(province_name: str) -> str:
    """The place in the date line: `Tỉnh Hưng Yên` → `Hưng Yên`."""
    for prefix in _PROVINCE_PREFIXES:
        if province_name.startswith(prefix):
            return province_name[len(prefix) :]
    return province_name


def provincial_committee(province_name: str) -> str:
    """The province's People's Committee as a header line: `Tỉnh Hưng Yên` → `UBND TỈNH HƯNG YÊN`."""
    if not province_name.startswith(_PROVINCE_PREFIXES):
        province_name = f"Tỉnh {province_name}"
    return f"UBND {province_name.upper()}"


def render_pdf_with_pages(html: str, *, base_url: str | None = None) -> tuple[bytes, int]:
    """Like render_pdf, but also the number of pages: lays the document out once, then writes it."""
    document = HTML(
        string=html, base_url=base_url or INTERNAL_BASE_URL, url_fetcher=StaticFilesFetcher()
    ).render()
    return document.write_pdf(), len(document.pages)


def render_template_pdf_with_pages(template_name: str, context: dict, request=None) -> tuple[bytes, int]:
    """render_template_pdf that also answers the number of pages (stored with generated reports)."""
    return render_pdf_with_pages(render_to_string(template_name, context, request=request))
