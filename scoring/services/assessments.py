"""Assessments of an agency against a published rubric: the self-assessment (the ISO secretary drafts, the
leader submits) and the official one (the province's reviewers). draft → submitted → finalized; a finalized
assessment is locked until a reviewer reopens it with a reason.

Metric criteria are prefilled from scoring.metrics and may be overridden only with a reason. The workflow
steps check who takes them (submit, finalize, reopen); who edits a draft is checked by the views
(scoring.selectors.may_edit) and, for score imports, by the import's own rules.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from agencies.models import Agency
from qms_portal.concurrency import check_version
from qms_portal.uploads import validate_document

from .. import metrics
from ..models import Assessment, AssessmentEvent, AssessmentLine, Criterion, LineEvidence, Metric, Rubric
from ..selectors import may_finalize, may_reopen, may_submit

Kind = Assessment.Kind
Status = Assessment.Status
Event = AssessmentEvent.Kind
STEP = Decimal("0.25")
VALUE_PLACES = Decimal("0.0001")
# simple_history keeps a change reason of at most this many characters.
_REASON_LENGTH = 100
_LINE_FIELDS = [
    "computed_value",
    "computed_points",
    "explanation",
    "points",
    "override_reason",
    "updated_at",
    "version",
]


def points_text(value: Decimal) -> str:
    """2.50 → "2.5", 3.00 → "3", in the language's number format."""
    plain = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(plain, use_l10n=True)


def points_problem(points: Decimal, criterion: Criterion) -> str | None:
    """What is wrong with giving `points` to the criterion (range and 0.25 steps), or None."""
    if not points.is_finite():
        return _("Enter a number of points.")
    if points < 0:
        return _("Points cannot be negative.")
    if points > criterion.max_points:
        return _("%(code)s is worth at most %(max)s points.") % {
            "code": criterion.code,
            "max": points_text(criterion.max_points),
        }
    if points % STEP:
        return _("Points go in steps of 0.25 (e.g. 2, 2.25, 2.5 or 2.75).")
    return None


def override_required_message(line: AssessmentLine) -> str:
    return _("Give the reason for overriding the computed %(points)s points.") % {
        "points": points_text(line.computed_points)
    }


def _locked(assessment_id: int) -> Assessment:
    # Lock the assessment row only: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("rubric", "agency")
        .get(pk=assessment_id)
    )


def _require_draft(assessment: Assessment) -> None:
    if assessment.status == Status.FINALIZED:
        raise ValidationError(
            _("This assessment is finalized and locked: a reviewer must reopen it before anything changes."),
            code="locked",
        )
    if assessment.status == Status.SUBMITTED:
        raise ValidationError(
            _("This assessment has been submitted: a reviewer must reopen it before anything changes."),
            code="submitted",
        )


def _already_started(agency: Agency, kind: str) -> str:
    if kind == Kind.SELF:
        return _("%(agency)s has already started its self-assessment against this rubric.") % {
            "agency": agency.name
        }
    return _("The official assessment of %(agency)s against this rubric has already been started.") % {
        "agency": agency.name
    }


def _event(assessment: Assessment, kind: str, user, reason: str = "") -> AssessmentEvent:
    return AssessmentEvent.objects.create(assessment=assessment, kind=kind, reason=reason, by=user)


def _save_total(assessment: Assessment) -> None:
    """The total is the sum of the lines' points; a line without points counts 0."""
    total = assessment.lines.aggregate(total=Sum("points"))["total"]
    assessment.total = total or Decimal(0)
    assessment.save(update_fields=["total"])


def _figures(criterion: Criterion, value: "metrics.MetricValue") -> tuple[Decimal | None, Decimal, str]:
    computed_value, computed_points, explanation = metrics.figures(criterion, value)
    if computed_value is not None:
        computed_value = computed_value.quantize(VALUE_PLACES)
    return computed_value, computed_points, explanation


def start(rubric: Rubric, agency: Agency, kind: str, user) -> Assessment:
    """Start the `kind` assessment of `agency` against a published rubric of its province: one line per
    criterion, metric criteria prefilled with their computed points."""
    return start_with_values(rubric, agency, kind, user, values=None)


def start_with_values(
    rubric: Rubric,
    agency: Agency,
    kind: str,
    user,
    *,
    values: Mapping[str, "metrics.MetricValue"] | None,
) -> Assessment:
    """start() with the agency's metric values already computed (an import computes them for every
    agency at once); None computes them here."""
    if kind not in Kind.values:
        raise ValidationError(_("Unknown kind of assessment: %(kind)s.") % {"kind": kind})
    if not rubric.is_published:
        raise ValidationError(
            _("Only a published rubric is used for assessments: “%(rubric)s” is a draft.")
            % {"rubric": rubric}
        )
    if agency.province_id != rubric.province_id:
        raise ValidationError(
            _("%(agency)s is not an agency of the province of this rubric.") % {"agency": agency.name}
        )
    with transaction.atomic():
        if Assessment.objects.filter(rubric=rubric, agency=agency, kind=kind).exists():
            raise ValidationError(_already_started(agency, kind), code="exists")
        criteria = list(rubric.criteria.order_by("group__order", "order", "code"))
        if values is None and any(criterion.is_computed for criterion in criteria):
            values = metrics.compute([agency], rubric.year, rubric=rubric).get(agency.pk, {})
        assessment = Assessment(rubric=rubric, agency=agency, kind=kind, created_by=user)
        assessment._history_user = user
        try:
            # A second request may have started the same assessment since the check above.
            with transaction.atomic():
                assessment.save()
        except IntegrityError:
            raise ValidationError(_already_started(agency, kind), code="exists") from None
        now = timezone.now()
        lines = []
        for criterion in criteria:
            line = AssessmentLine(assessment=assessment, criterion=criterion, updated_by=user, updated_at=now)
            if criterion.is_computed and values and criterion.metric in values:
                line.computed_value, line.computed_points, line.explanation = _figures(
                    criterion, values[criterion.metric]
                )
                line.points = line.computed_points
            lines.append(line)
        bulk_create_with_history(lines, AssessmentLine, default_user=user)
        assessment.total = sum((line.points or Decimal(0) for line in lines), Decimal(0))
        assessment.save(update_fields=["total"])
        _event(assessment, Event.CREATED, user)
    return assessment


def set_line(
    line: AssessmentLine,
    *,
    points: Decimal | None,
    comment: str,
    override_reason: str = "",
    user,
    version: int | None = None,
) -> AssessmentLine:
    """Score one criterion of a draft. A metric criterion keeps its computed points unless overridden with a
    reason (points None or equal to the computed points clear the reason); manual points may be None.
    With the `version` the form was loaded with, raise StaleEdit when someone else saved the line since."""
    comment, override_reason = (comment or "").strip(), (override_reason or "").strip()
    with transaction.atomic():
        assessment = _locked(line.assessment_id)
        _require_draft(assessment)
        # Every write of a line locks its assessment first, so the version read here cannot move on.
        line = AssessmentLine.objects.select_related("criterion").get(pk=line.pk)
        check_version(line, version)
        criterion = line.criterion
        computed = line.computed_points is not None
        if points is None and computed:
            points = line.computed_points
        if points is not None and not (computed and points == line.computed_points):
            problem = points_problem(points, criterion)
            if problem:
                raise ValidationError({"points": problem})
        if computed and points != line.computed_points:
            if not override_reason:
                raise ValidationError({"override_reason": override_required_message(line)})
        else:
            override_reason = ""
        line.points, line.comment, line.override_reason = points, comment, override_reason
        line.updated_by = user
        line._history_user = user
        if override_reason:
            line._change_reason = Truncator(override_reason).chars(_REASON_LENGTH)
        line.save()
        _save_total(assessment)
    line.assessment = assessment
    return line


def add_evidence(line: AssessmentLine, file, description: str, user) -> LineEvidence:
    """Attach a PDF, Word or Excel file to a line of a draft."""
    validate_document(file)
    with transaction.atomic():
        assessment = _locked(line.assessment_id)
        _require_draft(assessment)
        evidence = LineEvidence(line=line, description=(description or "").strip(), uploaded_by=user)
        evidence.file.save(file.name, file, save=False)
        evidence.full_clean()
        evidence.save()
    return evidence


def remove_evidence(evidence: LineEvidence, user) -> None:
    """Remove an evidence file from a line of a draft (the file goes once the row is gone)."""
    with transaction.atomic():
        assessment = _locked(evidence.line.assessment_id)
        _require_draft(assessment)
        stored = evidence.file
        evidence.delete()
        transaction.on_commit(lambda: stored.storage.delete(stored.name))


def recompute(assessment: Assessment, user) -> Assessment:
    """Refresh the computed values of a draft; lines not overridden follow the new computed points,
    overridden lines keep their points and reason."""
    with transaction.atomic():
        assessment = _locked(assessment.pk)
        _require_draft(assessment)
        refresh(assessment, user)
        _event(assessment, Event.RECOMPUTED, user)
    return assessment


def refresh(assessment: Assessment, user, *, only: str | None = None) -> None:
    """Recompute the metric lines (those of metric `only` when given) and the total."""
    lines = [
        line
        for line in assessment.lines.select_related("criterion").order_by("pk")
        if line.criterion.is_computed and (only is None or line.criterion.metric == only)
    ]
    if not lines:
        return
    values = metrics.compute([assessment.agency], assessment.rubric.year, rubric=assessment.rubric).get(
        assessment.agency_id, {}
    )
    now = timezone.now()
    changed = []
    for line in lines:
        if line.criterion.metric not in values:
            continue
        followed = line.points is None or line.computed_points is None or not line.is_overridden
        line.computed_value, line.computed_points, line.explanation = _figures(
            line.criterion, values[line.criterion.metric]
        )
        if followed:
            line.points = line.computed_points
        if not line.is_overridden:
            line.override_reason = ""
        line.updated_at = now
        line.version += 1  # bulk updates skip save(): an open edit form of the line must see the change
        changed.append(line)
    bulk_update_with_history(changed, AssessmentLine, _LINE_FIELDS, default_user=user)
    _save_total(assessment)


def submit(assessment: Assessment, user) -> Assessment:
    """Draft → submitted: the self-assessment by the agency leader, the official one by a reviewer. Every
    criterion needs its points first."""
    with transaction.atomic():
        assessment = _locked(assessment.pk)
        if user is not None and not may_submit(user, assessment):
            raise PermissionDenied
        if assessment.status != Status.DRAFT:
            raise ValidationError(_("Only a draft can be submitted."), code="status")
        missing = list(
            assessment.lines.filter(points__isnull=True)
            .order_by("criterion__group__order", "criterion__order", "criterion__code")
            .values_list("criterion__code", flat=True)
        )
        if missing:
            raise ValidationError(
                _("Criteria without points: %(codes)s") % {"codes": ", ".join(missing)}, code="incomplete"
            )
        assessment.status = Status.SUBMITTED
        assessment.submitted_at, assessment.submitted_by = timezone.now(), user
        assessment._history_user = user
        assessment.save(update_fields=["status", "submitted_at", "submitted_by"])
        if assessment.kind == Kind.SELF:
            # Submitting is what "submitted by the deadline" measures: score it now, not at the start.
            refresh(assessment, user, only=Metric.SELF_ASSESSMENT)
        _event(assessment, Event.SUBMITTED, user)
    return assessment


def finalize(assessment: Assessment, user) -> Assessment:
    """Submitted → finalized by a reviewer of the province; a finalized assessment is locked."""
    with transaction.atomic():
        assessment = _locked(assessment.pk)
        if user is not None and not may_finalize(user, assessment):
            raise PermissionDenied
        if assessment.status != Status.SUBMITTED:
            message = (
                _("This assessment is already finalized.")
                if assessment.status == Status.FINALIZED
                else _("Only a submitted assessment can be finalized.")
            )
            raise ValidationError(message, code="status")
        assessment.status = Status.FINALIZED
        assessment.finalized_at, assessment.finalized_by = timezone.now(), user
        assessment._history_user = user
        assessment.save(update_fields=["status", "finalized_at", "finalized_by"])
        _event(assessment, Event.FINALIZED, user)
    return assessment


def reopen(assessment: Assessment, user, reason: str) -> Assessment:
    """Submitted or finalized → draft, by a reviewer of the province, with a reason kept in the trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the assessment.")})
    with transaction.atomic():
        assessment = _locked(assessment.pk)
        if user is not None and not may_reopen(user, assessment):
            raise PermissionDenied
        if assessment.status == Status.DRAFT:
            raise ValidationError(_("This assessment is already a draft."), code="status")
        assessment.status = Status.DRAFT
        assessment.submitted_at = assessment.submitted_by = None
        assessment.finalized_at = assessment.finalized_by = None
        assessment._history_user = user
        assessment._change_reason = Truncator(reason).chars(_REASON_LENGTH)
        assessment.save(
            update_fields=["status", "submitted_at", "submitted_by", "finalized_at", "finalized_by"]
        )
        _event(assessment, Event.REOPENED, user, reason)
    return assessment
