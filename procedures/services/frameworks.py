"""Framework models (mô hình khung): template processes a province publishes and agencies adopt."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Province

from ..models import FrameworkModel, Process, ProcessRevision
from .revisions import revision_copy


def framework_create(*, province: Province, name: str, description: str, acting_user) -> FrameworkModel:
    framework = FrameworkModel(
        province=province, name=name.strip(), description=description.strip(), created_by=acting_user
    )
    with transaction.atomic():
        framework.full_clean()
        framework.save()
    return framework


def framework_publish(*, framework: FrameworkModel, acting_user) -> FrameworkModel:
    """Make the framework visible to the province's agencies; it needs at least one template in force."""
    if not ProcessRevision.objects.filter(
        process__framework=framework, status=ProcessRevision.Status.IN_FORCE
    ).exists():
        raise ValidationError(_("Publish a framework model once at least one of its templates is in force."))
    with transaction.atomic():
        framework.published_at = framework.published_at or timezone.now()
        framework.save(update_fields=["published_at"])
    return framework


def template_adopt(*, template: Process, agency: Agency, code: str, acting_user) -> Process:
    """Copy a template's revision in force into the agency as a new process with a draft to adapt."""
    source = template.revisions.filter(status=ProcessRevision.Status.IN_FORCE).first()
    if source is None or not template.framework.is_published:
        raise ValidationError(_("Only a published template with a revision in force can be adopted."))
    if agency.province_id != template.framework.province_id:
        raise ValidationError(_("This framework model belongs to another province."))
    process = Process(
        agency=agency,
        code=code.strip(),
        title=template.title,
        kind=template.kind,
        adopted_from=source,
        procedure=template.procedure
        if template.procedure and agency.handled_procedures.filter(procedure=template.procedure).exists()
        else None,
    )
    if process.kind == Process.Kind.PROCEDURE and process.procedure is None:
        # The template's procedure is not one the agency handles: keep the content, let the secretary relink.
        process.kind = Process.Kind.INTERNAL
    with transaction.atomic():
        process.full_clean()
        process.save()
        revision_copy(source=source, process=process, number=1, acting_user=acting_user)
    return process
