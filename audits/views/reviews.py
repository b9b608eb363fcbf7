"""Management reviews: list, record while draft, finalize by the leader, decisions tracked as Actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import Action as Can
from agencies.access import agencies_for, agency_get_or_404, can, can_anywhere
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table
from qms_portal.text import matching

from ..forms.reviews import DecisionForm, ReviewForm
from ..models import Action, ManagementReview
from ..selectors import review_get_or_404
from ..services import reviews as service

PAGE_SIZE = 25
Status = ManagementReview.Status
SORTS = {
    "-date": ("-held_on", "agency__name"),
    "date": ("held_on", "agency__name"),
    "agency": ("agency__name", "-held_on"),
}
_NOT_CLOSED = [status for status in Action.Status if status != Action.Status.CLOSED]


def _attach(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _filtered_reviews(request) -> tuple:
    """The reviews of the agencies the user may see, narrowed by the list's filters."""
    queryset = (
        ManagementReview.objects.filter(agency__in=agencies_for(request.user))
        .select_related("agency", "chair")
        .annotate(
            decision_count=Count("decisions"),
            open_decisions=Count("decisions", filter=Q(decisions__status__in=_NOT_CLOSED)),
        )
    )
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "agency", "year", "status", "sort")}
    if filters["agency"].isdigit():
        queryset = queryset.filter(agency_id=int(filters["agency"]))
    if filters["year"].isdigit():
        queryset = queryset.filter(held_on__year=int(filters["year"]))
    if filters["status"] in Status.values:
        queryset = queryset.filter(status=filters["status"])
    if filters["q"]:
        queryset = _search(queryset, filters["q"])
    if filters["sort"] not in SORTS:
        filters["sort"] = "-date"
    return queryset.order_by(*SORTS[filters["sort"]], "pk"), filters


def _search(queryset, query: str):
    """Agency or participants matching the query without regard to case or diacritics."""
    return queryset.filter(matching(query, "search_text", "agency__search_text"))


def review_list(request):
    queryset, filters = _filtered_reviews(request)
    if request.GET.get("export") == "xlsx":
        return _export(queryset)
    # Offer the agency filter only while the choice is short enough for a select.
    agencies = list(agencies_for(request.user).order_by("name")[:201])
    this_year = timezone.localdate().year
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audits/review_list.html",
        {
            "page_obj": page,
            "query": params.urlencode(),
            "filters": filters,
            "statuses": Status.choices,
            "agencies": agencies if len(agencies) <= 200 else None,
            "years": range(this_year + 1, this_year - 10, -1),
            "can_create": can_anywhere(request.user, Can.EDIT),
        },
    )


def _export(queryset) -> HttpResponse:
    rows = (
        (
            review.agency.name,
            review.held_on,
            (review.chair.get_full_name() or review.chair.get_username()) if review.chair else "",
            review.get_status_display(),
            timezone.localtime(review.finalized_at).date() if review.finalized_at else None,
            review.participants,
            review.decision_count,
            review.open_decisions,
        )
        for review in queryset
    )
    headers = [
        _("Agency"),
        _("Date"),
        _("Chair"),
        _("Status"),
        _("Finalized on"),
        _("Participants"),
        _("Decisions"),
        _("Decisions not closed"),
    ]
    data = write_table(_("Management reviews"), headers, rows)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="management-reviews.xlsx"'
    return response


def _review_data(cleaned: dict) -> service.ReviewData:
    return service.ReviewData(**{key: value for key, value in cleaned.items() if key != "agency"})


@require_http_methods(["GET", "POST"])
def review_create(request):
    requested = request.GET.get("agency", "")
    if requested.isdigit():
        agency = agency_get_or_404(request.user, int(requested), Can.EDIT)
        form = ReviewForm(request.POST or None, agency=agency)
    else:
        agencies = agencies_for(request.user, Can.EDIT).order_by("name")
        first_two = list(agencies[:2])
        if not first_two:
            raise PermissionDenied
        if len(first_two) == 1:
            agency = first_two[0]
            form = ReviewForm(request.POST or None, agency=agency)
        else:
            agency = None
            form = ReviewForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            review = service.review_create(
                agency=agency or form.cleaned_data["agency"],
                data=_review_data(form.cleaned_data),
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The management review was recorded as a draft."))
            return redirect(review)
    status = 400 if request.method == "POST" else 200
    return render(request, "audits/review_form.html", {"form": form, "agency": agency}, status=status)


def _labelled(review: ManagementReview, names) -> list[tuple[str, str]]:
    return [
        (capfirst(ManagementReview._meta.get_field(name).verbose_name), getattr(review, name))
        for name in names
    ]


def _detail(request, review: ManagementReview, decision_form: DecisionForm | None = None, status: int = 200):
    user = request.user
    is_draft = review.status == Status.DRAFT
    can_edit = is_draft and can(user, Can.EDIT, review.agency)
    if can_edit and decision_form is None:
        decision_form = DecisionForm(review=review)
    today = timezone.localdate()
    decisions = list(review.decisions.select_related("owner").order_by("due_date", "pk"))
    for decision in decisions:
        decision.overdue = decision.is_overdue(today)
    return render(
        request,
        "audits/review_detail.html",
        {
            "review": review,
            "agency": review.agency,
            "inputs": _labelled(review, service.INPUT_FIELDS),
            "outputs": _labelled(review, service.OUTPUT_FIELDS),
            "decisions": decisions,
            "today": today,
            "can_edit": can_edit,
            "can_finalize": is_draft and can(user, Can.APPROVE, review.agency),
            "finalize_problems": service.finalize_problems(review, today=today) if is_draft else [],
            "decision_form": decision_form if can_edit else None,
        },
        status=status,
    )


def review_detail(request, pk: int):
    review = review_get_or_404(request.user, pk)
    return _detail(request, review)


@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    review = review_get_or_404(request.user, pk, Can.EDIT)
    if review.status != Status.DRAFT:
        messages.error(request, _("A finalized management review is read-only."))
        return redirect(review)
    initial = {name: getattr(review, name) for name in ReviewForm.base_fields if name != "agency"}
    form = ReviewForm(request.POST or None, agency=review.agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review = service.review_update(
                review=review, data=_review_data(form.cleaned_data), acting_user=request.user
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The management review was saved."))
            return redirect(review)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "audits/review_form.html",
        {"form": form, "agency": review.agency, "review": review},
        status=status,
    )


@require_POST
def review_finalize(request, pk: int):
    review = review_get_or_404(request.user, pk, Can.APPROVE)
    try:
        service.review_finalize(review=review, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The management review is finalized."))
    return redirect(review)


@require_POST
def decision_create(request, pk: int):
    review = review_get_or_404(request.user, pk, Can.EDIT)
    if review.status != Status.DRAFT:
        messages.error(request, _("A finalized management review is read-only."))
        return redirect(review)
    form = DecisionForm(request.POST, review=review)
    if form.is_valid():
        try:
            service.review_decision_create(review=review, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The decision was added and is tracked with the other actions."))
            return redirect(review)
    return _detail(request, review, decision_form=form, status=400)
