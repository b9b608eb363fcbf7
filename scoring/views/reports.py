"""Reports: the list with the request form, one report's page with its progress, download and preview.

Routes (names in the `scoring` namespace):
- report_list: reports/ — the reports the user may see (scoring.report_selectors), a form to ask for one
- report_request: reports/new/ (POST)
- report_detail: reports/<pk>/ — status, progress while queued or running (htmx polls report_status)
- report_status: reports/<pk>/status/ — the status partial; it stops polling once done or failed
- report_download: reports/<pk>/download/ — the PDF, once done
- report_preview: reports/<pk>/preview/ — the same document as HTML, from the data as it is now
- report_retry: reports/<pk>/retry/ (POST) — a failed report, queued again
A report outside the user's scope answers 404 on every one of them.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.access import Action, can_anywhere

from .. import reporting
from ..forms.reports import ReportRequestForm
from ..models import Report
from ..report_selectors import filtered_reports, report_get_or_404, visible_reports
from ..services import reports as service

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
POLL_SECONDS = 2
# A queued report nobody picked up after this long: the page says the report service is not answering.
WAITING_NOTICE_SECONDS = 60


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _list_page(request, form: ReportRequestForm | None, status: int = 200):
    filters = {key: request.GET.get(key, "").strip() for key in ("kind", "status", "year", "q")}
    reports = filtered_reports(
        request.user, kind=filters["kind"], status=filters["status"], year=filters["year"], query=filters["q"]
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    years = sorted(set(visible_reports(request.user).values_list("year", flat=True).distinct()), reverse=True)
    can_request = can_anywhere(request.user, Action.REPORTS)
    if form is None and can_request:
        form = ReportRequestForm(user=request.user)
    return render(
        request,
        "scoring/report_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": params.urlencode(),
            "kinds": Report.Kind.choices,
            "statuses": Report.Status.choices,
            "years": years,
            "form": form,
        },
        status=status,
    )


@require_GET
def report_list(request):
    return _list_page(request, None)


@require_POST
def report_request(request):
    form = ReportRequestForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            report = service.request_report(user=request.user, **form.request_arguments())
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("The report has been requested: it is produced in the background, usually in seconds."),
            )
            return redirect(report)
    return _list_page(request, form, status=400)


def _status_context(report: Report) -> dict:
    waiting = (
        report.status == Report.Status.QUEUED
        and (timezone.now() - report.requested_at).total_seconds() > WAITING_NOTICE_SECONDS
    )
    return {"report": report, "poll_seconds": POLL_SECONDS, "waiting_long": waiting}


@require_GET
def report_detail(request, pk: int):
    report = report_get_or_404(request.user, pk)
    return render(request, "scoring/report_detail.html", _status_context(report))


@require_GET
def report_status(request, pk: int):
    report = report_get_or_404(request.user, pk)
    return render(request, "scoring/report_status.html", _status_context(report))


@require_GET
def report_download(request, pk: int):
    report = report_get_or_404(request.user, pk)
    if report.status != Report.Status.DONE or not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = report.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")


@require_GET
def report_preview(request, pk: int):
    """The report's document as HTML, from the data as it is now, whatever the report's status."""
    report = report_get_or_404(request.user, pk)
    try:
        kind = reporting.kind_of(report)
        with translation.override("vi"):
            context = kind.gather(report)
            html = render_to_string(
                kind.template, {"report": report, "preview": True, **context}, request=request
            )
    except Exception as exc:  # noqa: BLE001 - the same failure the task would store: shown, not a 500
        logger.exception("The preview of report %s failed.", report.pk)
        messages.error(
            request, _("The preview could not be built: %(error)s") % {"error": service.one_line(exc)}
        )
        return redirect(report)
    return HttpResponse(html)


@require_POST
def report_retry(request, pk: int):
    report = report_get_or_404(request.user, pk)
    try:
        service.retry(report, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The report is queued again."))
    return redirect(report)


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_request, name="report_request"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/status/", report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
    path("reports/<int:pk>/preview/", report_preview, name="report_preview"),
    path("reports/<int:pk>/retry/", report_retry, name="report_retry"),
]
