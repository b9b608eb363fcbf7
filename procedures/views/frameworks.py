from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import Action, agencies_for, can_in_province, provinces_for

from ..forms.frameworks import AdoptForm, FrameworkForm, TemplateForm
from ..models import ProcessRevision
from ..selectors import framework_get_or_404, frameworks_for, process_get_or_404
from ..services import frameworks as service
from ..services.revisions import process_create
from .processes import _attach


def framework_list(request):
    frameworks = frameworks_for(request.user).select_related("province").order_by("province__name", "name")
    return render(
        request,
        "procedures/framework_list.html",
        {"frameworks": frameworks, "can_create": provinces_for(request.user, Action.OVERSEE).exists()},
    )


@require_http_methods(["GET", "POST"])
def framework_create(request):
    provinces = provinces_for(request.user, Action.OVERSEE)
    if not provinces.exists():
        raise PermissionDenied
    form = FrameworkForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        framework = service.framework_create(acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Framework model created. Add its template processes."))
        return redirect(framework)
    return render(
        request, "procedures/framework_form.html", {"form": form}, status=400 if form.errors else 200
    )


def framework_detail(request, pk: int):
    framework = framework_get_or_404(request.user, pk)
    can_author = framework_can_author(request.user, framework)
    templates = framework.templates.select_related("procedure").prefetch_related("revisions").order_by("code")
    rows = []
    for template in templates:
        revisions = list(template.revisions.all())
        in_force = next((r for r in revisions if r.status == ProcessRevision.Status.IN_FORCE), None)
        if in_force or can_author:
            rows.append(
                {
                    "template": template,
                    "in_force": in_force,
                    "open": next((r for r in revisions if r.status not in ProcessRevision.PUBLISHED), None),
                }
            )
    adopt_agencies = agencies_for(request.user, Action.EDIT).filter(province=framework.province)
    return render(
        request,
        "procedures/framework_detail.html",
        {
            "framework": framework,
            "rows": rows,
            "can_author": can_author,
            "can_adopt": framework.is_published and adopt_agencies.exists(),
            "adopt_form": AdoptForm(agencies=adopt_agencies),
        },
    )


def framework_can_author(user, framework) -> bool:
    return can_in_province(user, Action.OVERSEE, framework.province_id)


@require_POST
def framework_publish(request, pk: int):
    framework = framework_get_or_404(request.user, pk, Action.OVERSEE)
    try:
        service.framework_publish(framework=framework, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Published: the province's agencies can now adopt its templates."))
    return redirect(framework)


@require_http_methods(["GET", "POST"])
def template_create(request, pk: int):
    framework = framework_get_or_404(request.user, pk, Action.OVERSEE)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = process_create(framework=framework, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Template created. Describe its first revision."))
            return redirect("procedures:revision_edit", pk=template.revisions.get().pk)
    return render(
        request,
        "procedures/template_form.html",
        {"form": form, "framework": framework},
        status=400 if form.errors else 200,
    )


@require_POST
def template_adopt(request, pk: int):
    template = process_get_or_404(request.user, pk)
    if template.framework_id is None:
        raise PermissionDenied
    agencies = agencies_for(request.user, Action.EDIT).filter(province=template.framework.province)
    if not agencies.exists():
        # Readers of the province see the template but have no agency to adopt it into.
        raise PermissionDenied
    form = AdoptForm(request.POST, agencies=agencies)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(template.framework)
    try:
        process = service.template_adopt(
            template=template,
            agency=form.cleaned_data["agency"],
            code=form.cleaned_data["code"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(template.framework)
    messages.success(request, _("Adopted: adapt the draft to the agency, then submit it for approval."))
    return redirect("procedures:revision_edit", pk=process.revisions.get().pk)
