"""Scores imported from a spreadsheet (agency_code, criterion_code, points, comment): committees often score
on paper first. Every row is checked before anything is saved; one bad row and nothing is."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_update_with_history

from agencies.models import Agency, Province
from qms_portal.imports import ImportOptionError, ImportRejected, RowError
from qms_portal.spreadsheets import Column, Row, SpreadsheetError, read_table

from . import metrics
from .models import Assessment, AssessmentEvent, AssessmentLine, Criterion, Rubric
from .services import assessments as service

SCORE_COLUMNS = [
    Column("agency_code", gettext_lazy("Agency code")),
    Column("criterion_code", gettext_lazy("Criterion code")),
    Column("points", gettext_lazy("Points")),
    Column("comment", gettext_lazy("Comment"), required=False),
]
COMMAND_OPTIONS = (
    ("--rubric", {"type": int, "required": True, "metavar": "ID", "help": "rubric id"}),
    (
        "--kind",
        {
            "choices": list(Assessment.Kind.values),
            "default": Assessment.Kind.OFFICIAL,
            "help": "assessment kind",
        },
    ),
)


@dataclass(frozen=True)
class _Score:
    row: int
    agency: Agency
    criterion: Criterion
    points: Decimal
    comment: str


def import_scores(file, *, rubric: Rubric, kind: str, user=None) -> str:
    """Set the points (and comments) of the `kind` assessments of the rubric's agencies from a spreadsheet,
    starting the assessments that do not exist yet. Raises SpreadsheetError for an unreadable file,
    ValidationError for an unpublished rubric and ImportRejected with the row errors."""
    if kind not in Assessment.Kind.values:
        raise ValidationError(_("Unknown kind of assessment: %(kind)s.") % {"kind": kind})
    if not rubric.is_published:
        raise ValidationError(
            _("Scores are imported into a published rubric: “%(rubric)s” is a draft.") % {"rubric": rubric}
        )
    rows = read_table(file, SCORE_COLUMNS)
    if not rows:
        raise SpreadsheetError(_("The spreadsheet has no data rows."))
    scores, values = _check(rows, rubric=rubric, kind=kind)
    return _save(scores, values, rubric=rubric, kind=kind, user=user)


def _check(
    rows: list[Row], *, rubric: Rubric, kind: str
) -> tuple[list[_Score], dict[int, dict[str, "metrics.MetricValue"]]]:
    """The scores of the file and the metric values of the agencies without an assessment yet; or
    ImportRejected listing every bad row."""
    agency_codes = {_text(row.values.get("agency_code")) for row in rows} - {""}
    agencies = {
        agency.code: agency
        for agency in Agency.objects.filter(province_id=rubric.province_id, code__in=agency_codes)
    }
    criteria = {_criterion_key(criterion.code): criterion for criterion in rubric.criteria.all()}
    existing = {
        assessment.agency_id: assessment
        for assessment in Assessment.objects.filter(
            rubric=rubric, kind=kind, agency__in=list(agencies.values())
        )
    }
    values = _metric_values(rows, rubric=rubric, agencies=agencies, existing=existing)
    computed = _computed_points(rows, agencies=agencies, criteria=criteria, existing=existing, values=values)

    errors: list[RowError] = []
    scores: list[_Score] = []
    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        problems = []
        agency_code = _text(row.values.get("agency_code"))
        agency = agencies.get(agency_code)
        if not agency_code:
            problems.append(_("the agency code is empty"))
        elif agency is None:
            problems.append(
                _("no agency of %(province)s has the code %(code)s")
                % {"province": rubric.province.name, "code": agency_code}
            )
        criterion_code = _text(row.values.get("criterion_code"))
        criterion = criteria.get(_criterion_key(criterion_code))
        if not criterion_code:
            problems.append(_("the criterion code is empty"))
        elif criterion is None:
            problems.append(_("the rubric has no criterion %(code)s") % {"code": criterion_code})
        points, problem = _points(row.values.get("points"))
        if problem:
            problems.append(problem)
        comment = _comment(row.values.get("comment"))
        if agency is not None and agency.pk in existing:
            assessment = existing[agency.pk]
            if assessment.status != Assessment.Status.DRAFT:
                problems.append(
                    _("the %(kind)s of %(agency)s is %(status)s: a reviewer must reopen it first")
                    % {
                        "kind": assessment.get_kind_display().lower(),
                        "agency": agency.name,
                        "status": assessment.get_status_display().lower(),
                    }
                )
        if agency is not None and criterion is not None:
            key = (agency.pk, criterion.pk)
            if key in seen:
                problems.append(
                    _("%(agency)s, %(criterion)s already appears in row %(row)s")
                    % {"agency": agency.code, "criterion": criterion.code, "row": seen[key]}
                )
            else:
                seen[key] = row.number
        if criterion is not None and points is not None:
            expected = computed.get((agency.pk, criterion.pk)) if agency is not None else None
            if expected is not None and points == expected:
                pass  # the computed points, whatever their step
            else:
                problem = service.points_problem(points, criterion)
                if problem:
                    problems.append(problem)
                elif expected is not None and not comment:
                    problems.append(
                        _(
                            "%(points)s differs from the computed %(computed)s points of %(code)s: give the "
                            "reason in the comment"
                        )
                        % {
                            "points": service.points_text(points),
                            "computed": service.points_text(expected),
                            "code": criterion.code,
                        }
                    )
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        else:
            scores.append(_Score(row.number, agency, criterion, points, comment))
    if errors:
        raise ImportRejected(errors)
    return scores, values


def _metric_values(
    rows: list[Row], *, rubric: Rubric, agencies: dict[str, Agency], existing: dict[int, Assessment]
) -> dict[int, dict[str, "metrics.MetricValue"]]:
    """The metric values of the agencies the import will start an assessment for, in one call."""
    new_agencies = {
        agency.pk
        for row in rows
        if (agency := agencies.get(_text(row.values.get("agency_code")))) is not None
        and agency.pk not in existing
    }
    if not new_agencies or not rubric.criteria.exclude(metric="").exists():
        return {}
    return metrics.compute(sorted(new_agencies), rubric.year, rubric=rubric)


def _computed_points(
    rows: list[Row],
    *,
    agencies: dict[str, Agency],
    criteria: dict[str, Criterion],
    existing: dict[int, Assessment],
    values: dict[int, dict[str, "metrics.MetricValue"]],
) -> dict[tuple[int, int], Decimal]:
    """(agency id, criterion id) → computed points of the metric criteria the file scores: from the
    assessment's lines when it exists, from the metric values of the agency when not."""
    wanted: set[tuple[int, int]] = set()
    for row in rows:
        agency = agencies.get(_text(row.values.get("agency_code")))
        criterion = criteria.get(_criterion_key(_text(row.values.get("criterion_code"))))
        if agency is not None and criterion is not None and criterion.is_computed:
            wanted.add((agency.pk, criterion.pk))
    if not wanted:
        return {}
    computed: dict[tuple[int, int], Decimal] = {}
    started = [existing[agency_id] for agency_id, _id in wanted if agency_id in existing]
    if started:
        lines = AssessmentLine.objects.filter(
            assessment__in=started,
            criterion_id__in={criterion_id for _id, criterion_id in wanted},
            computed_points__isnull=False,
        ).values_list("assessment__agency_id", "criterion_id", "computed_points")
        for agency_id, criterion_id, points in lines:
            computed[(agency_id, criterion_id)] = points
    by_id = {criterion.pk: criterion for criterion in criteria.values()}
    for agency_id, criterion_id in wanted:
        criterion = by_id[criterion_id]
        value = values.get(agency_id, {}).get(criterion.metric)
        if agency_id not in existing and value is not None:
            computed[(agency_id, criterion_id)] = metrics.figures(criterion, value)[1]
    return computed


def _save(
    scores: list[_Score],
    values: dict[int, dict[str, "metrics.MetricValue"]],
    *,
    rubric: Rubric,
    kind: str,
    user,
) -> str:
    by_agency: dict[int, list[_Score]] = defaultdict(list)
    for score in scores:
        by_agency[score.agency.pk].append(score)
    created = 0
    with transaction.atomic():
        assessments = {
            assessment.agency_id: assessment
            for assessment in Assessment.objects.select_for_update(of=("self",)).filter(
                rubric=rubric, kind=kind, agency_id__in=list(by_agency)
            )
        }
        if any(assessment.status != Assessment.Status.DRAFT for assessment in assessments.values()):
            # Submitted or finalized since the file was checked: check again, with the errors to show.
            _check_again(scores, assessments)
        missing = [by_agency[agency_id][0].agency for agency_id in by_agency if agency_id not in assessments]
        for agency in missing:
            # Values computed while checking the file; None (none were needed then) computes them.
            assessments[agency.pk] = service.start_with_values(
                rubric, agency, kind, user, values=values.get(agency.pk)
            )
            created += 1
        lines = {
            (line.assessment_id, line.criterion_id): line
            for line in AssessmentLine.objects.filter(
                assessment__in=list(assessments.values())
            ).select_related("criterion")
        }
        now = timezone.now()
        changed = []
        for score in scores:
            line = lines[(assessments[score.agency.pk].pk, score.criterion.pk)]
            line.points, line.comment = score.points, score.comment
            overriding = line.computed_points is not None and score.points != line.computed_points
            line.override_reason = score.comment if overriding else ""
            line.updated_by, line.updated_at = user, now
            line.version += 1  # bulk updates skip save(): an open edit form of the line must see the change
            changed.append(line)
        bulk_update_with_history(
            changed,
            AssessmentLine,
            ["points", "comment", "override_reason", "updated_by", "updated_at", "version"],
            default_user=user,
            default_change_reason=_("Imported from a spreadsheet"),
        )
        totals = dict(
            AssessmentLine.objects.filter(assessment__in=list(assessments.values()))
            .values("assessment_id")
            .annotate(total=Sum("points"))
            .values_list("assessment_id", "total")
        )
        for assessment in assessments.values():
            assessment.total = totals.get(assessment.pk) or Decimal(0)
        Assessment.objects.bulk_update(list(assessments.values()), ["total"])
        AssessmentEvent.objects.bulk_create(
            [
                AssessmentEvent(assessment=assessment, kind=AssessmentEvent.Kind.IMPORTED, by=user)
                for assessment in assessments.values()
            ]
        )
    return _summary(len(scores), len(assessments), created)


def _check_again(scores: list[_Score], assessments: dict[int, Assessment]) -> None:
    errors = [
        RowError(
            score.row,
            _("the %(kind)s of %(agency)s is %(status)s: a reviewer must reopen it first")
            % {
                "kind": assessment.get_kind_display().lower(),
                "agency": score.agency.name,
                "status": assessment.get_status_display().lower(),
            },
        )
        for score in scores
        if (assessment := assessments.get(score.agency.pk)) is not None
        and assessment.status != Assessment.Status.DRAFT
    ]
    raise ImportRejected(errors)


def _summary(rows: int, assessments: int, created: int) -> str:
    text = ngettext(
        "%(rows)s score saved in %(assessments)s assessment",
        "%(rows)s scores saved in %(assessments)s assessments",
        rows,
    ) % {"rows": rows, "assessments": assessments}
    if created:
        text += " " + ngettext(
            "(%(count)s started by the import).", "(%(count)s started by the import).", created
        ) % {"count": created}
    else:
        text += "."
    return text


def _points(value: object) -> tuple[Decimal | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _("the points are empty")
    if isinstance(value, bool | datetime | date):
        return None, _("“%(value)s” is not a number of points") % {"value": _text(value)}
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return None, _("“%(value)s” is not a number of points") % {"value": _text(value)}
    return number, None


def _comment(value: object) -> str:
    """The comment as written, lines kept (it may be the reason for an override)."""
    return "" if value is None else str(value).strip()


def _criterion_key(code: str) -> str:
    return "".join(code.split()).upper()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    return " ".join(str(value).split())


# --- manage.py import_xlsx scores FILE --rubric ID --kind official|self -------------------------------------


def import_scores_file(
    file, *, province: Province | None = None, rubric: int, kind: str = Assessment.Kind.OFFICIAL
) -> str:
    """The `scores` kind: the scores of a published rubric's assessments of one kind."""
    try:
        target = Rubric.objects.select_related("province").get(pk=rubric)
    except Rubric.DoesNotExist:
        raise ImportOptionError(_("No rubric has the id %(id)s.") % {"id": rubric}) from None
    if province is not None and province.pk != target.province_id:
        raise ImportOptionError(
            _("Rubric %(id)s belongs to %(province)s, not to the province given.")
            % {"id": rubric, "province": target.province.name}
        )
    try:
        return import_scores(file, rubric=target, kind=kind)
    except ValidationError as exc:
        raise ImportOptionError(" ".join(exc.messages)) from exc
