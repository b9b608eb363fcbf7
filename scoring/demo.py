"""Scoring demo: the default rubric for the last two years with finalized self and official assessments and
published results, this year's rubric with the home commune's self-assessment in progress, and targets.

Runs after the procedures and audits demos, so metric criteria are computed from their records. Manual
criteria get points that depend only on the agency's code, so every seeding gives the same table. The
records are the province's own, in Vietnamese whatever the language of the screen.
"""

import hashlib
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from agencies.models import Agency, Province

from . import metrics
from .default_rubric import NAME, create_default_rubric
from .models import Assessment, AssessmentLine, Metric, Rubric, Target
from .services import assessments as assessment_service
from .services import rubrics as rubric_service
from .services import targets as target_service
from .services.results import publish_results

HOME_CODE = "XTIENDUNG"
SECRETARY, LEADER, REVIEWER = "thuky", "lanhdao", "bcd"
QUARTER = Decimal("0.25")


def _quality(agency: Agency, year: int) -> Decimal:
    """A stable 0.55..1.00 per agency and year: how well its manual criteria score."""
    digest = hashlib.sha256(f"{agency.code}:{year}".encode()).digest()
    return Decimal("0.55") + Decimal(digest[0] % 46) / Decimal(100)


def _manual_points(maximum: Decimal, quality: Decimal) -> Decimal:
    return ((maximum * quality) / QUARTER).to_integral_value(rounding=ROUND_DOWN) * QUARTER


def _score_manual(assessment: Assessment, quality: Decimal, user, *, bonus: Decimal = Decimal(0)) -> None:
    lines = list(assessment.lines.select_related("criterion").filter(criterion__metric=""))
    for line in lines:
        maximum = line.criterion.max_points
        line.points = min(maximum, _manual_points(maximum, quality) + bonus)
        line.comment = "Đã kiểm tra hồ sơ lưu tại cơ quan."
        line.updated_by = user
    bulk_update_with_history(lines, AssessmentLine, ["points", "comment", "updated_by"], default_user=user)
    assessment_service._save_total(assessment)


def _published_rubric(province: Province, year: int, reviewer, deadline: date) -> Rubric:
    rubric = Rubric.objects.filter(province=province, year=year, name=NAME).first()
    if rubric is None:
        rubric = create_default_rubric(province, year, self_assessment_deadline=deadline)
    if not rubric.is_published:
        rubric_service.publish(rubric, reviewer)
        Rubric.objects.filter(pk=rubric.pk).update(
            published_at=timezone.make_aware(datetime.combine(date(year, 1, 15), time(9)))
        )
        rubric.refresh_from_db()
    return rubric


def _seed_past_year(province: Province, year: int, users: dict) -> int:
    """Both assessments of every agency operating at the year's end, finalized, and the results published."""
    reviewer, leader = users.get(REVIEWER), users.get(LEADER)
    deadline = date(year, 11, 30)
    rubric = _published_rubric(province, year, reviewer, deadline)
    if rubric.results_published:
        return 0
    agencies = list(Agency.objects.filter(province=province).operating(date(year, 12, 31)).order_by("code"))
    done = set(Assessment.objects.filter(rubric=rubric).values_list("agency_id", "kind"))
    created = 0
    values = metrics.compute(agencies, year, rubric=rubric, today=date(year, 12, 31))
    for agency in agencies:
        quality = _quality(agency, year)
        home = agency.code == HOME_CODE
        if (agency.pk, Assessment.Kind.SELF) not in done:
            signer = leader if home else None
            self_assessment = assessment_service.start_with_values(
                rubric, agency, Assessment.Kind.SELF, signer, values=values.get(agency.pk, {})
            )
            # Agencies rate their own manual criteria a little higher than the committee does.
            _score_manual(self_assessment, quality, signer, bonus=QUARTER * 2)
            assessment_service.submit(self_assessment, signer)
            # Most agencies submitted before the deadline; the weakest ones a week late.
            submitted_on = (
                deadline - timedelta(days=10) if quality >= Decimal("0.65") else deadline + timedelta(7)
            )
            Assessment.objects.filter(pk=self_assessment.pk).update(
                submitted_at=timezone.make_aware(datetime.combine(submitted_on, time(10)))
            )
            assessment_service.refresh(self_assessment, signer, only=Metric.SELF_ASSESSMENT)
            assessment_service.finalize(self_assessment, reviewer if home else None)
            created += 1
    # The official assessment sees whether the self-assessment came in on time.
    values = metrics.compute(agencies, year, rubric=rubric, today=date(year, 12, 31))
    for agency in agencies:
        if (agency.pk, Assessment.Kind.OFFICIAL) in done:
            continue
        official = assessment_service.start_with_values(
            rubric, agency, Assessment.Kind.OFFICIAL, reviewer, values=values.get(agency.pk, {})
        )
        _score_manual(official, _quality(agency, year), reviewer)
        assessment_service.submit(official, None)
        created += 1
    publish_results(rubric, reviewer)
    return created


def _seed_current_year(province: Province, year: int, users: dict) -> int:
    """This year's rubric, published; the home commune's secretary has started the self-assessment."""
    rubric = _published_rubric(province, year, users.get(REVIEWER), date(year, 11, 30))
    home = Agency.objects.filter(province=province, code=HOME_CODE).first()
    if home is None or Assessment.objects.filter(rubric=rubric, agency=home).exists():
        return 0
    secretary = users.get(SECRETARY)
    assessment = assessment_service.start(rubric, home, Assessment.Kind.SELF, secretary)
    first_manual = assessment.lines.select_related("criterion").filter(criterion__metric="").first()
    if first_manual is not None:
        assessment_service.set_line(
            first_manual,
            points=first_manual.criterion.max_points,
            comment="Các quy trình đủ bước, biểu mẫu và hồ sơ; thư ký ISO đã rà soát.",
            user=secretary,
        )
    return 1


def _seed_targets(province: Province, year: int, users: dict) -> int:
    if Target.objects.filter(province=province).exists():
        return 0
    reviewer = users.get(REVIEWER)
    specs = [
        target_service.TargetData(
            measure=Target.Measure.DECLARED,
            level=Agency.Level.COMMUNE,
            value=Decimal(100),
            start_on=date(year, 1, 1),
            deadline=date(year + 1, 12, 31),
            note="100% UBND cấp xã công bố HTQLCL phù hợp tiêu chuẩn.",
        ),
        target_service.TargetData(
            measure=Target.Measure.INTERNAL_AUDIT,
            level="",
            value=Decimal(90),
            start_on=date(year, 1, 1),
            deadline=date(year, 12, 31),
        ),
        target_service.TargetData(
            measure=Target.Measure.DECLARED_2015,
            level=Agency.Level.DEPARTMENT,
            value=Decimal(100),
            start_on=date(year, 1, 1),
            deadline=date(year, 6, 30) if date(year, 6, 30) > date(year, 1, 1) else date(year, 12, 31),
        ),
    ]
    for spec in specs:
        target_service.target_create(province=province, data=spec, acting_user=reviewer)
    return len(specs)


@transaction.atomic
def seed_scoring(province: Province) -> str:
    """Seed the scoring demo of `province`; returns a one-line summary. Safe to run again."""
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=[SECRETARY, LEADER, REVIEWER])
    }
    year = timezone.localdate().year
    added = sum(_seed_past_year(province, past, users) for past in (year - 2, year - 1))
    added += _seed_current_year(province, year, users)
    targets = _seed_targets(province, year, users)
    return _(
        "Scoring: %(rubrics)s rubrics, %(assessments)s assessments (%(added)s added by this run), "
        "%(targets)s new targets"
    ) % {
        "rubrics": Rubric.objects.filter(province=province).count(),
        "assessments": Assessment.objects.filter(rubric__province=province).count(),
        "added": added,
        "targets": targets,
    }
