"""Rubrics: the editor's writes, publishing (refused with every reason at once), the copy to next year, and
the .xlsx export and import. A published rubric is frozen: every write here refuses it."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from agencies.models import Province
from qms_portal.imports import ImportRejected, RowError
from qms_portal.spreadsheets import Column, Row, SpreadsheetError, read_sheets, unneutralize, write_sheets
from qms_portal.text import fold

from .. import default_rubric, rules
from ..models import Band, Criterion, CriterionGroup, Metric, Rubric, Rule

QUARTER = Decimal("0.25")
# Criterion.max_points and Band.lower_bound hold 6 digits, 2 of them decimals.
LARGEST = Decimal("9999.99")
FIRST_YEAR, LAST_YEAR = 2000, 2100

CRITERIA_SHEET = "criteria"
BANDS_SHEET = "bands"
CRITERIA_COLUMNS = [
    Column("group_code", gettext_lazy("Group code")),
    Column("group_title", gettext_lazy("Group title")),
    Column("code", gettext_lazy("Criterion code")),
    Column("text", gettext_lazy("Criterion")),
    Column("guidance", gettext_lazy("Guidance"), required=False),
    Column("max_points", gettext_lazy("Maximum points")),
    Column("metric", gettext_lazy("Metric"), required=False),
    Column("rule", gettext_lazy("Rule"), required=False),
    Column("thresholds", gettext_lazy("Thresholds"), required=False),
]
BAND_COLUMNS = [
    Column("label", gettext_lazy("Band")),
    Column("lower_bound", gettext_lazy("Lower bound")),
    Column("inclusive", gettext_lazy("Lower bound inclusive"), required=False),
]
_YES = {"yes", "y", "true", "1", "x", "co", "inclusive", "≥", ">="}
_NO = {"no", "n", "false", "0", "khong", "exclusive", ">"}


def frozen_message() -> str:
    return _("This rubric is published and frozen: copy it to next year to change it.")


def _lock_draft(rubric_id: int) -> Rubric:
    """The rubric, locked for the transaction; refused once published (it may have been published since
    the page was read)."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric_id)
    if rubric.is_published:
        raise ValidationError(frozen_message(), code="frozen")
    return rubric


def plain(number: Decimal) -> str:
    """2.50 → "2.5", 6.00 → "6": a number of points as people write it (localized)."""
    normalized = Decimal(number).normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    return formats.number_format(normalized, use_l10n=True)


def _two_places(number: Decimal) -> str:
    return formats.number_format(Decimal(number), 2, use_l10n=True)


# --- the rubric itself -------------------------------------------------------------------------------------


def _check_rubric(rubric: Rubric) -> None:
    errors: dict[str, list[str]] = {}
    try:
        rubric.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if rubric.year is not None and not FIRST_YEAR <= rubric.year <= LAST_YEAR:
        errors.setdefault("year", []).append(
            _("Enter a year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    taken = rubric_name_problem(
        province_id=rubric.province_id, year=rubric.year, name=rubric.name, exclude_pk=rubric.pk
    )
    if taken:
        errors.setdefault("name", []).append(taken)
    if errors:
        raise ValidationError(errors)


def rubric_name_problem(
    *, province_id: int, year: int | None, name: str, exclude_pk: int | None = None
) -> str:
    """Why the name cannot be used (another rubric of the province has it that year); empty when it can."""
    name = " ".join((name or "").split())
    if not (province_id and name and year is not None):
        return ""
    others = Rubric.objects.filter(province_id=province_id, year=year, name=name).exclude(pk=exclude_pk)
    if not others.exists():
        return ""
    return _("The province already has a rubric named “%(name)s” for %(year)s.") % {
        "name": name,
        "year": year,
    }


def rubric_create(
    *,
    province: Province,
    year: int,
    name: str,
    total: Decimal = Decimal(100),
    self_assessment_deadline: date | None = None,
    from_default: bool = True,
    acting_user,
) -> Rubric:
    """A new draft rubric, empty or holding the default rubric's groups, criteria and bands."""
    fields = {"total": total, "self_assessment_deadline": self_assessment_deadline}
    rubric = Rubric(province=province, year=year, name=" ".join(name.split()), **fields)
    _check_rubric(rubric)
    with transaction.atomic():
        if from_default:
            rubric = default_rubric.create_default_rubric(province, year, name=rubric.name, **fields)
            _record_creation(rubric, acting_user)
        else:
            rubric._history_user = acting_user
            rubric.save()
    return rubric


def _record_creation(rubric: Rubric, acting_user) -> None:
    """create_default_rubric saves some parts one by one (history without a user, outside a request) and
    bulk-creates others (no history): every part gets one creation record by the acting user."""
    rubric.history.filter(history_user__isnull=True).update(history_user=acting_user)
    for model, queryset in (
        (CriterionGroup, rubric.groups.all()),
        (Criterion, rubric.criteria.all()),
        (Band, rubric.bands.all()),
    ):
        records = model.history.filter(rubric_id=rubric.pk)
        records.filter(history_user__isnull=True).update(history_user=acting_user)
        recorded = set(records.values_list("id", flat=True))
        model.history.bulk_history_create(
            [part for part in queryset if part.pk not in recorded], default_user=acting_user
        )


def rubric_update(
    *,
    rubric: Rubric,
    name: str,
    year: int,
    total: Decimal,
    self_assessment_deadline: date | None,
    acting_user,
) -> Rubric:
    with transaction.atomic():
        locked = _lock_draft(rubric.pk)
        locked.name = " ".join(name.split())
        locked.year = year
        locked.total = total
        locked.self_assessment_deadline = self_assessment_deadline
        _check_rubric(locked)
        locked._history_user = acting_user
        locked.save()
    return locked


def rubric_delete(*, rubric: Rubric, acting_user) -> None:
    """Delete a draft rubric with its parts; one that has assessments stays."""
    with transaction.atomic():
        locked = _lock_draft(rubric.pk)
        if locked.assessments.exists():
            raise ValidationError(_("Agencies have been assessed against this rubric: it cannot be deleted."))
        locked._history_user = acting_user
        locked.delete()


# --- groups ------------------------------------------------------------------------------------------------


def _check_group(group: CriterionGroup) -> None:
    errors: dict[str, list[str]] = {}
    try:
        group.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    duplicate = CriterionGroup.objects.filter(rubric_id=group.rubric_id, code=group.code).exclude(pk=group.pk)
    if group.code and duplicate.exists():
        errors.setdefault("code", []).append(
            _("The rubric already has a group with the code %(code)s.") % {"code": group.code}
        )
    if errors:
        raise ValidationError(errors)


def group_create(
    *, rubric: Rubric, code: str, title: str, order: int | None = None, acting_user
) -> CriterionGroup:
    with transaction.atomic():
        _lock_draft(rubric.pk)
        if order is None:
            order = (rubric.groups.aggregate(last=Max("order"))["last"] or 0) + 1
        group = CriterionGroup(rubric=rubric, code=code.strip(), title=" ".join(title.split()), order=order)
        _check_group(group)
        group._history_user = acting_user
        group.save()
    return group


def group_update(*, group: CriterionGroup, code: str, title: str, order: int, acting_user) -> CriterionGroup:
    with transaction.atomic():
        _lock_draft(group.rubric_id)
        group.code, group.title, group.order = code.strip(), " ".join(title.split()), order
        _check_group(group)
        group._history_user = acting_user
        group.save()
    return group


def group_delete(*, group: CriterionGroup, acting_user) -> None:
    """Delete a group and its criteria."""
    with transaction.atomic():
        _lock_draft(group.rubric_id)
        group._history_user = acting_user
        try:
            group.delete()
        except ProtectedError:
            raise ValidationError(
                _("Assessments score criteria of this group: it cannot be deleted.")
            ) from None


# --- criteria ----------------------------------------------------------------------------------------------


def threshold_pairs(thresholds) -> list[tuple[Decimal, Decimal]] | None:
    """A criterion's stored thresholds as numbers; None when they cannot be read."""
    try:
        pairs = [(Decimal(str(at)), Decimal(str(worth))) for at, worth in thresholds or ()]
    except (TypeError, ValueError, ArithmeticError):
        return None
    return pairs if all(at.is_finite() and worth.is_finite() for at, worth in pairs) else None


def check_criterion(
    *, code: str, text: str, max_points: Decimal | None, metric: str, rule: str, thresholds: Sequence
) -> dict[str, list[str]]:
    """What is wrong with a criterion's values, by field (code uniqueness is checked by the callers)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not code:
        errors["code"].append(_("Enter the criterion's code."))
    if not text:
        errors["text"].append(_("Enter the criterion."))
    if max_points is None:
        errors["max_points"].append(_("Enter the maximum points."))
    elif max_points <= 0:
        errors["max_points"].append(_("The maximum must be more than 0."))
    elif max_points % QUARTER:
        errors["max_points"].append(_("Use steps of 0.25 points, e.g. 2, 2.5 or 2.75."))
    elif max_points > LARGEST:
        errors["max_points"].append(_("The maximum cannot exceed %(largest)s.") % {"largest": plain(LARGEST)})
    if metric and metric not in Metric.values:
        errors["metric"].append(_("Unknown metric “%(metric)s”.") % {"metric": metric})
    if rule and rule not in Rule.values:
        errors["rule"].append(_("Unknown rule “%(rule)s”.") % {"rule": rule})
    if metric and not rule:
        errors["rule"].append(_("A criterion with a metric needs the rule that turns its value into points."))
    if rule and not metric:
        errors["metric"].append(
            _("Choose the metric the rule applies to, or no rule for a criterion the assessor scores.")
        )
    if rule == Rule.THRESHOLDS:
        pairs = threshold_pairs(thresholds)
        if pairs is None:
            errors["thresholds"].append(_("The thresholds cannot be read."))
        elif not pairs:
            errors["thresholds"].append(
                _("The thresholds rule needs at least one threshold, e.g. “0.90 → 4”.")
            )
        elif max_points is not None and max_points > 0:
            highest = max(worth for _at, worth in pairs)
            if highest > max_points:
                errors["thresholds"].append(
                    _("A threshold earns %(points)s points, more than the maximum of %(max)s.")
                    % {"points": plain(highest), "max": plain(max_points)}
                )
    elif thresholds:
        errors["thresholds"].append(
            _("Thresholds apply only to the thresholds rule: clear them or choose it.")
        )
    return dict(errors)


@dataclass(frozen=True)
class CriterionData:
    group: CriterionGroup
    code: str
    text: str
    max_points: Decimal
    guidance: str = ""
    metric: str = ""
    rule: str = ""
    thresholds: Sequence = ()
    order: int | None = None


def _fill_criterion(criterion: Criterion, data: CriterionData) -> None:
    errors = check_criterion(
        code=data.code.strip(),
        text=data.text.strip(),
        max_points=data.max_points,
        metric=data.metric,
        rule=data.rule,
        thresholds=data.thresholds,
    )
    if data.group.rubric_id != criterion.rubric_id:
        errors.setdefault("group", []).append(_("The group belongs to another rubric."))
    criterion.group = data.group
    criterion.code = data.code.strip()
    criterion.text = data.text.strip()
    criterion.guidance = data.guidance.strip()
    criterion.max_points = data.max_points
    criterion.metric = data.metric
    criterion.rule = data.rule
    criterion.thresholds = [list(pair) for pair in data.thresholds]
    if data.order is not None:
        criterion.order = data.order
    duplicate = Criterion.objects.filter(rubric_id=criterion.rubric_id, code=criterion.code)
    if criterion.code and duplicate.exclude(pk=criterion.pk).exists():
        errors.setdefault("code", []).append(
            _("The rubric already has a criterion with the code %(code)s.") % {"code": criterion.code}
        )
    if not errors:
        try:
            criterion.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def criterion_create(*, rubric: Rubric, data: CriterionData, acting_user) -> Criterion:
    with transaction.atomic():
        _lock_draft(rubric.pk)
        criterion = Criterion(rubric=rubric)
        if data.order is None:
            last = data.group.criteria.aggregate(last=Max("order"))["last"]
            criterion.order = (last or 0) + 1
        _fill_criterion(criterion, data)
        criterion._history_user = acting_user
        criterion.save()
    return criterion


def criterion_update(*, criterion: Criterion, data: CriterionData, acting_user) -> Criterion:
    with transaction.atomic():
        _lock_draft(criterion.rubric_id)
        _fill_criterion(criterion, data)
        criterion._history_user = acting_user
        criterion.save()
    return criterion


def criterion_delete(*, criterion: Criterion, acting_user) -> None:
    with transaction.atomic():
        _lock_draft(criterion.rubric_id)
        criterion._history_user = acting_user
        try:
            criterion.delete()
        except ProtectedError:
            raise ValidationError(_("Assessments score this criterion: it cannot be deleted.")) from None


# --- bands -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandData:
    label: str
    lower_bound: Decimal
    inclusive: bool = True
    id: int | None = None


def bands_save(*, rubric: Rubric, bands: Sequence[BandData], acting_user) -> list[Band]:
    """Replace the rubric's bands by `bands` (matched by id; the others are deleted). Whether they cover the
    scores exactly once is checked when publishing (publish_problems)."""
    with transaction.atomic():
        _lock_draft(rubric.pk)
        existing = {band.pk: band for band in rubric.bands.all()}
        stored = {pk: (band.label, band.lower_bound, band.inclusive) for pk, band in existing.items()}
        kept, problems = [], []
        for data in bands:
            band = existing.pop(data.id, None) if data.id else None
            band = band or Band(rubric=rubric)
            band.label = " ".join(data.label.split())
            band.lower_bound = data.lower_bound
            band.inclusive = data.inclusive
            problems += [
                f"{band.label or '—'}: {message}" for message in _model_problems(band, exclude=["rubric"])
            ]
            kept.append(band)
        if problems:
            raise ValidationError(problems)
        for band in existing.values():
            band._history_user = acting_user
            band.delete()
        for band in kept:
            if band.pk is None or stored[band.pk] != (band.label, band.lower_bound, band.inclusive):
                band._history_user = acting_user
                band.save()
    return kept


# --- publishing --------------------------------------------------------------------------------------------


def publish_problems(
    rubric: Rubric,
    *,
    groups: Sequence[CriterionGroup] | None = None,
    criteria: Sequence[Criterion] | None = None,
    bands: Sequence[Band] | None = None,
) -> list[str]:
    """Every reason the rubric cannot be published; empty when it can. Pass the parts already loaded to
    spare the queries."""
    groups = list(rubric.groups.all()) if groups is None else groups
    criteria = list(rubric.criteria.all()) if criteria is None else criteria
    bands = list(rubric.bands.order_by("-lower_bound", "inclusive", "pk")) if bands is None else bands
    problems = []
    if not criteria:
        problems.append(_("The rubric has no criteria."))
    maxima = sum((criterion.max_points for criterion in criteria), Decimal(0))
    if maxima != rubric.total:
        problems.append(
            _("The maxima add up to %(sum)s, not %(total)s.")
            % {"sum": _two_places(maxima), "total": _two_places(rubric.total)}
        )
    used = {criterion.group_id for criterion in criteria}
    problems += [
        _("Group %(group)s has no criteria.") % {"group": f"{group.code}. {group.title}"}
        for group in groups
        if group.pk not in used
    ]
    for criterion in criteria:
        problems += _criterion_publish_problems(criterion)
    problems += rules.band_problems(bands, rubric.total)
    return problems


def _criterion_publish_problems(criterion: Criterion) -> list[str]:
    code = criterion.code
    if criterion.metric and criterion.metric not in Metric.values:
        return [_("Criterion %(code)s has an unknown metric.") % {"code": code}]
    if criterion.metric and criterion.rule not in Rule.values:
        return [_("Criterion %(code)s has a metric but no valid rule.") % {"code": code}]
    if criterion.rule and not criterion.metric:
        return [_("Criterion %(code)s has a rule but no metric.") % {"code": code}]
    if criterion.rule != Rule.THRESHOLDS:
        return []
    pairs = threshold_pairs(criterion.thresholds)
    if pairs is None:
        return [_("The thresholds of criterion %(code)s cannot be read.") % {"code": code}]
    if not pairs:
        return [_("Criterion %(code)s uses the thresholds rule but has no thresholds.") % {"code": code}]
    return [
        _("A threshold of criterion %(code)s earns %(points)s points, more than its maximum of %(max)s.")
        % {"code": code, "points": plain(worth), "max": plain(criterion.max_points)}
        for _at, worth in pairs
        if worth > criterion.max_points
    ]


def publish(rubric: Rubric, user) -> Rubric:
    """Publish a draft rubric, which freezes it; refused (ValidationError listing every problem) while
    publish_problems finds any."""
    with transaction.atomic():
        locked = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if locked.is_published:
            raise ValidationError(_("This rubric is already published."), code="frozen")
        problems = publish_problems(locked)
        if problems:
            raise ValidationError(problems)
        locked.status = Rubric.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = user
        locked._history_user = user
        locked.save(update_fields=["status", "published_at", "published_by"])
    return locked


# --- copy to next year -------------------------------------------------------------------------------------


def _next_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def copy_to_next_year(rubric: Rubric, user) -> Rubric:
    """A draft for the following year with the same groups, criteria and bands, remembering its source."""
    year = rubric.year + 1
    with transaction.atomic():
        if Rubric.objects.filter(province_id=rubric.province_id, year=year, name=rubric.name).exists():
            raise ValidationError(
                _(
                    "%(year)s already has a rubric named “%(name)s”: open it, or rename it before copying "
                    "again."
                )
                % {"year": year, "name": rubric.name}
            )
        copy = Rubric(
            province_id=rubric.province_id,
            year=year,
            name=rubric.name,
            total=rubric.total,
            self_assessment_deadline=_next_year(rubric.self_assessment_deadline),
            copied_from=rubric,
        )
        copy._history_user = user
        copy.save()
        groups = list(rubric.groups.all())
        new_groups = bulk_create_with_history(
            [CriterionGroup(rubric=copy, code=g.code, title=g.title, order=g.order) for g in groups],
            CriterionGroup,
            default_user=user,
        )
        group_ids = {old.pk: new.pk for old, new in zip(groups, new_groups, strict=True)}
        bulk_create_with_history(
            [
                Criterion(
                    rubric=copy,
                    group_id=group_ids[c.group_id],
                    code=c.code,
                    text=c.text,
                    guidance=c.guidance,
                    max_points=c.max_points,
                    metric=c.metric,
                    rule=c.rule,
                    thresholds=c.thresholds,
                    order=c.order,
                )
                for c in rubric.criteria.all()
            ],
            Criterion,
            default_user=user,
        )
        bulk_create_with_history(
            [
                Band(rubric=copy, label=b.label, lower_bound=b.lower_bound, inclusive=b.inclusive)
                for b in rubric.bands.all()
            ],
            Band,
            default_user=user,
        )
    return copy


# --- .xlsx export and import -------------------------------------------------------------------------------


def _headers(columns: Sequence[Column]) -> list[str]:
    return [f"{column.label} ({column.key})" for column in columns]


def _workbook(criteria_rows, band_rows) -> bytes:
    return write_sheets(
        [
            (CRITERIA_SHEET, _headers(CRITERIA_COLUMNS), criteria_rows),
            (BANDS_SHEET, _headers(BAND_COLUMNS), band_rows),
        ]
    )


def _criterion_row(group_code, group_title, code, text, guidance, max_points, metric, rule, thresholds):
    return [
        group_code,
        group_title,
        code,
        text,
        guidance,
        Decimal(max_points),
        metric,
        rule,
        rules.format_thresholds(thresholds),
    ]


def _band_row(label: str, lower_bound, inclusive: bool) -> list:
    return [label, Decimal(lower_bound), "yes" if inclusive else "no"]


def export(rubric: Rubric) -> bytes:
    """The rubric as .xlsx: a "criteria" sheet (a group without criteria gets a row of its own) and a
    "bands" sheet; import_rubric reads it back."""
    groups = list(rubric.groups.all())
    by_group: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in rubric.criteria.all():
        by_group[criterion.group_id].append(criterion)
    criteria_rows = []
    for group in groups:
        criteria = by_group.get(group.pk, [])
        criteria_rows += [
            _criterion_row(
                group.code,
                group.title,
                c.code,
                c.text,
                c.guidance,
                c.max_points,
                c.metric,
                c.rule,
                c.thresholds,
            )
            for c in criteria
        ]
        if not criteria:
            criteria_rows.append([group.code, group.title])
    band_rows = [_band_row(b.label, b.lower_bound, b.inclusive) for b in rubric.bands.all()]
    return _workbook(criteria_rows, band_rows)


def default_template() -> bytes:
    """The default rubric as an import file: the template offered on the import page."""
    criteria_rows = [
        _criterion_row(group_code, title, code, text, "", maximum, str(metric), str(rule), thresholds)
        for group_code, title, criteria in default_rubric.GROUPS
        for code, text, maximum, metric, rule, thresholds in criteria
    ]
    band_rows = [_band_row(label, bound, inclusive) for label, bound, inclusive in default_rubric.BANDS]
    return _workbook(criteria_rows, band_rows)


def _text(value: object) -> str:
    value = unneutralize(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: object) -> Decimal:
    """A number cell, or text such as "2,5"; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return number


def _choice_names(choices) -> dict[str, str]:
    """Folded key, labels in both languages (whole, and before any bracket) → the choice's value."""
    names: dict[str, str] = {}
    for choice in choices:
        names[fold(choice.value)] = choice.value
        names[fold(choice.value.replace("_", " "))] = choice.value
        for language in ("vi", "en"):
            with translation.override(language):
                label = str(choice.label)
            names[fold(label)] = choice.value
            names[fold(label.split(" (")[0])] = choice.value
    return names


class _Names:
    def __init__(self):
        self.metrics = _choice_names(Metric)
        self.rules = _choice_names(Rule) | {
            "yes/no": Rule.YES_NO,
            "yes-no": Rule.YES_NO,
            "yesno": Rule.YES_NO,
        }


def _model_problems(instance, exclude: Sequence[str] = ()) -> list[str]:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [
            f"{instance._meta.get_field(name).verbose_name}: {message}" if name != "__all__" else message
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


@dataclass
class _ParsedGroup:
    group: CriterionGroup
    title_row: int | None
    criteria: list[Criterion]


def _parse_criteria(rows: list[Row], names: _Names) -> tuple[list[_ParsedGroup], list[RowError]]:
    groups: dict[str, _ParsedGroup] = {}
    codes: dict[str, int] = {}
    errors: list[RowError] = []
    for row in rows:
        values, problems = row.values, []
        group_code, group_title = (
            _text(values.get("group_code")),
            " ".join(_text(values.get("group_title")).split()),
        )
        parsed = None
        if not group_code:
            problems.append(_("the group code is empty"))
        else:
            parsed = groups.get(group_code)
            if parsed is None:
                group = CriterionGroup(code=group_code, title=group_title, order=len(groups) + 1)
                parsed = groups[group_code] = _ParsedGroup(group, row.number if group_title else None, [])
                problems += _model_problems(
                    group, exclude=["rubric", "title"] if not group_title else ["rubric"]
                )
            elif group_title and not parsed.group.title:
                parsed.group.title, parsed.title_row = group_title, row.number
            elif group_title and group_title != parsed.group.title:
                problems.append(
                    _("group %(code)s is titled “%(title)s” in row %(row)s")
                    % {"code": group_code, "title": parsed.group.title, "row": parsed.title_row}
                )
        criterion_keys = ("code", "text", "guidance", "max_points", "metric", "rule", "thresholds")
        if all(_text(values.get(key)) == "" for key in criterion_keys):
            # A row with only a group in it: a group that has no criteria yet.
            if problems:
                errors.append(RowError(row.number, "; ".join(problems)))
            continue
        criterion, criterion_problems = _parse_criterion(row, names, codes)
        problems += criterion_problems
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        elif parsed is not None:
            criterion.order = len(parsed.criteria) + 1
            parsed.criteria.append(criterion)
    for code, parsed in groups.items():
        if not parsed.group.title:
            first = next(row.number for row in rows if _text(row.values.get("group_code")) == code)
            errors.append(RowError(first, _("group %(code)s has no title") % {"code": code}))
    return list(groups.values()), errors


def _parse_criterion(row: Row, names: _Names, codes: dict[str, int]) -> tuple[Criterion, list[str]]:
    values, problems, unreadable = row.values, [], set()
    code = _text(values.get("code"))
    if code and code in codes:
        problems.append(
            _("code %(code)s already appears in row %(row)s") % {"code": code, "row": codes[code]}
        )
    elif code:
        codes[code] = row.number
    max_points = None
    if _text(values.get("max_points")):
        try:
            max_points = _number(values.get("max_points"))
        except ValueError:
            unreadable.add("max_points")
            problems.append(
                _("“%(value)s” is not a number of points") % {"value": _text(values.get("max_points"))}
            )
    metric = rule = ""
    if _text(values.get("metric")):
        metric = names.metrics.get(fold(_text(values.get("metric"))), "")
        if not metric:
            unreadable.add("metric")
            problems.append(
                _("unknown metric “%(value)s” (use %(choices)s)")
                % {"value": _text(values.get("metric")), "choices": ", ".join(Metric.values)}
            )
    if _text(values.get("rule")):
        rule = names.rules.get(fold(_text(values.get("rule"))), "")
        if not rule:
            unreadable.add("rule")
            problems.append(
                _("unknown rule “%(value)s” (use %(choices)s)")
                % {"value": _text(values.get("rule")), "choices": ", ".join(Rule.values)}
            )
    thresholds: list = []
    try:
        thresholds = rules.parse_thresholds(_text(values.get("thresholds")))
    except ValueError as exc:
        unreadable.add("thresholds")
        problems.append(_("thresholds: %(problem)s") % {"problem": exc})
    checked = check_criterion(
        code=code,
        text=_text(values.get("text")),
        max_points=max_points,
        metric=metric,
        rule=rule,
        thresholds=thresholds,
    )
    # What a cell that could not be read already explains is not repeated.
    problems += [
        message for field, messages in checked.items() if field not in unreadable for message in messages
    ]
    criterion = Criterion(
        code=code,
        text=_text(values.get("text")),
        guidance=_text(values.get("guidance")),
        max_points=max_points,
        metric=metric,
        rule=rule,
        thresholds=thresholds,
    )
    if not problems:
        problems += _model_problems(criterion, exclude=["rubric", "group"])
    return criterion, problems


def _parse_bands(rows: list[Row]) -> tuple[list[Band], list[RowError]]:
    bands, errors = [], []
    for row in rows:
        values, problems = row.values, []
        label = " ".join(_text(values.get("label")).split())
        if not label:
            problems.append(_("the band label is empty"))
        lower_bound = None
        if not _text(values.get("lower_bound")):
            problems.append(_("the lower bound is empty"))
        else:
            try:
                lower_bound = _number(values.get("lower_bound"))
            except ValueError:
                problems.append(
                    _("“%(value)s” is not a number") % {"value": _text(values.get("lower_bound"))}
                )
        inclusive = values.get("inclusive")
        if not isinstance(inclusive, bool):
            word = fold(_text(inclusive))
            inclusive = True if word in _YES or not word else False if word in _NO else None
            if inclusive is None:
                problems.append(
                    _("write yes or no for an inclusive lower bound, not “%(value)s”")
                    % {"value": _text(values.get("inclusive"))}
                )
        band = Band(label=label, lower_bound=lower_bound, inclusive=bool(inclusive))
        if not problems:
            problems += _model_problems(band, exclude=["rubric"])
        if problems:
            errors.append(RowError(row.number, "; ".join(problems)))
        bands.append(band)
    return bands, errors


def import_rubric(
    file,
    province: Province,
    year: int,
    name: str,
    user,
    *,
    total: Decimal = Decimal(100),
    self_assessment_deadline: date | None = None,
) -> Rubric:
    """A new draft rubric from a file shaped like export()'s. All or nothing: ValidationError for the rubric's
    own fields, SpreadsheetError for an unreadable file, ImportRejected listing every bad row."""
    rubric = Rubric(
        province=province,
        year=year,
        name=" ".join(name.split()),
        total=total,
        self_assessment_deadline=self_assessment_deadline,
    )
    _check_rubric(rubric)
    tables = read_sheets(file, {CRITERIA_SHEET: CRITERIA_COLUMNS, BANDS_SHEET: BAND_COLUMNS})
    if not tables[CRITERIA_SHEET]:
        raise SpreadsheetError(_("The “criteria” sheet has no data rows."))
    groups, criteria_errors = _parse_criteria(tables[CRITERIA_SHEET], _Names())
    bands, band_errors = _parse_bands(tables[BANDS_SHEET])
    errors = [
        RowError(
            error.row, _("sheet “%(sheet)s”: %(problems)s") % {"sheet": sheet, "problems": error.message}
        )
        for sheet, sheet_errors in ((CRITERIA_SHEET, criteria_errors), (BANDS_SHEET, band_errors))
        for error in sorted(sheet_errors, key=lambda error: error.row)
    ]
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        rubric._history_user = user
        rubric.save()
        for parsed in groups:
            parsed.group.rubric = rubric
        saved_groups = bulk_create_with_history([p.group for p in groups], CriterionGroup, default_user=user)
        criteria = []
        for parsed, group in zip(groups, saved_groups, strict=True):
            for criterion in parsed.criteria:
                criterion.rubric, criterion.group = rubric, group
                criteria.append(criterion)
        bulk_create_with_history(criteria, Criterion, default_user=user)
        for band in bands:
            band.rubric = rubric
        bulk_create_with_history(bands, Band, default_user=user)
    return rubric
