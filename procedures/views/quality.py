"""The quality policy and objectives of an agency, one year at a time."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import Action, agency_get_or_404, can, record_get_or_404

from ..forms.quality import ObjectiveForm, PolicyForm
from ..models import QualityObjective, QualityPolicy
from ..quality_selectors import objectives_summary, policy_history, quality_years
from ..services import quality as service


def _overview_url(agency_pk: int, year: int) -> str:
    return f"{reverse('procedures:quality', args=[agency_pk])}?year={year}"


def _allowed_year_or_404(year: int) -> None:
    if service.year_problem(year):
        raise Http404


def _attach_errors(form, exc: ValidationError) -> None:
    for field, field_errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def quality_overview(request, agency_pk: int):
    agency = agency_get_or_404(request.user, agency_pk)
    this_year = timezone.localdate().year
    requested = request.GET.get("year", "")
    year = int(requested) if requested.isdigit() and not service.year_problem(int(requested)) else this_year
    policy = QualityPolicy.objects.filter(agency=agency, year=year).select_related("approved_by").first()
    can_edit = can(request.user, Action.EDIT, agency)
    next_year = this_year + 1
    years = sorted(set(quality_years(agency)) | {this_year}, reverse=True)
    return render(
        request,
        "procedures/quality_overview.html",
        {
            "agency": agency,
            "year": year,
            "years": years,
            # Objectives are set before the year starts; editors get a way into next year.
            "next_year": next_year if can_edit and next_year not in years else None,
            "policy": policy,
            "history": policy_history(policy) if policy else None,
            "objectives": QualityObjective.objects.filter(agency=agency, year=year).order_by("pk"),
            "summary": objectives_summary([agency], year)[agency.pk],
            "can_edit": can_edit,
            "can_approve": can(request.user, Action.APPROVE, agency),
        },
    )


@require_http_methods(["GET", "POST"])
def policy_edit(request, agency_pk: int, year: int):
    agency = agency_get_or_404(request.user, agency_pk, Action.EDIT)
    _allowed_year_or_404(year)
    policy = QualityPolicy.objects.filter(agency=agency, year=year).first()
    form = PolicyForm(request.POST or None, initial={"text": policy.text if policy else ""})
    if request.method == "POST" and form.is_valid():
        try:
            saved = service.policy_save(
                agency=agency, year=year, text=form.cleaned_data["text"], acting_user=request.user
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            if policy is not None and policy.approved_at is not None and saved.approved_at is None:
                messages.warning(
                    request,
                    _(
                        "The quality policy was changed, so it is no longer approved: "
                        "the agency leader must approve the new text."
                    ),
                )
            else:
                messages.success(request, _("The quality policy was saved."))
            return redirect(_overview_url(agency.pk, year))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "procedures/quality_policy_form.html",
        {"agency": agency, "year": year, "policy": policy, "form": form},
        status=status,
    )


@require_POST
def policy_approve(request, pk: int):
    policy = record_get_or_404(
        request.user, QualityPolicy.objects.select_related("agency"), Action.APPROVE, pk=pk
    )
    try:
        service.policy_approve(policy=policy, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The quality policy %(year)s is approved.") % {"year": policy.year})
    return redirect(_overview_url(policy.agency_id, policy.year))


def _objective_form(request, *, agency, year: int, objective: QualityObjective | None):
    initial = ObjectiveForm.initial_from(objective) if objective else {"year": year}
    form = ObjectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = service.objective_save(
                agency=agency,
                year=data["year"],
                objective=objective,
                data=service.ObjectiveData(
                    objective=data["objective"],
                    indicator=data["indicator"],
                    target=data["target"],
                    achieved=data["achieved"],
                    met=data["met"],
                ),
                acting_user=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("The quality objective was saved."))
            return redirect(_overview_url(agency.pk, saved.year))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "procedures/quality_objective_form.html",
        {"agency": agency, "year": year, "objective": objective, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def objective_create(request, agency_pk: int, year: int):
    agency = agency_get_or_404(request.user, agency_pk, Action.EDIT)
    _allowed_year_or_404(year)
    return _objective_form(request, agency=agency, year=year, objective=None)


@require_http_methods(["GET", "POST"])
def objective_update(request, pk: int):
    objective = record_get_or_404(
        request.user, QualityObjective.objects.select_related("agency__province"), Action.EDIT, pk=pk
    )
    return _objective_form(request, agency=objective.agency, year=objective.year, objective=objective)
